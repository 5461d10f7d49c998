//! PIN checks against the roster's argon2id hashes, offline, with a lockout: after
//! `max_attempts` wrong tries for an employee number, that number is locked for `lockout_ms`.
//! An unknown number and a wrong PIN get the same answer, so the keypad does not reveal who
//! works here; unknown numbers count towards the lockout too.

use std::collections::HashMap;

use argon2::password_hash::{PasswordHash, PasswordVerifier as _};
use attend_protocol::roster::RosterEmployee;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PinCheck {
    Accepted,
    /// Wrong number or PIN (indistinguishable on purpose).
    Wrong {
        attempts_left: u32,
    },
    LockedOut {
        seconds: u64,
    },
}

#[derive(Clone, Debug)]
pub struct PinGuard {
    max_attempts: u32,
    lockout_ms: u64,
    failures: HashMap<String, (u32, Option<u64>)>,
}

impl PinGuard {
    pub fn new(max_attempts: u32, lockout_ms: u64) -> Self {
        Self {
            max_attempts: max_attempts.max(1),
            lockout_ms,
            failures: HashMap::new(),
        }
    }

    /// Checks `pin` for the employee found under `number` (or `None` if no one has it).
    pub fn check(
        &mut self,
        number: &str,
        employee: Option<&RosterEmployee>,
        pin: &str,
        now_ms: u64,
    ) -> PinCheck {
        if let Some((_, Some(until))) = self.failures.get(number)
            && *until > now_ms
        {
            return PinCheck::LockedOut {
                seconds: (until - now_ms).div_ceil(1000),
            };
        }
        let hash = employee.and_then(|e| e.pin_hash.as_deref());
        let ok = hash.is_some_and(|h| {
            PasswordHash::new(h).is_ok_and(|parsed| {
                argon2::Argon2::default()
                    .verify_password(pin.as_bytes(), &parsed)
                    .is_ok()
            })
        });
        if ok {
            self.failures.remove(number);
            return PinCheck::Accepted;
        }
        let entry = self.failures.entry(number.to_owned()).or_insert((0, None));
        if entry.1.is_some() {
            // A lockout that has run out starts a fresh count.
            *entry = (0, None);
        }
        entry.0 += 1;
        if entry.0 >= self.max_attempts {
            entry.1 = Some(now_ms + self.lockout_ms);
            return PinCheck::LockedOut {
                seconds: self.lockout_ms.div_ceil(1000),
            };
        }
        PinCheck::Wrong {
            attempts_left: self.max_attempts - entry.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::{PasswordHasher as _, SaltString};
    use attend_protocol::ids::EmployeeId;
    use attend_protocol::roster::ConsentState;

    use super::*;

    fn ana() -> RosterEmployee {
        let salt = SaltString::from_b64("c2FsdHNhbHRzYWx0").expect("salt");
        let hash = argon2::Argon2::default()
            .hash_password(b"1234", &salt)
            .expect("hash")
            .to_string();
        RosterEmployee {
            id: EmployeeId(uuid::Uuid::from_u128(1)),
            employee_number: "1001".into(),
            display_name: "Ana".into(),
            pin_hash: Some(hash),
            consent: ConsentState::Granted,
            qualifications: vec![],
        }
    }

    #[test]
    fn the_right_pin_is_accepted_and_clears_earlier_failures() {
        let mut g = PinGuard::new(3, 60_000);
        let a = ana();
        assert_eq!(
            g.check("1001", Some(&a), "0000", 1),
            PinCheck::Wrong { attempts_left: 2 }
        );
        assert_eq!(g.check("1001", Some(&a), "1234", 2), PinCheck::Accepted);
        assert_eq!(
            g.check("1001", Some(&a), "0000", 3),
            PinCheck::Wrong { attempts_left: 2 }
        );
    }

    #[test]
    fn repeated_failures_lock_the_number_even_for_the_right_pin_until_it_expires() {
        let mut g = PinGuard::new(3, 60_000);
        let a = ana();
        g.check("1001", Some(&a), "1", 0);
        g.check("1001", Some(&a), "2", 0);
        assert_eq!(
            g.check("1001", Some(&a), "3", 0),
            PinCheck::LockedOut { seconds: 60 }
        );
        assert_eq!(
            g.check("1001", Some(&a), "1234", 30_000),
            PinCheck::LockedOut { seconds: 30 }
        );
        assert_eq!(
            g.check("1001", Some(&a), "1234", 60_001),
            PinCheck::Accepted
        );
    }

    #[test]
    fn unknown_numbers_answer_like_wrong_pins_and_lock_too() {
        let mut g = PinGuard::new(2, 1_000);
        assert_eq!(
            g.check("9999", None, "1234", 0),
            PinCheck::Wrong { attempts_left: 1 }
        );
        assert_eq!(
            g.check("9999", None, "1234", 0),
            PinCheck::LockedOut { seconds: 1 }
        );
        let mut no_pin = ana();
        no_pin.pin_hash = None;
        assert_eq!(
            g.check("1001", Some(&no_pin), "1234", 0),
            PinCheck::Wrong { attempts_left: 1 }
        );
    }
}
