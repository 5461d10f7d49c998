//! What the enrolment service reads and writes: candidates, their thumbnails, decisions, and
//! candidates made from uploaded photos.

use async_trait::async_trait;
use attend_protocol::events::EnrolmentCandidate;
use attend_protocol::ids::{EmployeeId, EventId};

use super::{Candidate, CandidateStatus};
use crate::db::{AuditCtx, DepartmentFilter, Page, Paged, Scope, StoreResult};
use crate::features::approvals::Recorded;

#[async_trait]
pub trait EnrolmentStore: Send + Sync + std::fmt::Debug {
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
    /// The thumbnail as the capture carries it (base64), if it has one.
    async fn candidate_thumbnail(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EventId,
    ) -> StoreResult<Option<String>>;
    /// Records a decision the workflow allowed (refused if the candidate changed meanwhile).
    /// An approval first runs the duplicate-face check ([`super::lookalike`]): a match not yet
    /// approved by anyone holds the candidate for a second reviewer instead (unless `waiver`,
    /// the single-admin setting, lets it through flagged). Then it checks
    /// [`super::rules::approval_blocker`] and replaces the employee's templates of the
    /// candidate's model, in the same transaction; audited.
    async fn record_candidate_step(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        step: Recorded<EventId>,
        waiver: bool,
    ) -> StoreResult<Candidate>;
    /// Stores templates computed from uploaded photos as a pending candidate, if
    /// [`super::rules::upload_refusal`] lets it; audited as `upload` by the uploader.
    async fn add_uploaded_candidate(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        candidate: EnrolmentCandidate,
    ) -> StoreResult<Candidate>;
}
