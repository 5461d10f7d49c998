//! The enrolment review JSON API: reviewers list the face templates captured at kiosks or
//! computed from uploaded photos (with a thumbnail), and approve them into the employee's
//! templates or reject them with a reason.

use attend_protocol::ids::EventId;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::RejectCandidate;
use super::{Candidate, CandidateStatus};
use crate::access::Caller;
use crate::app::state::AppState;
use crate::db::Paged;
use crate::features::approvals::Step;
use crate::platform::error::AppResult;
use crate::platform::extract::{ApiJson, ApiPath, ApiQuery, PageQuery};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_candidates))
        .routes(routes!(get_candidate))
        .routes(routes!(candidate_thumbnail))
        .routes(routes!(approve_candidate))
        .routes(routes!(reject_candidate))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CandidateQuery {
    /// `pending`, `approved` or `rejected`; all when absent.
    #[param(inline)]
    pub status: Option<CandidateStatus>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    pub after: Option<String>,
}

/// A face as an answer: personal data, so never cached by shared caches and never sniffed as
/// anything else. The dashboard serves thumbnails the same way.
pub(crate) fn private_jpeg(jpeg: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        jpeg,
    )
        .into_response()
}

#[utoipa::path(get, path = "/api/v1/enrolment-candidates", tag = "enrolment", security(("bearer" = [])), params(CandidateQuery),
    responses((status = 200, body = Paged<Candidate>, description = "oldest first")))]
pub async fn list_candidates(
    State(app): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<CandidateQuery>,
) -> AppResult<Json<Paged<Candidate>>> {
    let page = PageQuery {
        limit: q.limit,
        after: q.after,
    }
    .page()?;
    Ok(Json(app.enrolment.list(&caller, q.status, &page).await?))
}

#[utoipa::path(get, path = "/api/v1/enrolment-candidates/{id}", tag = "enrolment", security(("bearer" = [])),
    responses((status = 200, body = Candidate), (status = 404, body = attend_protocol::error::ErrorBody)))]
pub async fn get_candidate(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EventId>,
) -> AppResult<Json<Candidate>> {
    Ok(Json(app.enrolment.get(&caller, id).await?))
}

#[utoipa::path(get, path = "/api/v1/enrolment-candidates/{id}/thumbnail", tag = "enrolment", security(("bearer" = [])),
    responses((status = 200, content_type = "image/jpeg", description = "the best capture's aligned face"),
              (status = 404, body = attend_protocol::error::ErrorBody)))]
pub async fn candidate_thumbnail(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EventId>,
) -> AppResult<Response> {
    Ok(private_jpeg(app.enrolment.thumbnail(&caller, id).await?))
}

#[utoipa::path(post, path = "/api/v1/enrolment-candidates/{id}/approve", tag = "enrolment", security(("bearer" = [])),
    responses((status = 200, body = Candidate, description = "templates stored; kiosks receive them on their next roster pull"),
              (status = 409, body = attend_protocol::error::ErrorBody, description = "already decided, no biometric consent, or the reviewer's own face")))]
pub async fn approve_candidate(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EventId>,
) -> AppResult<Json<Candidate>> {
    Ok(Json(
        app.enrolment
            .decide(&caller, id, Step::Approve, None)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/enrolment-candidates/{id}/reject", tag = "enrolment", security(("bearer" = [])),
    request_body = RejectCandidate,
    responses((status = 200, body = Candidate), (status = 409, body = attend_protocol::error::ErrorBody)))]
pub async fn reject_candidate(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EventId>,
    ApiJson(req): ApiJson<RejectCandidate>,
) -> AppResult<Json<Candidate>> {
    Ok(Json(
        app.enrolment
            .decide(&caller, id, Step::Reject, Some(req.reason))
            .await?,
    ))
}
