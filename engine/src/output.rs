//! What the engine reports: per-day summaries with their sessions, and exceptions.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineOutput {
    /// Sorted by date; a day appears when it has a session or machine time.
    pub days: Vec<DaySummary>,
    /// Sorted by (date, kind, punch ids).
    pub exceptions: Vec<Exception>,
}

/// One work date. All durations are whole minutes and satisfy
/// `clocked = paid + unpaid_break`, `paid = worked + paid_break`,
/// `paid = regular + daily_overtime + weekly_overtime`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaySummary {
    pub date: Date,
    /// Sorted by clock-in; includes open sessions, which count zero minutes.
    pub sessions: Vec<WorkSession>,
    /// Paid start to paid end of every closed session, breaks included.
    pub clocked_minutes: u32,
    pub paid_break_minutes: u32,
    /// Punched unpaid breaks plus `auto_deducted_minutes`.
    pub unpaid_break_minutes: u32,
    pub auto_deducted_minutes: u32,
    pub paid_minutes: u32,
    /// Paid time spent working: `paid` without paid breaks.
    pub worked_minutes: u32,
    pub regular_minutes: u32,
    pub daily_overtime_minutes: u32,
    pub weekly_overtime_minutes: u32,
    /// Minutes of stopped machine sessions per equipment id.
    pub machine_minutes: BTreeMap<String, u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// Ended by a clock-out punch.
    Closed,
    /// The clock-out is missing; the engine ended the session (see the crate docs).
    AutoClosed,
    /// No clock-out yet and one may still come: zero minutes until it does.
    Open,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkSession {
    pub work_date: Date,
    pub status: SessionStatus,
    /// The clock-in punch as recorded.
    pub clock_in: Timestamp,
    /// The clock-out punch as recorded; `None` when auto-closed or open.
    pub clock_out: Option<Timestamp>,
    /// Where paid time starts, after early arrival, grace and rounding.
    pub start: Timestamp,
    /// Where paid time ends; `None` while open.
    pub end: Option<Timestamp>,
    pub paid_minutes: u32,
    pub paid_break_minutes: u32,
    pub unpaid_break_minutes: u32,
    /// Every punch that makes up the session, in time order.
    pub punch_ids: Vec<String>,
}

impl WorkSession {
    pub fn auto_closed(&self) -> bool {
        self.status == SessionStatus::AutoClosed
    }

    pub fn is_open(&self) -> bool {
        self.status == SessionStatus::Open
    }
}

/// Something a manager should look at, on the work date it concerns.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Exception {
    pub date: Date,
    pub kind: ExceptionKind,
    /// The punches involved, the offending one first.
    pub punch_ids: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ExceptionKind {
    /// A clock-out (or break punch) with no session open; it credits no time.
    MissingIn,
    /// A session has no believable clock-out; it is auto-closed as well.
    MissingOut,
    /// The first clock-in of the shift was this many minutes after its start, beyond grace.
    LateArrival { minutes: u32 },
    /// The last clock-out of the shift was this many minutes before its end, beyond grace.
    EarlyLeave { minutes: u32 },
    /// A double tap; ignored. Ids: the ignored punch, then the one it repeats.
    DuplicatePunch,
    /// The engine ended a session lacking a clock-out at `closed_at`.
    AutoClosed { closed_at: Timestamp },
    /// A break with no end; it was ended at the session's next break or its end.
    UnendedBreak,
    /// A break end with no break start; ignored.
    MissingBreakStart,
    /// A scheduled shift that has ended without any session on its date.
    Absent,
    /// A machine session with no stop long after its start; it counts no minutes.
    UnstoppedMachine {
        session_id: String,
        equipment_id: String,
    },
}

/// Sums over every day of an output.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub clocked_minutes: u64,
    pub paid_minutes: u64,
    pub worked_minutes: u64,
    pub paid_break_minutes: u64,
    pub unpaid_break_minutes: u64,
    pub regular_minutes: u64,
    pub daily_overtime_minutes: u64,
    pub weekly_overtime_minutes: u64,
    pub machine_minutes: BTreeMap<String, u64>,
}

impl EngineOutput {
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for d in &self.days {
            t.clocked_minutes += u64::from(d.clocked_minutes);
            t.paid_minutes += u64::from(d.paid_minutes);
            t.worked_minutes += u64::from(d.worked_minutes);
            t.paid_break_minutes += u64::from(d.paid_break_minutes);
            t.unpaid_break_minutes += u64::from(d.unpaid_break_minutes);
            t.regular_minutes += u64::from(d.regular_minutes);
            t.daily_overtime_minutes += u64::from(d.daily_overtime_minutes);
            t.weekly_overtime_minutes += u64::from(d.weekly_overtime_minutes);
            for (equipment, minutes) in &d.machine_minutes {
                *t.machine_minutes.entry(equipment.clone()).or_default() += u64::from(*minutes);
            }
        }
        t
    }

    pub fn day(&self, date: Date) -> Option<&DaySummary> {
        self.days.iter().find(|d| d.date == date)
    }
}

impl DaySummary {
    pub(crate) fn empty(date: Date) -> Self {
        Self {
            date,
            sessions: Vec::new(),
            clocked_minutes: 0,
            paid_break_minutes: 0,
            unpaid_break_minutes: 0,
            auto_deducted_minutes: 0,
            paid_minutes: 0,
            worked_minutes: 0,
            regular_minutes: 0,
            daily_overtime_minutes: 0,
            weekly_overtime_minutes: 0,
            machine_minutes: BTreeMap::new(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn totals_add_every_day_and_machine() {
        let mut a = DaySummary::empty(date(2024, 1, 1));
        a.paid_minutes = 60;
        a.machine_minutes.insert("press".into(), 10);
        let mut b = DaySummary::empty(date(2024, 1, 2));
        b.paid_minutes = 30;
        b.machine_minutes.insert("press".into(), 5);
        let out = EngineOutput {
            days: vec![a, b],
            exceptions: vec![],
        };
        let t = out.totals();
        assert_eq!((t.paid_minutes, t.machine_minutes["press"]), (90, 15));
        assert_eq!(out.day(date(2024, 1, 2)).map(|d| d.paid_minutes), Some(30));
    }

    #[test]
    fn exceptions_serialise_with_a_snake_case_type_tag() {
        let e = Exception {
            date: date(2024, 1, 1),
            kind: ExceptionKind::LateArrival { minutes: 7 },
            punch_ids: vec!["p".into()],
        };
        let json = serde_json::to_string(&e).unwrap();
        assert!(
            json.contains(r#""type":"late_arrival","minutes":7"#),
            "{json}"
        );
    }
}
