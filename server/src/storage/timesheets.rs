//! Pay calendars and timesheet rows. The workflow rules are pure (`timesheet::workflow`); the
//! store applies an allowed transition atomically with its audit row, and refuses it if the
//! row changed since the decision was taken (two reviewers at once).

use async_trait::async_trait;
use attend_protocol::ids::{EmployeeId, OrgId, TimesheetId, UserId};
use jiff::Timestamp;
use serde::Serialize;
use utoipa::ToSchema;

use super::{AuditCtx, DepartmentFilter, Page, Paged, Scope, StoreResult};
use crate::timesheet::period::{PayCalendar, Period};
use crate::timesheet::workflow::{Action, Status};

/// A stored timesheet (one exists once it was first submitted).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct TimesheetRow {
    pub id: TimesheetId,
    pub org_id: OrgId,
    pub employee_id: EmployeeId,
    pub period: Period,
    pub status: Status,
    /// The reason of the last rejection, while the timesheet is back in draft.
    pub rejection_reason: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub submitted_at: Option<Timestamp>,
    pub submitted_by: Option<UserId>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<Timestamp>,
    pub decided_by: Option<UserId>,
    /// The computed hours frozen at approval (JSON), so later punches never change them.
    #[serde(skip)]
    pub snapshot: Option<String>,
}

/// One transition to record, as the workflow allowed it.
#[derive(Clone, Debug)]
pub struct TimesheetChange {
    pub employee: EmployeeId,
    pub period: Period,
    /// The status the decision was based on; a different stored status is a conflict.
    pub expected: Status,
    pub action: Action,
    pub next: Status,
    pub reason: Option<String>,
    pub snapshot: Option<String>,
}

#[async_trait]
pub trait TimesheetStore: Send + Sync {
    /// The organisation's calendar; calendar months when none was set.
    async fn pay_calendar(&self, scope: Scope, org: OrgId) -> StoreResult<PayCalendar>;
    async fn set_pay_calendar(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        org: OrgId,
        calendar: PayCalendar,
    ) -> StoreResult<PayCalendar>;
    /// The employee's stored timesheet for the period starting `start`, if any (the employee
    /// must be in scope, else not found).
    async fn timesheet(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
        start: jiff::civil::Date,
    ) -> StoreResult<Option<TimesheetRow>>;
    /// Stored timesheets in scope, oldest period first.
    async fn list_timesheets(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        status: Option<Status>,
        page: &Page,
    ) -> StoreResult<Paged<TimesheetRow>>;
    async fn record_transition(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        change: TimesheetChange,
    ) -> StoreResult<TimesheetRow>;
}
