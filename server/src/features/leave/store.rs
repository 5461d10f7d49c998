//! What the leave service reads and writes; filing requests, the queue and decisions are the
//! request desk's ([`RequestStore`]: filing checks [`super::rules::check_request`] in its
//! transaction).

use async_trait::async_trait;
use attend_protocol::ids::EmployeeId;
use jiff::civil::Date;

use super::{Balance, LeaveDay, LeaveRequest, LeaveType, NewLeaveType};
use crate::db::{AuditCtx, DepartmentFilter, Scope, StoreResult};
use crate::features::approvals::requests::RequestStore;

#[async_trait]
pub trait LeaveStore: RequestStore<LeaveRequest> {
    async fn create_leave_type(&self, ctx: &AuditCtx, new: NewLeaveType) -> StoreResult<LeaveType>;
    async fn list_leave_types(&self, scope: Scope) -> StoreResult<Vec<LeaveType>>;
    async fn leave_balances(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
        year: i16,
    ) -> StoreResult<Vec<Balance>>;
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
