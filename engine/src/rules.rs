//! Inputs to the engine: punches, machine sessions, the schedule and the site's pay rules.

use jiff::Timestamp;
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// What a clock punch records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PunchKind {
    In,
    Out,
    BreakStart,
    BreakEnd,
}

/// One clock punch of one employee.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PunchInput {
    /// The device event id: the idempotency key, so a re-sent punch is the same punch.
    pub id: String,
    pub at: Timestamp,
    pub kind: PunchKind,
}

/// One equipment session of the employee, already paired by the caller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineInput {
    pub session_id: String,
    pub equipment_id: String,
    pub started_at: Timestamp,
    /// `None` while the machine runs, or when the stop event was lost.
    pub stopped_at: Option<Timestamp>,
}

/// A planned shift. `end <= start` means it ends on the day after `date`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ScheduledShift {
    /// The work date: the civil date the shift starts on.
    pub date: Date,
    pub start: Time,
    pub end: Time,
}

/// Which way a punch moves onto the rounding grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Half up, so at 15 minutes :07 goes down and :08 goes up (the US "7-minute rule").
    Nearest,
    Up,
    Down,
}

/// Punch rounding on the site's wall clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rounding {
    /// Must divide 60; anything else is ignored by `compute` and rejected by `validate`.
    pub increment_minutes: u32,
    pub mode: RoundingMode,
}

/// Deduct a meal break from people who did not punch one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AutoDeduct {
    /// Paid minutes of the day (before the deduction) at which the deduction starts.
    pub after_worked_minutes: u32,
    /// Break minutes the day must contain; punched breaks count towards it.
    pub deduct_minutes: u32,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BreakRule {
    /// Whether punched breaks are paid time.
    pub paid: bool,
    pub auto_deduct: Option<AutoDeduct>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Overtime {
    pub daily_threshold_minutes: Option<u32>,
    pub weekly_threshold_minutes: Option<u32>,
    /// jiff's `Weekday` has no serde support, hence the adapter.
    #[serde(with = "weekday_serde")]
    pub week_starts: Weekday,
}

impl Default for Overtime {
    fn default() -> Self {
        Self {
            daily_threshold_minutes: None,
            weekly_threshold_minutes: None,
            week_starts: Weekday::Monday,
        }
    }
}

/// The site's attendance policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    #[serde(with = "jiff::fmt::serde::tz::required")]
    pub time_zone: TimeZone,
    /// A first clock-in up to this late is paid from the shift start and not flagged.
    pub grace_late_minutes: u32,
    /// A last clock-out up to this early is paid to the shift end and not flagged.
    pub grace_early_leave_minutes: u32,
    pub rounding: Option<Rounding>,
    pub breaks: BreakRule,
    pub overtime: Overtime,
    /// Longest believable session; also bounds how long a session stays `open`.
    pub max_open_hours: u32,
    /// Pay time clocked before the shift start (otherwise it is waiting time, unpaid).
    pub pay_early_arrival: bool,
}

impl Rules {
    /// No grace, no rounding, unpaid breaks, no overtime, 16 h cap, early arrival unpaid.
    pub fn new(time_zone: TimeZone) -> Self {
        Self {
            time_zone,
            grace_late_minutes: 0,
            grace_early_leave_minutes: 0,
            rounding: None,
            breaks: BreakRule::default(),
            overtime: Overtime::default(),
            max_open_hours: 16,
            pay_early_arrival: false,
        }
    }

    /// Checks what `compute` would otherwise silently ignore or clamp.
    pub fn validate(&self) -> Result<(), RulesError> {
        if let Some(r) = self.rounding
            && !valid_increment(r.increment_minutes)
        {
            return Err(RulesError::RoundingIncrement(r.increment_minutes));
        }
        if self.max_open_hours == 0 || self.max_open_hours > MAX_OPEN_HOURS_LIMIT {
            return Err(RulesError::MaxOpenHours(self.max_open_hours));
        }
        if self.grace_late_minutes > MAX_GRACE_MINUTES
            || self.grace_early_leave_minutes > MAX_GRACE_MINUTES
        {
            return Err(RulesError::Grace);
        }
        Ok(())
    }

