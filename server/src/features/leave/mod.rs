//! Leave: types with yearly allowances, requests counted in working days (Monday to Friday),
//! balances, and the approval workflow with levels and escalation ([`crate::features::approvals`]).
//! Approved paid leave appears in timesheets and payroll as leave hours, and its days raise no
//! "absent" exception.
//!
//! - [`rules`]: working days, and whether a request fits (pure).
//! - [`service`]: the rules and permission checks; [`api`]: the JSON routes; [`pages`]: the
//!   leave queue with its decisions.
//! - [`store`]: the data access; [`sql`] implements it (on SQLite and PostgreSQL).

pub mod api;
pub mod pages;
pub mod rules;
pub mod service;
pub mod sql;
pub mod store;

use attend_protocol::ids::{EmployeeId, LeaveRequestId, LeaveTypeId, OrgId};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::features::approvals::Review;

pub use rules::working_days;
pub use service::LeaveService;
pub use store::LeaveStore;

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
    pub note: Option<String>,
    /// Its status, the level it needs, and its decision.
    #[serde(flatten)]
    pub review: Review,
}

crate::request_kind!(LeaveRequest, id: LeaveRequestId, store: dyn LeaveStore, asked: service::RequestLeave,
    request: RequestLeave, list: ListLeave, decide: DecideLeave);

#[derive(Clone, Debug)]
pub struct NewLeaveRequest {
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

/// One approved leave day, for timesheets and payroll.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LeaveDay {
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    pub leave_type: String,
    pub paid: bool,
    pub minutes: u32,
}
