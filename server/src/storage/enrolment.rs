//! Enrolment review: face templates a kiosk captured wait as candidates until a manager
//! approves them into the employee's templates (which the next roster pull sends to every
//! kiosk of the organisation) or rejects them.
//!
//! Rules every backend keeps:
//! - Only a `pending` candidate can be decided, once; a second decision is a conflict.
//! - Approval needs an active employee who has granted biometric consent.
//! - Approval replaces the employee's earlier templates of the same model, so a re-enrolment
//!   (new glasses, a beard) does not keep matching against stale faces; kiosks get tombstones
//!   for the old ones in the same transaction.
//! - Audit rows name the candidate, the employee and the template count, never the vectors.
//! - A candidate made from photos uploaded on the dashboard is stored exactly like a kiosk's
//!   (an enrolment event and a candidate row), under the reserved [`UPLOAD_DEVICE`] id, so
//!   review, approval and erasure treat both alike. It needs biometric consent already.

use async_trait::async_trait;
use attend_protocol::ids::{DeviceId, EmployeeId, EventId, UserId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{AuditCtx, DepartmentFilter, Page, Paged, Scope, StoreResult};

crate::db::string_enum!(CandidateStatus {
    Pending = "pending",
    Approved = "approved",
    Rejected = "rejected",
});

/// A candidate as a reviewer sees it: no vectors, only what helps the decision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Candidate {
    /// The enrolment event's id.
    pub id: EventId,
    pub employee_id: EmployeeId,
    pub device_id: DeviceId,
    pub status: CandidateStatus,
    /// Embedding model the templates came from, e.g. `dlib-resnet-v1`.
    pub model_id: String,
    pub templates: usize,
    /// Best capture quality in 0..=1.
    pub best_quality: f32,
    pub has_thumbnail: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<Timestamp>,
    pub decided_by: Option<UserId>,
    /// Why it was rejected.
    pub reason: Option<String>,
}

/// The device id of candidates made from photos uploaded on the dashboard (no kiosk).
pub const UPLOAD_DEVICE: DeviceId = DeviceId(uuid::Uuid::nil());

/// A reviewer's decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject { reason: String },
}

#[async_trait]
pub trait EnrolmentStore: Send + Sync {
    /// Candidates in scope, oldest first; `status` and `employee` filter.
    async fn list_candidates(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        status: Option<CandidateStatus>,
        employee: Option<EmployeeId>,
        page: &Page,
    ) -> StoreResult<Paged<Candidate>>;
    async fn get_candidate(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EventId,
    ) -> StoreResult<Candidate>;
    /// The thumbnail JPEG, if the kiosk sent one.
    async fn candidate_thumbnail(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EventId,
    ) -> StoreResult<Option<Vec<u8>>>;
    async fn decide_candidate(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EventId,
        decision: Decision,
    ) -> StoreResult<Candidate>;
    /// Stores templates computed from uploaded photos as a pending candidate, audited as
    /// `upload` by the uploader.
    async fn add_uploaded_candidate(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        candidate: attend_protocol::events::EnrolmentCandidate,
    ) -> StoreResult<Candidate>;
}
