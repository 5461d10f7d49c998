//! What the corrections service reads and writes.

use async_trait::async_trait;
use attend_protocol::ids::{CorrectionId, EmployeeId};
use jiff::civil::Date;

use super::{Correction, NewCorrection};
use crate::db::{AuditCtx, DepartmentFilter, Scope, StoreResult};
use crate::features::approvals::{ApprovalStatus, Recorded};

#[async_trait]
pub trait CorrectionStore: Send + Sync {
    /// Creates a correction unless its date falls in an approved (locked) period.
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
    /// Records a step the workflow allowed; approving into (or cancelling out of an approved
    /// correction in) a locked period is refused, as is a correction that changed meanwhile.
    async fn record_correction_step(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        step: Recorded<CorrectionId>,
        local_date: Date,
    ) -> StoreResult<Correction>;
}
