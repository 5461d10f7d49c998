//! Builders for the scenarios: running the engine and the rule sets they use.

use super::common::{day, later, local, punch, rules, worked};
use attend_engine::{
    AutoDeduct, EngineOutput, ExceptionKind, PunchInput, PunchKind, Rounding, RoundingMode, Rules,
    ScheduledShift, compute,
};
use jiff::tz::TimeZone;

pub fn run(punches: &[PunchInput], shifts: &[ScheduledShift], rules: &Rules) -> EngineOutput {
    compute(punches, &[], shifts, rules, later())
}

pub fn kinds(out: &EngineOutput) -> Vec<ExceptionKind> {
    out.exceptions.iter().map(|e| e.kind.clone()).collect()
}

pub fn paid(out: &EngineOutput, date: &str) -> u32 {
    out.day(day(date)).map_or(0, |d| d.paid_minutes)
}

pub fn graced(tz: &TimeZone) -> Rules {
    Rules {
        grace_late_minutes: 5,
        grace_early_leave_minutes: 5,
        ..rules(tz)
    }
}

pub fn rounded(tz: &TimeZone, mode: RoundingMode, increment_minutes: u32) -> Rules {
    Rules {
        rounding: Some(Rounding {
            increment_minutes,
            mode,
        }),
        ..rules(tz)
    }
}

/// Mon 2024-06-03 onwards, `n` days of 08:00–17:00 (9 h, no break).
pub fn nine_hour_days(tz: &TimeZone, n: u8) -> Vec<PunchInput> {
    (0..n)
        .flat_map(|i| {
            let d = format!("2024-06-{:02}", 3 + i);
            worked(tz, &d, &format!("{d} 08:00"), &format!("{d} 17:00"))
        })
        .collect()
}

pub fn overtime(tz: &TimeZone, daily: Option<u32>, weekly: Option<u32>) -> Rules {
    let mut r = rules(tz);
    r.overtime.daily_threshold_minutes = daily;
    r.overtime.weekly_threshold_minutes = weekly;
    r
}

pub fn with_lunch(tz: &TimeZone) -> Vec<PunchInput> {
    let mut p = worked(tz, "a", "2024-06-03 08:00", "2024-06-03 17:00");
    p.push(punch(
        "bs",
        local(tz, "2024-06-03 12:00"),
        PunchKind::BreakStart,
    ));
    p.push(punch(
        "be",
        local(tz, "2024-06-03 12:30"),
        PunchKind::BreakEnd,
    ));
    p
}

pub fn deducting(tz: &TimeZone) -> Rules {
    let mut r = rules(tz);
    r.breaks.auto_deduct = Some(AutoDeduct {
        after_worked_minutes: 360,
        deduct_minutes: 30,
    });
    r
}
