//! Enrolment review: managers see face templates captured at kiosks (with a thumbnail) and
//! approve them into the employee's templates, or reject them with a reason.

use attend_protocol::ids::EventId;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::http::AppState;
use crate::platform::error::{AppResult, Error};
use crate::platform::extract::{ApiJson, ApiPath, ApiQuery};
use crate::platform::validate::Check;
use crate::http::session::{AuthUser, STAFF};
use crate::storage::{Candidate, CandidateStatus, Decision, Paged};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CandidateQuery {
    /// `pending`, `approved` or `rejected`; all when absent.
    #[param(value_type = Option<String>)]
    pub status: Option<CandidateStatus>,
    pub limit: Option<u32>,
    pub after: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectCandidate {
    /// Shown to whoever enrols the person again, e.g. "eyes closed".
    pub reason: String,
}

#[utoipa::path(get, path = "/api/v1/enrolment-candidates", tag = "enrolment", security(("bearer" = [])), params(CandidateQuery),
    responses((status = 200, body = Paged<Candidate>, description = "oldest first")))]
pub async fn list_candidates(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<CandidateQuery>,
) -> AppResult<Json<Paged<Candidate>>> {
    caller.require(STAFF)?;
    let page = crate::platform::extract::PageQuery {
        limit: q.limit,
        after: q.after,
    }
    .page()?;
    Ok(Json(
        state
            .store
            .list_candidates(caller.scope(), &caller.departments(), q.status, None, &page)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/enrolment-candidates/{id}", tag = "enrolment", security(("bearer" = [])),
    responses((status = 200, body = Candidate), (status = 404, body = attend_protocol::error::ErrorBody)))]
pub async fn get_candidate(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EventId>,
) -> AppResult<Json<Candidate>> {
    caller.require(STAFF)?;
    Ok(Json(
        state
            .store
            .get_candidate(caller.scope(), &caller.departments(), id)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/enrolment-candidates/{id}/thumbnail", tag = "enrolment", security(("bearer" = [])),
    responses((status = 200, content_type = "image/jpeg", description = "the best capture's aligned face"),
              (status = 404, body = attend_protocol::error::ErrorBody)))]
pub async fn candidate_thumbnail(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EventId>,
) -> AppResult<Response> {
    caller.require(STAFF)?;
    let jpeg = state
        .store
        .candidate_thumbnail(caller.scope(), &caller.departments(), id)
        .await?
        .ok_or(Error::NotFound)?;
    // A face is personal data: never cached by shared caches, never sniffed as anything else.
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        jpeg,
    )
        .into_response())
}

#[utoipa::path(post, path = "/api/v1/enrolment-candidates/{id}/approve", tag = "enrolment", security(("bearer" = [])),
    responses((status = 200, body = Candidate, description = "templates stored; kiosks receive them on their next roster pull"),
              (status = 409, body = attend_protocol::error::ErrorBody, description = "already decided, or no biometric consent")))]
pub async fn approve_candidate(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EventId>,
) -> AppResult<Json<Candidate>> {
    caller.require(STAFF)?;
    Ok(Json(
        state
            .store
            .decide_candidate(
                &caller.audit(),
                caller.scope(),
                &caller.departments(),
                id,
                Decision::Approve,
            )
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/enrolment-candidates/{id}/reject", tag = "enrolment", security(("bearer" = [])),
    request_body = RejectCandidate,
    responses((status = 200, body = Candidate), (status = 409, body = attend_protocol::error::ErrorBody)))]
pub async fn reject_candidate(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EventId>,
    ApiJson(req): ApiJson<RejectCandidate>,
) -> AppResult<Json<Candidate>> {
    caller.require(STAFF)?;
    Check::default()
        .text("reason", &req.reason, 1, 500)
        .finish()?;
    let decision = Decision::Reject {
        reason: req.reason.trim().to_owned(),
    };
    Ok(Json(
        state
            .store
            .decide_candidate(
                &caller.audit(),
                caller.scope(),
                &caller.departments(),
                id,
                decision,
            )
            .await?,
    ))
}
