//! What the attendance service reads and writes. Rules every backend keeps:
//! - A policy, shift or assignment is visible and changeable only inside its organisation;
//!   assignments and the employee's inputs follow the caller's department filter.
//! - Assigning a range of dates replaces what those dates had, in one transaction, audited.
//! - A deleted shift keeps its past assignments (history stays explainable) but cannot be
//!   assigned again.
//! - Presence counts only punches captured at or after `since`; deleted employees never appear.

use async_trait::async_trait;
use attend_protocol::ids::{EmployeeId, ShiftId, SiteId};
use jiff::Timestamp;
use jiff::civil::Date;

use super::{Assignment, AttendanceInputs, NewShift, Policy, Presence, Shift};
use crate::db::{AuditCtx, DepartmentFilter, Scope, StoreResult};

#[async_trait]
pub trait AttendanceStore: Send + Sync + std::fmt::Debug {
    /// The site's policy; the defaults when none was set.
    async fn site_policy(&self, scope: Scope, site: SiteId) -> StoreResult<Policy>;
    async fn set_site_policy(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        site: SiteId,
        policy: Policy,
    ) -> StoreResult<Policy>;

    async fn create_shift(&self, ctx: &AuditCtx, new: NewShift) -> StoreResult<Shift>;
    /// Live shifts in scope, by site then name.
    async fn list_shifts(&self, scope: Scope) -> StoreResult<Vec<Shift>>;
    async fn delete_shift(&self, ctx: &AuditCtx, scope: Scope, id: ShiftId) -> StoreResult<()>;

    /// Sets (`Some`) or clears (`None`) the shift of each date for the employee.
    async fn assign_shift(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
        dates: Vec<Date>,
        shift: Option<ShiftId>,
    ) -> StoreResult<()>;
    async fn schedule(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
        from: Date,
        to: Date,
    ) -> StoreResult<Vec<Assignment>>;

    /// Everything the engine needs for the work dates `[first, last]`: the schedule of those
    /// dates, and the punches and machine sessions captured from two days before `first` to
    /// two days after `last` (UTC), which covers any zone offset and overnight session.
    async fn attendance_inputs(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
        first: Date,
        last: Date,
    ) -> StoreResult<AttendanceInputs>;

    /// Each visible employee's latest punch captured at or after `since`, by name.
    async fn presence(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        since: Timestamp,
    ) -> StoreResult<Vec<Presence>>;
}
