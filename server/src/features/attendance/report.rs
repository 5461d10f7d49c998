//! Attendance for one employee over a range of work dates: the engine's inputs from the
//! synced events, and `attend_engine::compute` run on them. All of it is pure; the service
//! loads the inputs.
//!
//! Weekly overtime depends on the whole week, so the engine runs from a week before `from`
//! and the answer keeps only the dates asked for.

use std::collections::{BTreeMap, BTreeSet};

use attend_engine::{
    DaySummary, EngineOutput, Exception, ExceptionKind, MachineInput, PunchInput, PunchKind,
    ScheduledShift, Totals,
};
use attend_protocol::events::{EquipmentAction, Event, EventBody, PunchType};
use attend_protocol::ids::EmployeeId;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan as _};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AttendanceInputs;
use crate::features::leave::LeaveDay;

/// Longest range one request may compute (a quarter), so one call stays cheap.
pub const MAX_RANGE_DAYS: i32 = 93;

/// Hours, sessions and exceptions of one employee, per work date.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AttendanceReport {
    pub employee_id: EmployeeId,
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    #[schema(value_type = String, format = Date)]
    pub to: Date,
    /// The site zone the work dates are in.
    pub time_zone: String,
    /// Work dates with any time or an exception, oldest first.
    #[schema(value_type = Vec<Object>)]
    pub days: Vec<DaySummary>,
    #[schema(value_type = Vec<Object>)]
    pub exceptions: Vec<Exception>,
    #[schema(value_type = Object)]
    pub totals: Totals,
    /// Approved leave days in the range (their "absent" exceptions are dropped).
    #[serde(default)]
    pub leave: Vec<LeaveDay>,
}

/// The first work date to load for a report starting `from`: weekly overtime depends on the
/// whole week, so the engine runs from a week before.
pub fn first_day(from: Date) -> Option<Date> {
    from.checked_sub(7.days()).ok()
}

/// Why the inputs cannot be computed.
#[derive(Debug, thiserror::Error)]
#[error("site time zone `{zone}`: {error}")]
pub struct BadZone {
    zone: String,
    error: jiff::Error,
}

/// Runs the engine on `inputs` (loaded from [`first_day`]) as of `now`, and keeps the work
/// dates `[from, to]`; approved `leave` days raise no "absent" exception.
pub fn compute(
    inputs: AttendanceInputs,
    leave: Vec<LeaveDay>,
    employee: EmployeeId,
    from: Date,
    to: Date,
    now: Timestamp,
) -> Result<AttendanceReport, BadZone> {
    let zone = jiff::tz::TimeZone::get(&inputs.time_zone).map_err(|error| BadZone {
        zone: inputs.time_zone.clone(),
        error,
    })?;
    let shifts: Vec<ScheduledShift> = inputs
        .schedule
        .iter()
        .map(|a| ScheduledShift {
            date: a.date,
            start: a.shift.start,
            end: a.shift.end,
        })
        .collect();
    let rules = inputs.policy.rules(zone);
    let out = attend_engine::compute(&inputs.punches, &inputs.machines, &shifts, &rules, now);
    let in_range = |d: Date| d >= from && d <= to;
    let on_leave = |e: &Exception| {
        matches!(e.kind, ExceptionKind::Absent) && leave.iter().any(|l| l.date == e.date)
    };
    let kept = EngineOutput {
        days: out.days.into_iter().filter(|d| in_range(d.date)).collect(),
        exceptions: out
            .exceptions
            .into_iter()
            .filter(|e| in_range(e.date) && !on_leave(e))
            .collect(),
    };
    Ok(AttendanceReport {
        employee_id: employee,
        from,
        to,
        time_zone: inputs.time_zone,
        totals: kept.totals(),
        days: kept.days,
        exceptions: kept.exceptions,
        leave,
    })
}

/// Splits events into engine punches and machine sessions paired by session id.
pub fn engine_inputs(events: &[Event]) -> (Vec<PunchInput>, Vec<MachineInput>) {
    let mut punches = Vec::new();
    let mut sessions: BTreeMap<String, MachineInput> = BTreeMap::new();
    let mut started = BTreeSet::new();
    for event in events {
        match &event.body {
            EventBody::Punch(p) => punches.push(PunchInput {
                id: event.event_id.to_string(),
                at: event.captured_at,
                kind: match p.punch_type {
                    PunchType::In => PunchKind::In,
                    PunchType::Out => PunchKind::Out,
                    PunchType::BreakStart => PunchKind::BreakStart,
                    PunchType::BreakEnd => PunchKind::BreakEnd,
                },
            }),
            EventBody::Equipment(e) => {
                let id = e.session_id.to_string();
                let entry = sessions.entry(id.clone()).or_insert(MachineInput {
                    session_id: id.clone(),
                    equipment_id: e.equipment_id.to_string(),
                    started_at: event.captured_at,
                    stopped_at: None,
                });
                match e.action {
                    EquipmentAction::Start => {
                        entry.started_at = event.captured_at;
                        started.insert(id);
                    }
                    EquipmentAction::Stop => entry.stopped_at = Some(event.captured_at),
                }
            }
            EventBody::Heartbeat(_) | EventBody::EnrolmentCandidate(_) => {}
        }
    }
    // A stop whose start lies outside the window has no known start: leave it out.
    let machines = sessions
        .into_values()
        .filter(|m| started.contains(&m.session_id))
        .collect();
    (punches, machines)
}
