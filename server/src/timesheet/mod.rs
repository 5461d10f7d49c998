//! Timesheets: one employee's hours for one pay period, moved through the workflow.
//!
//! - [`period`]: pay calendars (weekly, biweekly, semimonthly, monthly) and their periods.
//! - [`workflow`]: the pure state machine (`draft → submitted → approved`, reject → draft).
//! - [`view`] and [`act`]: the service that computes a timesheet (live from the engine until
//!   it is approved, frozen after) and applies a transition the workflow allows.
//!
//! Invariants: an approved timesheet never changes (its hours are the snapshot taken at
//! approval); nobody approves or rejects their own timesheet; every transition is audited in
//! the same transaction as the change; a transition decided on a stale status is refused.

pub mod period;
pub mod workflow;

use attend_protocol::ids::EmployeeId;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use utoipa::ToSchema;

use crate::features::attendance::AttendanceReport;
use crate::storage::attendance_report as report;
use crate::storage::{
    DepartmentFilter, Scope, SharedStore, StoreError, StoreResult, TimesheetChange, TimesheetRow,
};
use period::Period;
use workflow::{Action, Actor, Refusal, Status, transition};

/// A timesheet as people see it: its state and its hours.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TimesheetView {
    pub employee_id: EmployeeId,
    pub period: Period,
    pub status: Status,
    /// Approved timesheets are locked: their hours no longer follow new punches.
    pub locked: bool,
    /// The stored row, once the timesheet was first submitted.
    pub record: Option<TimesheetRow>,
    pub hours: AttendanceReport,
}

/// The caller as the service needs it.
#[derive(Clone, Debug)]
pub struct Caller {
    pub scope: Scope,
    pub depts: DepartmentFilter,
    /// The employee record the caller's account belongs to, if any.
    pub employee_id: Option<EmployeeId>,
    /// Manager of the employee's department or an admin.
    pub reviewer: bool,
    pub audit: crate::storage::AuditCtx,
}

async fn load(
    store: &SharedStore,
    caller: &Caller,
    employee: EmployeeId,
    date: Date,
    now: Timestamp,
) -> StoreResult<(Period, Option<TimesheetRow>, AttendanceReport)> {
    let person = store
        .get_employee(caller.scope, &caller.depts, employee)
        .await?;
    let calendar = store.pay_calendar(caller.scope, person.org_id).await?;
    let period = calendar.period_containing(date);
    let row = store
        .timesheet(caller.scope, &caller.depts, employee, period.start)
        .await?;
    let frozen = row
        .as_ref()
        .filter(|r| r.status == Status::Approved)
        .and_then(|r| r.snapshot.as_deref());
    let hours = match frozen {
        Some(json) => serde_json::from_str(json).map_err(|e| StoreError::Backend(Box::new(e)))?,
        None => {
            report(
                store,
                caller.scope,
                &caller.depts,
                employee,
                period.start,
                period.end,
                now,
            )
            .await?
        }
    };
    Ok((period, row, hours))
}

/// The timesheet of the period containing `date`.
pub async fn view(
    store: &SharedStore,
    caller: &Caller,
    employee: EmployeeId,
    date: Date,
    now: Timestamp,
) -> StoreResult<TimesheetView> {
    let (period, record, hours) = load(store, caller, employee, date, now).await?;
    let status = record.as_ref().map_or(Status::Draft, |r| r.status);
    Ok(TimesheetView {
        employee_id: employee,
        period,
        status,
        locked: status == Status::Approved,
        record,
        hours,
    })
}

/// Why a transition was refused, or a store failure.
#[derive(Debug, thiserror::Error)]
pub enum ActError {
    #[error("{0}")]
    Refused(#[from] Refusal),
    #[error("`{0}` is not the first day of a pay period (it starts on {1})")]
    NotPeriodStart(Date, Date),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Applies `action` to the timesheet whose period starts on `start`.
pub async fn act(
    store: &SharedStore,
    caller: &Caller,
    employee: EmployeeId,
    start: Date,
    action: Action,
    reason: Option<String>,
    now: Timestamp,
) -> Result<TimesheetView, ActError> {
    let (period, record, hours) = load(store, caller, employee, start, now).await?;
    if period.start != start {
        return Err(ActError::NotPeriodStart(start, period.start));
    }
    // Nobody reviews their own timesheet, whatever their role.
    let actor = if caller.employee_id == Some(employee) || !caller.reviewer {
        Actor::Owner
    } else {
        Actor::Reviewer
    };
    let today = jiff::tz::TimeZone::get(&hours.time_zone)
        .map_or_else(
            |_| now.to_zoned(jiff::tz::TimeZone::UTC),
            |tz| now.to_zoned(tz),
        )
        .date();
    let status = record.as_ref().map_or(Status::Draft, |r| r.status);
    let next = transition(status, action, actor, today > period.end)?;
    let snapshot = (next == Status::Approved)
        .then(|| serde_json::to_string(&hours))
        .transpose()
        .map_err(|e| StoreError::Backend(Box::new(e)))?;
    let change = TimesheetChange {
        employee,
        period,
        expected: status,
        action,
        next,
        reason: if action == Action::Reject {
            reason
        } else {
            None
        },
        snapshot,
    };
    let record = store
        .record_transition(&caller.audit, caller.scope, &caller.depts, change)
        .await?;
    Ok(TimesheetView {
        employee_id: employee,
        period,
        status: record.status,
        locked: record.status == Status::Approved,
        record: Some(record),
        hours,
    })
}
