//! What the leave service reads and writes.

use async_trait::async_trait;
use attend_protocol::ids::{EmployeeId, LeaveRequestId};
use jiff::civil::Date;

use super::{Balance, LeaveDay, LeaveRequest, LeaveType, NewLeaveRequest, NewLeaveType};
use crate::db::{AuditCtx, DepartmentFilter, Scope, StoreResult};
use crate::features::approvals::{ApprovalStatus, Recorded};

#[async_trait]
pub trait LeaveStore: Send + Sync {
    async fn create_leave_type(&self, ctx: &AuditCtx, new: NewLeaveType) -> StoreResult<LeaveType>;
    async fn list_leave_types(&self, scope: Scope) -> StoreResult<Vec<LeaveType>>;
    /// Creates a request if [`super::rules::check_request`] lets it, in one transaction.
    async fn create_leave_request(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        new: NewLeaveRequest,
    ) -> StoreResult<LeaveRequest>;
    async fn get_leave_request(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        id: LeaveRequestId,
    ) -> StoreResult<LeaveRequest>;
    /// Requests in scope, newest first; optionally one employee's, one status.
    async fn list_leave_requests(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: Option<EmployeeId>,
        status: Option<ApprovalStatus>,
    ) -> StoreResult<Vec<LeaveRequest>>;
    async fn leave_balances(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
        year: i16,
    ) -> StoreResult<Vec<Balance>>;
    /// Moves a request from `before` to `after` (a step the workflow allowed), refused if it
    /// changed meanwhile.
    async fn record_leave_step(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        step: Recorded<LeaveRequestId>,
    ) -> StoreResult<LeaveRequest>;
    /// The employee's approved leave days (Monday to Friday) in `[first, last]`.
    async fn leave_days(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
        first: Date,
        last: Date,
    ) -> StoreResult<Vec<LeaveDay>>;
}
