//! Builders shared by the scenario tests: local wall-clock times in a named zone.

use attend_engine::{MachineInput, PunchInput, PunchKind, Rules, ScheduledShift};
use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;

pub fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap()
}

/// `"2024-03-30 22:00"` on the wall clock of `tz` (compatible disambiguation).
pub fn local(tz: &TimeZone, civil: &str) -> Timestamp {
    let dt: DateTime = civil.replace(' ', "T").parse().unwrap();
    tz.to_timestamp(dt).unwrap()
}

pub fn punch(id: &str, at: Timestamp, kind: PunchKind) -> PunchInput {
    PunchInput {
        id: id.into(),
        at,
        kind,
    }
}

/// In at `from`, Out at `to`, ids `{tag}-in`/`{tag}-out`.
pub fn worked(tz: &TimeZone, tag: &str, from: &str, to: &str) -> Vec<PunchInput> {
    vec![
        punch(&format!("{tag}-in"), local(tz, from), PunchKind::In),
        punch(&format!("{tag}-out"), local(tz, to), PunchKind::Out),
    ]
}

pub fn shift(date: &str, start: &str, end: &str) -> ScheduledShift {
    ScheduledShift {
        date: date.parse::<Date>().unwrap(),
        start: start.parse::<Time>().unwrap(),
        end: end.parse::<Time>().unwrap(),
    }
}

pub fn machine(id: &str, equipment: &str, from: Timestamp, to: Option<Timestamp>) -> MachineInput {
    MachineInput {
        session_id: id.into(),
        equipment_id: equipment.into(),
        started_at: from,
        stopped_at: to,
    }
}

pub fn day(s: &str) -> Date {
    s.parse().unwrap()
}

pub fn rules(tz: &TimeZone) -> Rules {
    Rules::new(tz.clone())
}

/// Far enough after every scenario that nothing is still open.
pub fn later() -> Timestamp {
    "2030-01-01T00:00:00Z".parse().unwrap()
}
