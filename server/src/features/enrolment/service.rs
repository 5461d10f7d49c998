//! Enrolment: the review queue, one candidate with its thumbnail, decisions through the
//! approval workflow (flow `CANDIDATE`: one level, decided once, never on one's own face), and
//! enrolment from photos uploaded on the dashboard.

use std::sync::Arc;

use attend_protocol::ids::{EmployeeId, EventId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::photos::{Faces, PhotoError, PhotoVerdict, report};
use super::rules::thumbnail_jpeg;
use super::store::EnrolmentStore;
use super::{Candidate, CandidateStatus};
use crate::access::{Action, Caller};
use crate::db::{Page, Paged, all_pages};
use crate::features::approvals::decide::party;
use crate::features::approvals::workflow::{CANDIDATE, Party, transition};
use crate::features::approvals::{Recorded, State, Step};
use crate::features::people::PeopleStore;
use crate::platform::error::{AppResult, Error};
use crate::platform::limits;
use crate::platform::validate::Check;

/// The body of a rejection.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectCandidate {
    /// Shown to whoever enrols the person again, e.g. "eyes closed".
    pub reason: String,
}

/// Four eyes on an approval: the uploader of the photos does not approve them, and the
/// reviewer who approved a candidate with a lookalike first is not its second reviewer.
pub fn second_pair_of_eyes(
    caller: &Caller,
    candidate: &Candidate,
) -> AppResult<Option<&'static str>> {
    if candidate.uploaded_by == Some(caller.user_id) {
        return caller.four_eyes("you uploaded these photos, so another reviewer approves them");
    }
    if candidate.first_approved_by == Some(caller.user_id) {
        return caller.four_eyes(
            "this face matches another employee's and you approved it already: a second reviewer completes the approval",
        );
    }
    Ok(None)
}

/// What an upload produced: each photo's verdict, and the pending candidate.
#[derive(Debug, Serialize)]
pub struct PhotoEnrolment {
    pub verdicts: Vec<PhotoVerdict>,
    pub candidate: Candidate,
}

#[derive(Clone, Debug)]
pub struct EnrolmentService {
    store: Arc<dyn EnrolmentStore>,
    people: Arc<dyn PeopleStore>,
    faces: Arc<Faces>,
}

impl EnrolmentService {
    pub fn new(
        store: Arc<dyn EnrolmentStore>,
        people: Arc<dyn PeopleStore>,
        faces: Arc<Faces>,
    ) -> Self {
        Self {
            store,
            people,
            faces,
        }
    }

    /// Whether photo enrolment is set up on this server (`[vision] models_dir`).
    pub fn photos_configured(&self) -> bool {
        self.faces.configured()
    }

    /// The review queue: candidates in scope, oldest first.
    pub async fn list(
        &self,
        caller: &Caller,
        status: Option<CandidateStatus>,
        page: &Page,
    ) -> AppResult<Paged<Candidate>> {
        caller.permit(Action::ListCandidates)?;
        Ok(self
            .store
            .list_candidates(caller.scope(), &caller.departments(), status, None, page)
            .await?)
    }

    /// One employee's candidates, newest first (for their person page).
    pub async fn of_employee(
        &self,
        caller: &Caller,
        employee: EmployeeId,
    ) -> AppResult<Vec<Candidate>> {
        caller.permit(Action::EmployeeCandidates)?;
        let (scope, depts) = (caller.scope(), caller.departments());
        let mut all = all_pages(|page| {
            let (store, depts) = (self.store.clone(), depts.clone());
            async move {
                store
                    .list_candidates(scope, &depts, None, Some(employee), &page)
                    .await
            }
        })
        .await?;
        all.reverse();
        Ok(all)
    }

    pub async fn get(&self, caller: &Caller, id: EventId) -> AppResult<Candidate> {
        caller.permit(Action::GetCandidate)?;
        Ok(self
            .store
            .get_candidate(caller.scope(), &caller.departments(), id)
            .await?)
    }

