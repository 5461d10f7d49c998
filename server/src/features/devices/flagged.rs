//! Flagged punches under review. Ingest ([`super::ingest`]) flags a punch whose date or liveness
//! check is suspect and counts it all the same; it waits here, with its evidence (the liveness
//! check's scores per model, its challenge and reason; the face match's score, threshold and
//! model), until a manager confirms it (it keeps counting) or rejects it with a reason (it
//! stays stored and leaves the hours, the live board and presence).
//!
//! Invariants:
//! - only punches are reviewed, and only once counted: one still held for review
//!   ([`super::held`]) or discarded is decided there first, not here;
//! - four eyes: nobody decides on a punch about themselves (the single-admin setting does not
//!   waive it, as for held events: the punch counts meanwhile, so nothing is stuck);
//! - a decision is one guarded update of a still-pending punch, so two reviewers at once
//!   cannot both decide it (the second is told it changed meanwhile), with its audit row in
//!   the same transaction;
//! - flag rates count what the camera judged (face punches, and PIN punches carrying a passive
//!   check), held or rejected ones included: they measure the camera, not the hours.

use attend_protocol::events::{PunchMethod, PunchType};
use attend_protocol::face_policy::LivenessEvidence;
use attend_protocol::ids::{DeviceId, EmployeeId, EventId, OrgId, SiteId, UserId};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::service::DeviceService;
use crate::access::{Action, Caller};
use crate::db::{Page, Paged, string_enum};
use crate::platform::error::{AppResult, Error};
use crate::platform::limits;
use crate::platform::validate::Check;
use base64::Engine as _;

string_enum!(
    /// Where a flagged punch is in its review.
    FlagReview { Pending = "pending", Confirmed = "confirmed", Rejected = "rejected" }
);

/// A flagged punch with what a reviewer needs to judge it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FlaggedPunch {
    pub event_id: EventId,
    pub org_id: OrgId,
    pub employee_id: EmployeeId,
    pub employee_name: String,
    /// The site of the kiosk that took it.
    pub site_id: SiteId,
    pub site_name: String,
    pub device_id: DeviceId,
    pub device_name: String,
    #[schema(value_type = String, format = DateTime)]
    pub captured_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub received_at: Timestamp,
    /// Absent only if the stored punch no longer parses (it was validated when it arrived).
    pub punch_type: Option<PunchType>,
    pub method: Option<PunchMethod>,
    /// Why it was flagged.
    pub flag_reason: String,
    pub review: FlagReview,
    /// The face match's score, the threshold it was compared against and the embedding model
    /// (face punches).
    pub match_score: Option<f32>,
    pub match_threshold: Option<f32>,
    pub model_id: Option<String>,
    /// The kiosk's liveness check: fused score, each model's P(real), the challenge's outcome
    /// and why it failed (its evidence picture is served on its own, never in this list).
    pub liveness: Option<LivenessEvidence>,
    /// The kiosk kept a picture of the face (`GET /api/v1/flagged-punches/{id}/picture`).
    pub has_picture: bool,
    /// That picture (JPEG, base64): read by [`DeviceService::flagged_picture`] only.
    #[serde(skip)]
    #[schema(ignore)]
    pub picture_jpeg_base64: Option<String>,
    /// Who confirmed or rejected it, when, and (a rejection) why.
    pub reviewed_by: Option<UserId>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub reviewed_at: Option<Timestamp>,
    pub review_reason: Option<String>,
}

/// Filters of the queue; absent: any.
#[derive(Clone, Debug, Default)]
pub struct FlagFilter {
    pub site_id: Option<SiteId>,
    pub employee_id: Option<EmployeeId>,
    /// `pending` (the queue itself) unless asked otherwise.
    pub review: Option<FlagReview>,
}

/// A reviewer's decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlagDecision {
    Confirm,
    Reject,
}

impl FlagDecision {
    pub fn outcome(self) -> FlagReview {
        match self {
            Self::Confirm => FlagReview::Confirmed,
            Self::Reject => FlagReview::Rejected,
        }
    }
}

/// The body of a rejection.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectFlagged {
    /// Why the punch does not count (a photo held up to the camera, a colleague's badge…).
    pub reason: String,
}

/// How often the camera's judgement failed, for one site or one employee.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FlagRate {
    /// The site's or the employee's id.
    pub id: String,
    pub name: String,
    /// Punches the camera judged: face punches, and PIN punches with a passive check.
    pub face_punches: u64,
    /// Of those, the ones whose liveness check failed (flagged for review).
    pub flagged: u64,
    /// `flagged / face_punches`, 0 to 1.
    pub rate: f64,
}