    /// The rounding `compute` applies: an invalid increment means no rounding.
    pub(crate) fn effective_rounding(&self) -> Option<Rounding> {
        self.rounding
            .filter(|r| valid_increment(r.increment_minutes))
    }

    /// Clamped so that the arithmetic stays far from overflow whatever the caller passes.
    pub(crate) fn max_open_seconds(&self) -> i64 {
        i64::from(self.max_open_hours.min(MAX_OPEN_HOURS_LIMIT)) * 3600
    }

    pub(crate) fn grace_late_seconds(&self) -> i64 {
        i64::from(self.grace_late_minutes.min(MAX_GRACE_MINUTES)) * 60
    }

    pub(crate) fn grace_early_seconds(&self) -> i64 {
        i64::from(self.grace_early_leave_minutes.min(MAX_GRACE_MINUTES)) * 60
    }
}

/// A week: no real session is longer.
pub const MAX_OPEN_HOURS_LIMIT: u32 = 168;
/// Grace longer than a shift makes the late/early flags meaningless.
pub const MAX_GRACE_MINUTES: u32 = 240;

fn valid_increment(minutes: u32) -> bool {
    (1..=60).contains(&minutes) && 60 % minutes == 0
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("rounding increment {0} min does not divide 60")]
    RoundingIncrement(u32),
    #[error("max_open_hours {0} must be in 1..={MAX_OPEN_HOURS_LIMIT}")]
    MaxOpenHours(u32),
    #[error("grace minutes must be at most {MAX_GRACE_MINUTES}")]
    Grace,
}

/// Weekdays as lowercase English names, e.g. `"monday"`.
mod weekday_serde {
    use jiff::civil::Weekday;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    const NAMES: [(&str, Weekday); 7] = [
        ("monday", Weekday::Monday),
        ("tuesday", Weekday::Tuesday),
        ("wednesday", Weekday::Wednesday),
        ("thursday", Weekday::Thursday),
        ("friday", Weekday::Friday),
        ("saturday", Weekday::Saturday),
        ("sunday", Weekday::Sunday),
    ];

    // serde's `with` hands over a reference.
    #[allow(clippy::trivially_copy_pass_by_ref)]
    pub fn serialize<S: Serializer>(day: &Weekday, se: S) -> Result<S::Ok, S::Error> {
        let name = NAMES
            .iter()
            .find(|(_, d)| d == day)
            .map_or("monday", |(n, _)| n);
        se.serialize_str(name)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<Weekday, D::Error> {
        let name = String::deserialize(de)?;
        NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(&name))
            .map(|(_, d)| *d)
            .ok_or_else(|| D::Error::custom(format!("unknown weekday {name:?}")))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rounding_increments_must_divide_an_hour() {
        let mut rules = Rules::new(TimeZone::UTC);
        for (inc, ok) in [
            (15, true),
            (6, true),
            (60, true),
            (7, false),
            (0, false),
            (90, false),
        ] {
            rules.rounding = Some(Rounding {
                increment_minutes: inc,
                mode: RoundingMode::Up,
            });
            assert_eq!(rules.validate().is_ok(), ok, "{inc}");
            assert_eq!(rules.effective_rounding().is_some(), ok, "{inc}");
        }
    }

    #[test]
    fn default_rules_are_valid() {
        assert_eq!(Rules::new(TimeZone::UTC).validate(), Ok(()));
    }

    #[test]
    fn rules_round_trip_through_json_with_zone_name_and_weekday() {
        let mut rules = Rules::new(TimeZone::get("Europe/Lisbon").unwrap());
        rules.overtime.week_starts = Weekday::Sunday;
        let json = serde_json::to_string(&rules).unwrap();
        assert!(
            json.contains("\"Europe/Lisbon\"") && json.contains("\"sunday\""),
            "{json}"
        );
        let back: Rules = serde_json::from_str(&json).unwrap();
        assert_eq!(back, rules);
    }
}
