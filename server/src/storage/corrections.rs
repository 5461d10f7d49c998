//! Timesheet corrections: a punch to add that no kiosk recorded (a forgotten clock-out). It goes
//! through the approval workflow (`crate::approval`, level 1 to start); once approved, the
//! engine counts it like a synced punch (its id is `correction:<id>`).

use async_trait::async_trait;
use attend_protocol::events::PunchType;
use attend_protocol::ids::{CorrectionId, EmployeeId, OrgId, UserId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{AuditCtx, DepartmentFilter, Scope, StoreResult};
use crate::approval::{ApprovalAction, ApprovalStatus, Next};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Correction {
    pub id: CorrectionId,
    pub org_id: OrgId,
    pub employee_id: EmployeeId,
    #[schema(value_type = String)]
    pub punch_type: PunchType,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    pub reason: String,
    pub status: ApprovalStatus,
    pub required_level: u8,
    pub decision_reason: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<Timestamp>,
    pub decided_by: Option<UserId>,
}

#[derive(Clone, Debug)]
pub struct NewCorrection {
    pub employee: EmployeeId,
    /// The punch's date on the site's wall clock: a correction into an approved (locked)
    /// timesheet period is refused.
    pub local_date: jiff::civil::Date,
    pub punch_type: PunchType,
    pub at: Timestamp,
    pub reason: String,
}

#[derive(Clone, Debug)]
pub struct CorrectionChange {
    pub id: CorrectionId,
    /// As in [`NewCorrection`]: approving into a locked period is refused.
    pub local_date: jiff::civil::Date,
    pub expected: (ApprovalStatus, u8),
    pub action: ApprovalAction,
    pub next: Next,
    pub reason: Option<String>,
}

#[async_trait]
pub trait CorrectionStore: Send + Sync {
    async fn create_correction(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        new: NewCorrection,
    ) -> StoreResult<Correction>;
    async fn get_correction(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        id: CorrectionId,
    ) -> StoreResult<Correction>;
    /// In scope, newest first; optionally one employee's, one status.
    async fn list_corrections(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: Option<EmployeeId>,
        status: Option<ApprovalStatus>,
    ) -> StoreResult<Vec<Correction>>;
    async fn record_correction_transition(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        change: CorrectionChange,
    ) -> StoreResult<Correction>;
}
