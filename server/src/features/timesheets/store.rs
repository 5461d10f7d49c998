//! What the timesheets service reads and writes: pay calendars, stored timesheets and the
//! steps recorded on them, and attachments' metadata (their bytes are in [`super::blobs`]).

use async_trait::async_trait;
use attend_protocol::ids::{AttachmentId, EmployeeId, OrgId};
use jiff::civil::Date;

use super::period::{PayCalendar, Period};
use super::{Attachment, NewAttachment, Status, TimesheetRow};
use crate::db::{AuditCtx, DepartmentFilter, Page, Paged, Scope, StoreResult};
use crate::features::approvals::Recorded;

/// The employee and period a timesheet step is recorded on.
#[derive(Clone, Debug)]
pub struct TimesheetKey {
    pub employee: EmployeeId,
    pub period: Period,
}

#[async_trait]
pub trait TimesheetStore: Send + Sync + std::fmt::Debug {
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
        start: Date,
    ) -> StoreResult<Option<TimesheetRow>>;
    /// Whether the employee (in scope, else not found) has an approved timesheet yet.
    async fn has_approved_timesheet(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
    ) -> StoreResult<bool>;
    /// Stored timesheets in scope, oldest period first.
    async fn list_timesheets(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        status: Option<Status>,
        page: &Page,
    ) -> StoreResult<Paged<TimesheetRow>>;
    /// Records a step the workflow allowed (creating the row at the first submission), with
    /// its reason (a rejection's) and the hours frozen by an approval; a submission queues the
    /// reviewers' notice in the same transaction. Refused if the status changed meanwhile.
    async fn record_step(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        step: Recorded<TimesheetKey>,
        snapshot: Option<String>,
    ) -> StoreResult<TimesheetRow>;

    async fn add_attachment(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        new: NewAttachment,
    ) -> StoreResult<Attachment>;
    async fn list_attachments(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
        period_start: Date,
    ) -> StoreResult<Vec<Attachment>>;
    async fn get_attachment(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        id: AttachmentId,
    ) -> StoreResult<Attachment>;
}
