//! Which punch a person makes. The type follows the person's local state (out → in, in → out,
//! on break → back from break), the function keys override it for breaks, punches repeated
//! within the window are suppressed, and face punches need biometric consent.

use std::collections::HashMap;

use attend_protocol::events::{PunchMethod, PunchType};
use attend_protocol::ids::EmployeeId;
use attend_protocol::roster::ConsentState;

/// Where a person stands, as this kiosk last recorded it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Presence {
    #[default]
    Out,
    In,
    OnBreak,
}

/// A function key pressed before identifying, to choose the punch explicitly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PunchKey {
    ClockIn,
    ClockOut,
    BreakStart,
    BreakEnd,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("already punched {seconds} s ago")]
    Repeated { seconds: u64 },
    #[error("no consent for face recognition: use your PIN")]
    NoFaceConsent,
    #[error("cannot start a break: you are not clocked in")]
    BreakWhileOut,
    #[error("cannot end a break: you are not on a break")]
    NotOnBreak,
}

#[derive(Clone, Debug, Default)]
pub struct PunchBook {
    repeat_window_ms: u64,
    people: HashMap<EmployeeId, (Presence, u64)>,
}

impl PunchBook {
    pub fn new(repeat_window_ms: u64) -> Self {
        Self {
            repeat_window_ms,
            people: HashMap::new(),
        }
    }

    /// Restores a person's state (from the outbox history at start-up).
    pub fn restore(&mut self, employee: EmployeeId, presence: Presence, at_ms: u64) {
        self.people.insert(employee, (presence, at_ms));
    }

    /// The person's presence and when they last punched (ms; 0 = never), to undo a punch whose
    /// event could not be committed.
    pub fn snapshot(&self, employee: EmployeeId) -> (Presence, u64) {
        self.people
            .get(&employee)
            .copied()
            .unwrap_or((Presence::Out, 0))
    }

    pub fn presence(&self, employee: EmployeeId) -> Presence {
        self.people.get(&employee).map_or(Presence::Out, |p| p.0)
    }

    /// Decides the punch and, when allowed, records it (the caller then commits the event).
    pub fn punch(
        &mut self,
        employee: EmployeeId,
        consent: ConsentState,
        method: PunchMethod,
        key: Option<PunchKey>,
        now_ms: u64,
    ) -> Result<PunchType, Refusal> {
        if method == PunchMethod::Face && consent != ConsentState::Granted {
            return Err(Refusal::NoFaceConsent);
        }
        let (presence, last_ms) = self
            .people
            .get(&employee)
            .copied()
            .unwrap_or((Presence::Out, 0));
        let since = now_ms.saturating_sub(last_ms);
        if last_ms > 0 && since < self.repeat_window_ms {
            return Err(Refusal::Repeated {
                seconds: since / 1000,
            });
        }
        let (punch, next) = match (key, presence) {
            (Some(PunchKey::BreakStart), Presence::In) => {
                (PunchType::BreakStart, Presence::OnBreak)
            }
            (Some(PunchKey::BreakStart), _) => return Err(Refusal::BreakWhileOut),
            (Some(PunchKey::BreakEnd) | None, Presence::OnBreak) => {
                (PunchType::BreakEnd, Presence::In)
            }
            (Some(PunchKey::BreakEnd), _) => return Err(Refusal::NotOnBreak),
            (Some(PunchKey::ClockIn), _) | (None, Presence::Out) => (PunchType::In, Presence::In),
            (Some(PunchKey::ClockOut), _) | (None, Presence::In) => (PunchType::Out, Presence::Out),
        };
        self.people.insert(employee, (next, now_ms.max(1)));
        Ok(punch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANA: EmployeeId = EmployeeId(uuid::Uuid::from_u128(1));
    const G: ConsentState = ConsentState::Granted;

    #[test]
    fn the_type_alternates_with_the_persons_state() {
        let mut b = PunchBook::new(60_000);
        assert_eq!(
            b.punch(ANA, G, PunchMethod::Face, None, 1_000),
            Ok(PunchType::In)
        );
        assert_eq!(
            b.punch(ANA, G, PunchMethod::Pin, None, 100_000),
            Ok(PunchType::Out)
        );
        assert_eq!(
            b.punch(ANA, G, PunchMethod::Pin, None, 200_000),
            Ok(PunchType::In)
        );
        assert_eq!(b.presence(ANA), Presence::In);
    }

    #[test]
    fn break_keys_override_and_the_next_plain_punch_ends_the_break() {
        let mut b = PunchBook::new(0);
        assert_eq!(
            b.punch(ANA, G, PunchMethod::Pin, Some(PunchKey::BreakStart), 1),
            Err(Refusal::BreakWhileOut)
        );
        b.punch(ANA, G, PunchMethod::Pin, None, 2).expect("in");
        assert_eq!(
            b.punch(ANA, G, PunchMethod::Pin, Some(PunchKey::BreakStart), 3),
            Ok(PunchType::BreakStart)
        );
        assert_eq!(
            b.punch(ANA, G, PunchMethod::Face, None, 4),
            Ok(PunchType::BreakEnd)
        );
        assert_eq!(
            b.punch(ANA, G, PunchMethod::Pin, Some(PunchKey::BreakEnd), 5),
            Err(Refusal::NotOnBreak)
        );
        assert_eq!(
            b.punch(ANA, G, PunchMethod::Pin, Some(PunchKey::ClockOut), 6),
            Ok(PunchType::Out)
        );
    }

    #[test]
    fn repeats_within_the_window_are_suppressed_and_change_nothing() {
        let mut b = PunchBook::new(60_000);
        b.punch(ANA, G, PunchMethod::Face, None, 10_000)
            .expect("in");
        assert_eq!(
            b.punch(ANA, G, PunchMethod::Face, None, 40_000),
            Err(Refusal::Repeated { seconds: 30 })
        );
        assert_eq!(b.presence(ANA), Presence::In);
        assert_eq!(
            b.punch(ANA, G, PunchMethod::Face, None, 70_000),
            Ok(PunchType::Out)
        );
    }

    #[test]
    fn face_punches_need_consent_but_pins_do_not() {
        let mut b = PunchBook::new(0);
        assert_eq!(
            b.punch(ANA, ConsentState::Withdrawn, PunchMethod::Face, None, 1),
            Err(Refusal::NoFaceConsent)
        );
        assert_eq!(
            b.punch(ANA, ConsentState::NotAsked, PunchMethod::Pin, None, 2),
            Ok(PunchType::In)
        );
    }
}
