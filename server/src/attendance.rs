//! Attendance for one employee over a range of work dates: loads the inputs from the store and
//! runs `attend_engine::compute` on them. The engine is pure; this is the only glue.
//!
//! Weekly overtime depends on the whole week, so the engine runs from a week before `from`
//! and the answer keeps only the dates asked for.

use attend_engine::{DaySummary, EngineOutput, Exception, ExceptionKind, ScheduledShift, Totals};
use attend_protocol::ids::EmployeeId;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan as _};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::storage::{DepartmentFilter, LeaveDay, Scope, SharedStore, StoreError, StoreResult};

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

/// Runs the engine for `[from, to]` as of `now`.
pub async fn report(
    store: &SharedStore,
    scope: Scope,
    depts: &DepartmentFilter,
    employee: EmployeeId,
    from: Date,
    to: Date,
    now: Timestamp,
) -> StoreResult<AttendanceReport> {
    let first = from
        .checked_sub(7.days())
        .map_err(|_| StoreError::State("`from` is too early".into()))?;
    let inputs = store
        .attendance_inputs(scope, depts, employee, first, to)
        .await?;
    let zone = jiff::tz::TimeZone::get(&inputs.time_zone)
        .map_err(|e| StoreError::State(format!("site time zone `{}`: {e}", inputs.time_zone)))?;
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
    let leave = store.leave_days(scope, depts, employee, from, to).await?;
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
