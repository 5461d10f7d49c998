//! An attendance report (the engine's output) as table rows for a person: one row per work
//! date with its first clock-in, last clock-out, decimal hours and exceptions in words.

use attend_engine::ExceptionKind;
use jiff::Timestamp;
use serde::Serialize;

use super::report::AttendanceReport;
use crate::dashboard::fmt::{hours, wall_clock};

#[derive(Debug, Serialize)]
pub struct DayRow {
    pub date: String,
    pub first_in: String,
    pub last_out: String,
    pub worked: String,
    pub regular: String,
    pub overtime: String,
    pub machine: String,
    pub leave: String,
    pub exceptions: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct TotalsRow {
    pub worked: String,
    pub regular: String,
    pub overtime: String,
    pub machine: String,
    pub leave: String,
    pub exceptions: usize,
}

/// A person's words for an exception.
pub fn describe(kind: &ExceptionKind, zone: &str, now: Timestamp) -> String {
    match kind {
        ExceptionKind::MissingIn => "Clock-in missing".into(),
        ExceptionKind::MissingOut => "Clock-out missing".into(),
        ExceptionKind::LateArrival { minutes } => format!("Late by {minutes} min"),
        ExceptionKind::EarlyLeave { minutes } => format!("Left {minutes} min early"),
        ExceptionKind::DuplicatePunch => "Duplicate punch".into(),
        ExceptionKind::AutoClosed { closed_at } => format!(
            "Clock-out forgotten; closed at {}",
            wall_clock(*closed_at, Some(zone), now)
        ),
        ExceptionKind::UnendedBreak => "Break never ended".into(),
        ExceptionKind::MissingBreakStart => "Break ended without a start".into(),
        ExceptionKind::Absent => "Absent".into(),
        ExceptionKind::UnstoppedMachine { .. } => "Machine left running".into(),
    }
}

/// The report's days and totals as rows.
pub fn rows(report: &AttendanceReport, now: Timestamp) -> (Vec<DayRow>, TotalsRow) {
    let zone = report.time_zone.as_str();
    let mut dates: Vec<_> = report
        .days
        .iter()
        .map(|d| d.date)
        .chain(report.exceptions.iter().map(|e| e.date))
        .chain(report.leave.iter().map(|l| l.date))
        .collect();
    dates.sort_unstable();
    dates.dedup();
    let rows = dates
        .into_iter()
        .map(|date| {
            let day = report.days.iter().find(|d| d.date == date);
            let leave_minutes: u64 = report
                .leave
                .iter()
                .filter(|l| l.date == date)
                .map(|l| u64::from(l.minutes))
                .sum();
            let sessions = day.map(|d| d.sessions.as_slice()).unwrap_or_default();
            let clock = |t: Option<Timestamp>| {
                t.map_or_else(|| "—".into(), |t| wall_clock(t, Some(zone), now))
            };
            let minutes = |f: fn(&attend_engine::DaySummary) -> u64| day.map_or(0, f);
            DayRow {
                date: date.strftime("%a %-d %b %Y").to_string(),
                first_in: clock(sessions.first().map(|s| s.clock_in)),
                last_out: clock(sessions.last().and_then(|s| s.end)),
                worked: hours(minutes(|d| u64::from(d.worked_minutes))),
                regular: hours(minutes(|d| u64::from(d.regular_minutes))),
                overtime: hours(minutes(|d| {
                    u64::from(d.daily_overtime_minutes + d.weekly_overtime_minutes)
                })),
                machine: hours(minutes(|d| {
                    d.machine_minutes.values().map(|m| u64::from(*m)).sum()
                })),
                leave: hours(leave_minutes),
                exceptions: report
                    .exceptions
                    .iter()
                    .filter(|e| e.date == date)
                    .map(|e| describe(&e.kind, zone, now))
                    .collect(),
            }
        })
        .collect();
    let t = &report.totals;
    let totals = TotalsRow {
        worked: hours(t.worked_minutes),
        regular: hours(t.regular_minutes),
        overtime: hours(t.daily_overtime_minutes + t.weekly_overtime_minutes),
        machine: hours(t.machine_minutes.values().sum()),
        leave: hours(report.leave.iter().map(|l| u64::from(l.minutes)).sum()),
        exceptions: report.exceptions.len(),
    };
    (rows, totals)
}