impl FlagRate {
    pub fn new(id: String, name: String, face_punches: u64, flagged: u64) -> Self {
        let rate = if face_punches == 0 {
            0.0
        } else {
            flagged as f64 / face_punches as f64
        };
        Self {
            id,
            name,
            face_punches,
            flagged,
            rate,
        }
    }
}

/// Flag rates over `[from, to)`: every site with face punches, highest rate first; the
/// employees with the most flagged punches (at most [`MAX_EMPLOYEE_RATES`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FlagRates {
    #[schema(value_type = String, format = DateTime)]
    pub from: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub to: Timestamp,
    pub sites: Vec<FlagRate>,
    pub employees: Vec<FlagRate>,
}

/// The period of the rates when none is asked for.
pub const DEFAULT_RATE_DAYS: u32 = 30;
/// The longest period asked for (a year and a day: a leap year's full year).
pub const MAX_RATE_DAYS: u32 = 366;
/// Employees listed in the rates: the most flagged first, so a large organisation's answer
/// stays bounded and still names whom to look at.
pub const MAX_EMPLOYEE_RATES: u32 = 100;

impl DeviceService {
    /// The flagged punches in the caller's scope (managers: their departments' employees),
    /// oldest first.
    pub async fn flagged_punches(
        &self,
        caller: &Caller,
        filter: &FlagFilter,
        page: &Page,
    ) -> AppResult<Paged<FlaggedPunch>> {
        caller.permit(Action::ListFlagged)?;
        Ok(self
            .store
            .flagged_punches(caller.scope(), &caller.departments(), filter, page)
            .await?)
    }

    /// Confirms (it keeps counting) or rejects (with a reason: it no longer counts) a pending
    /// flagged punch in the caller's scope.
    pub async fn decide_flagged(
        &self,
        caller: &Caller,
        event: EventId,
        decision: FlagDecision,
        reason: Option<&str>,
    ) -> AppResult<FlaggedPunch> {
        caller.permit(Action::DecideFlagged)?;
        let reason = match decision {
            FlagDecision::Reject => {
                let text = reason.unwrap_or_default();
                Check::default()
                    .text("reason", text, limits::LONG_REASON)
                    .finish()?;
                Some(text.trim())
            }
            FlagDecision::Confirm => None,
        };
        let punch = self
            .store
            .flagged_punch(caller.scope(), &caller.departments(), event)
            .await?;
        if caller.is(punch.employee_id) {
            return Err(Error::ForbiddenBecause(
                "nobody decides on a punch about themselves",
            ));
        }
        if punch.review != FlagReview::Pending {
            return Err(Error::Conflict {
                message: format!("this punch was {} already", punch.review.as_str()),
                details: Vec::new(),
            });
        }
        let decided = self
            .store
            .decide_flagged(
                &caller.audit(),
                event,
                decision,
                caller.user_id,
                reason,
                Timestamp::now(),
            )
            .await?;
        // A rejected punch leaves the hours and the live board; a confirmed one changes neither.
        if decision == FlagDecision::Reject {
            self.live.changed(decided.org_id);
        }
        Ok(decided)
    }

    /// The evidence picture the kiosk kept of a flagged punch's face (JPEG); not found when
    /// there is none, or it was erased with the person's face data.
    pub async fn flagged_picture(&self, caller: &Caller, event: EventId) -> AppResult<Vec<u8>> {
        caller.permit(Action::FlaggedPicture)?;
        let punch = self
            .store
            .flagged_punch(caller.scope(), &caller.departments(), event)
            .await?;
        let picture = punch.picture_jpeg_base64.ok_or(Error::NotFound)?;
        base64::engine::general_purpose::STANDARD
            .decode(picture)
            .map_err(|e| Error::Internal(anyhow::anyhow!("stored evidence picture: {e}")))
    }

    /// Flag rates per site and per employee over the last `days` days (default
    /// [`DEFAULT_RATE_DAYS`]), in the caller's scope.
    pub async fn flag_rates(&self, caller: &Caller, days: Option<u32>) -> AppResult<FlagRates> {
        caller.permit(Action::FlagRates)?;
        let days = days.unwrap_or(DEFAULT_RATE_DAYS);
        if !(1..=MAX_RATE_DAYS).contains(&days) {
            return Err(Error::field(
                "days",
                format!("must be between 1 and {MAX_RATE_DAYS}"),
            ));
        }
        let to = Timestamp::now();
        let from = to - SignedDuration::from_hours(24 * i64::from(days));
        Ok(self
            .store
            .flag_rates(caller.scope(), &caller.departments(), from, to)
            .await?)
    }
}