    /// The best capture's aligned face as JPEG (part of reading a candidate); not found when
    /// the candidate has none.
    pub async fn thumbnail(&self, caller: &Caller, id: EventId) -> AppResult<Vec<u8>> {
        caller.permit(Action::CandidateThumbnail)?;
        let stored = self
            .store
            .candidate_thumbnail(caller.scope(), &caller.departments(), id)
            .await?;
        stored
            .as_deref()
            .and_then(thumbnail_jpeg)
            .ok_or(Error::NotFound)
    }

    /// Approves (the templates replace the employee's earlier ones) or rejects (with a reason,
    /// 1 to 500 characters) a candidate.
    pub async fn decide(
        &self,
        caller: &Caller,
        id: EventId,
        step: Step,
        reason_text: Option<String>,
    ) -> AppResult<Candidate> {
        caller.permit(Action::DecideCandidate)?;
        let reason = if step == Step::Reject {
            let text = reason_text.unwrap_or_default();
            Check::default()
                .text("reason", &text, limits::LONG_REASON)
                .finish()?;
            Some(text.trim().to_owned())
        } else {
            None
        };
        let (scope, depts) = (caller.scope(), caller.departments());
        let candidate = self.store.get_candidate(scope, &depts, id).await?;
        let party = party(caller, Some(candidate.employee_id))?;
        let waived = if step == Step::Approve && matches!(party, Party::Reviewer { .. }) {
            second_pair_of_eyes(caller, &candidate)?
        } else {
            None
        };
        // One level: any reviewer may decide.
        let before = State {
            stage: candidate.status.stage(),
            level: CANDIDATE.top_level,
        };
        let after = transition(&CANDIDATE, before, step, party, Ok(()))?;
        let recorded = Recorded {
            id,
            step,
            before,
            after,
            reason,
            waived,
        };
        let ctx = caller.audit().waiving(waived);
        Ok(self
            .store
            .record_candidate_step(&ctx, scope, &depts, recorded, caller.waiver)
            .await?)
    }

    /// Whether `caller` may upload photos of `employee`: asked before an upload's body is read,
    /// so nobody else makes the server buffer tens of megabytes.
    pub async fn may_upload_photos(&self, caller: &Caller, employee: EmployeeId) -> AppResult<()> {
        caller.permit(Action::MayUploadPhotos)?;
        self.people
            .get_employee(caller.scope(), &caller.departments(), employee)
            .await?;
        Ok(())
    }

    /// Runs the face pipeline over uploaded photos (name, bytes) of `employee` and stores the
    /// templates of those that pass as a pending candidate. Too few good photos store nothing,
    /// and the refusal lists each photo's verdict.
    pub async fn from_photos(
        &self,
        caller: &Caller,
        employee: EmployeeId,
        photos: Vec<(String, Vec<u8>)>,
    ) -> AppResult<PhotoEnrolment> {
        caller.permit(Action::EnrolFromPhotos)?;
        let (scope, depts) = (caller.scope(), caller.departments());
        // Only someone who may see the person enrols them; checked before the pipeline runs.
        self.people.get_employee(scope, &depts, employee).await?;
        let (verdicts, built) = match self.faces.enrol(employee, photos).await {
            Ok(result) => result,
            Err(e @ (PhotoError::NotConfigured | PhotoError::Count)) => {
                return Err(Error::field("photos", e.to_string()));
            }
            Err(e) => return Err(Error::Internal(anyhow::anyhow!(e))),
        };
        let built =
            built.map_err(|e| Error::field("photos", format!("{e}. {}", report(&verdicts))))?;
        let candidate = self
            .store
            .add_uploaded_candidate(&caller.audit(), scope, &depts, built)
            .await?;
        Ok(PhotoEnrolment {
            verdicts,
            candidate,
        })
    }
}
