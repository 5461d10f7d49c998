//! Leave types and leave requests. The workflow is pure (`approval`); the store creates
//! a request only if it overlaps no other open request of the employee and fits the year's
//! allowance (checked in the same transaction, so two requests at once cannot both squeeze in),
//! and applies a decided transition with its audit row, refusing it on a stale state.

use async_trait::async_trait;
use attend_protocol::ids::{EmployeeId, LeaveRequestId, LeaveTypeId, OrgId, UserId};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{AuditCtx, DepartmentFilter, Scope, StoreResult};
use crate::approval::{ApprovalAction, ApprovalStatus, Next};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LeaveType {
    pub id: LeaveTypeId,
    pub org_id: OrgId,
    pub name: String,
    /// Paid leave counts as paid time in timesheets and payroll.
    pub paid: bool,
    /// Days per calendar year; no limit when absent.
    pub annual_days: Option<u32>,
    /// Minutes one leave day counts for.
    pub day_minutes: u32,
    /// 1: a manager may approve; 2: only an org admin.
    pub approval_level: u8,
}

#[derive(Clone, Debug)]
pub struct NewLeaveType {
    pub org_id: OrgId,
    pub name: String,
    pub paid: bool,
    pub annual_days: Option<u32>,
    pub day_minutes: u32,
    pub approval_level: u8,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LeaveRequest {
    pub id: LeaveRequestId,
    pub org_id: OrgId,
    pub employee_id: EmployeeId,
    pub leave_type_id: LeaveTypeId,
    pub leave_type: String,
    #[schema(value_type = String, format = Date)]
    pub first_day: Date,
    #[schema(value_type = String, format = Date)]
    pub last_day: Date,
    /// Working days (Monday to Friday) in the range.
    pub days: u32,
    pub status: ApprovalStatus,
    pub required_level: u8,
    pub note: Option<String>,
    pub decision_reason: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<Timestamp>,
    pub decided_by: Option<UserId>,
}

#[derive(Clone, Debug)]
pub struct NewLeaveRequest {
    pub employee: EmployeeId,
    pub leave_type: LeaveTypeId,
    pub first_day: Date,
    pub last_day: Date,
    pub days: u32,
    pub note: Option<String>,
}

/// One leave type's allowance for a year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Balance {
    pub leave_type_id: LeaveTypeId,
    pub leave_type: String,
    pub year: i16,
    pub allowance_days: Option<u32>,
    pub approved_days: u32,
    pub pending_days: u32,
    /// Allowance minus approved and pending days; no limit when absent.
    pub remaining_days: Option<i64>,
}

/// A transition the workflow allowed, to record.
#[derive(Clone, Debug)]
pub struct LeaveChange {
    pub id: LeaveRequestId,
    pub expected: (ApprovalStatus, u8),
    pub action: ApprovalAction,
    pub next: Next,
    pub reason: Option<String>,
}

/// One approved leave day, for timesheets and payroll.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LeaveDay {
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    pub leave_type: String,
    pub paid: bool,
    pub minutes: u32,
}

#[async_trait]
pub trait LeaveStore: Send + Sync {
    async fn create_leave_type(&self, ctx: &AuditCtx, new: NewLeaveType) -> StoreResult<LeaveType>;
    async fn list_leave_types(&self, scope: Scope) -> StoreResult<Vec<LeaveType>>;
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
    async fn record_leave_transition(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        change: LeaveChange,
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
