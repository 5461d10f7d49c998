//! PIN checks against the roster's argon2id hashes, offline, slowed down after failures.
//!
//! Invariants:
//! - **Slower, never locked.** After `free` failures a further try must wait, the wait doubling
//!   with each failure up to `max_ms`; the wait always ends, so an employee is never locked
//!   out of their own number for good. A clock stepped back cannot stretch a wait: a failure
//!   dated after now imposes none, though its count stands.
//! - **Per number and per kiosk.** One count per typed employee number (a success clears it)
//!   and one for the whole kiosk, which only time clears: spraying one PIN across many numbers
//!   meets the kiosk's count, and an employee's own good PIN cannot reset it.
//! - **Nothing to tell apart.** An unknown number, a number without a PIN and a wrong PIN get
//!   the same answer and cost the same one argon2 verification (against a dummy hash when
//!   there is no real one); a try made during a wait costs none and is not counted.
//! - **Pure.** [`check`] takes the counts and the time and returns the new counts; the station
//!   keeps them in `state.db`, so a reboot does not reset them. The verifier is injected, so
//!   tests count verifications instead of timing them.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use attend_protocol::roster::RosterEmployee;

/// Checks a PIN against a PHC-format hash.
pub trait PinVerifier: Send + Sync {
    fn verify(&self, pin: &str, phc_hash: &str) -> bool;
}

/// argon2 with the parameters the hash names (the server hashes PINs with argon2's defaults).
#[derive(Clone, Copy, Debug, Default)]
pub struct Argon2Verifier;

impl PinVerifier for Argon2Verifier {
    fn verify(&self, pin: &str, phc_hash: &str) -> bool {
        PasswordHash::new(phc_hash).is_ok_and(|parsed| {
            argon2::Argon2::default()
                .verify_password(pin.as_bytes(), &parsed)
                .is_ok()
        })
    }
}

/// A hash no PIN matches in practice, with the server's argon2 parameters, so checking a PIN
/// against it costs what checking a real one does. Made once, on first use.
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::from_b64("YXR0ZW5kLWR1bW15LXNhbHQ").expect("a valid salt");
        argon2::Argon2::default()
            .hash_password(b"no employee has this number", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// Failures counted for one scope (a number, or the kiosk).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Failures {
    pub count: u32,
    /// Wall-clock time of the last failure, Unix ms (it must survive a reboot).
    pub last_ms: i64,
}

/// How one scope slows down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slowdown {
    /// Failures allowed before any wait.
    pub free: u32,
    /// The first wait; each later failure doubles it.
    pub base_ms: u64,
    pub max_ms: u64,
    /// A count untouched this long starts again from zero.
    pub forget_ms: u64,
}

impl Slowdown {
    /// The wait that `count` failures impose after the last one.
    pub fn delay_ms(&self, count: u32) -> u64 {
        let Some(doublings) = count.checked_sub(self.free + 1) else {
            return 0;
        };
        self.base_ms
            .saturating_mul(1u64 << doublings.min(40))
            .min(self.max_ms)
    }

    fn live(&self, f: Failures, now_ms: i64) -> u32 {
        let quiet = now_ms.saturating_sub(f.last_ms);
        if quiet >= i64::try_from(self.forget_ms).unwrap_or(i64::MAX) {
            0
        } else {
            f.count
        }
    }

    /// How long a try at `now_ms` must still wait; never more than `max_ms`.
    pub fn wait_ms(&self, f: Failures, now_ms: i64) -> u64 {
        if f.last_ms > now_ms {
            // The clock stepped back past the last failure: waiting until then could take
            // days. No wait now; the count stands, so the next failure waits as long as it
            // would have, counted from a sane time.
            return 0;
        }
        let delay = i64::try_from(self.delay_ms(self.live(f, now_ms))).unwrap_or(i64::MAX);
        u64::try_from(f.last_ms.saturating_add(delay).saturating_sub(now_ms)).unwrap_or(0)
    }

    /// The count after one more failure at `now_ms`.
    pub fn fail(&self, f: Failures, now_ms: i64) -> Failures {
        Failures {
            count: self.live(f, now_ms).saturating_add(1),
            last_ms: now_ms,
        }
    }
}

/// Both scopes' rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinRules {
    pub per_number: Slowdown,
    pub per_kiosk: Slowdown,
}

impl Default for PinRules {
    /// Per number: 3 free tries, then 30 s doubling up to 15 min, forgotten after a day.
    /// Per kiosk: 10 free failures, then 2 s doubling up to 1 min, forgotten after 15 quiet
    /// minutes; short, because every PIN user at that kiosk waits it out.
    fn default() -> Self {
        Self {
            per_number: Slowdown {
                free: 3,
                base_ms: 30_000,
                max_ms: 15 * 60_000,
                forget_ms: 24 * 3_600_000,
            },
            per_kiosk: Slowdown {
                free: 10,
                base_ms: 2_000,
                max_ms: 60_000,
                forget_ms: 15 * 60_000,
            },
        }
    }
}

/// The failure counts a check reads and replaces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub number: Failures,
    pub kiosk: Failures,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PinCheck {
    Accepted,
    /// Wrong number or PIN (indistinguishable on purpose); the next try must wait this long.
    Wrong {
        wait_s: u64,
    },
    /// Not checked: a wait from earlier failures is still running.
    Wait {
        seconds: u64,
    },
}

/// Checks `pin` for the employee found under the typed number (`None` if no one has it).
pub fn check(
    rules: &PinRules,
    counts: Counts,
    employee: Option<&RosterEmployee>,
    pin: &str,
    now_ms: i64,
    verifier: &dyn PinVerifier,
) -> (PinCheck, Counts) {
    let wait = rules
        .per_number
        .wait_ms(counts.number, now_ms)
        .max(rules.per_kiosk.wait_ms(counts.kiosk, now_ms));
    if wait > 0 {
        return (
            PinCheck::Wait {
                seconds: wait.div_ceil(1000),
            },
            counts,
        );
    }
    let real = employee.and_then(|e| e.pin_hash.as_deref());
    // Always exactly one verification: against the dummy when there is no real hash.
    let matched = verifier.verify(pin, real.unwrap_or_else(|| dummy_hash()));
    if matched && real.is_some() {
        let cleared = Counts {
            number: Failures::default(),
            ..counts
        };
        return (PinCheck::Accepted, cleared);
    }
    let next = Counts {
        number: rules.per_number.fail(counts.number, now_ms),
        kiosk: rules.per_kiosk.fail(counts.kiosk, now_ms),
    };
    let wait = rules
        .per_number
        .wait_ms(next.number, now_ms)
        .max(rules.per_kiosk.wait_ms(next.kiosk, now_ms));
    (
        PinCheck::Wrong {
            wait_s: wait.div_ceil(1000),
        },
        next,
    )
}

#[cfg(test)]
mod tests;
