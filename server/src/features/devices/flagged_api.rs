//! The flagged punches' JSON routes: the review queue with its evidence, confirm and reject,
//! and the flag rates per site and per employee.

use attend_protocol::ids::{EmployeeId, EventId, SiteId};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::response::Response;

use crate::features::enrolment::api::private_jpeg;

use super::flagged::{
    FlagDecision, FlagFilter, FlagRates, FlagReview, FlaggedPunch, RejectFlagged,
};
use crate::access::Caller;
use crate::app::state::AppState;
use crate::db::Paged;
use crate::platform::error::AppResult;
use crate::platform::extract::{ApiJson, ApiPath, ApiQuery, PageQuery};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_flagged))
        .routes(routes!(flag_rates))
        .routes(routes!(confirm_flagged))
        .routes(routes!(reject_flagged))
        .routes(routes!(flagged_picture))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FlaggedQuery {
    /// Only punches taken at this site's kiosks.
    pub site_id: Option<SiteId>,
    pub employee_id: Option<EmployeeId>,
    /// `pending` (the queue, the default), `confirmed` or `rejected`.
    #[param(inline)]
    pub review: Option<FlagReview>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    pub after: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/flagged-punches", tag = "records", security(("bearer" = [])), params(FlaggedQuery),
    responses((status = 200, body = Paged<FlaggedPunch>, description = "flagged punches with their evidence, oldest first")))]
pub async fn list_flagged(
    State(app): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<FlaggedQuery>,
) -> AppResult<Json<Paged<FlaggedPunch>>> {
    let page = PageQuery {
        limit: q.limit,
        after: q.after,
    }
    .page()?;
    let filter = FlagFilter {
        site_id: q.site_id,
        employee_id: q.employee_id,
        review: q.review,
    };
    Ok(Json(
        app.devices.flagged_punches(&caller, &filter, &page).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RatesQuery {
    /// The period: the last this many days (default 30).
    #[param(minimum = 1, maximum = 366)]
    pub days: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/flagged-punches/rates", tag = "records", security(("bearer" = [])), params(RatesQuery),
    responses((status = 200, body = FlagRates, description = "face punches and liveness failures per site and per employee")))]
pub async fn flag_rates(
    State(app): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<RatesQuery>,
) -> AppResult<Json<FlagRates>> {
    Ok(Json(app.devices.flag_rates(&caller, q.days).await?))
}

#[utoipa::path(post, path = "/api/v1/flagged-punches/{id}/confirm", tag = "records", security(("bearer" = [])),
    params(("id" = String, Path, description = "a flagged punch's event id")),
    responses((status = 200, body = FlaggedPunch, description = "confirmed: it keeps counting"),
              (status = 409, body = attend_protocol::error::ErrorBody, description = "not waiting for review")))]
pub async fn confirm_flagged(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EventId>,
) -> AppResult<Json<FlaggedPunch>> {
    Ok(Json(
        app.devices
            .decide_flagged(&caller, id, FlagDecision::Confirm, None)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/flagged-punches/{id}/reject", tag = "records", security(("bearer" = [])),
    params(("id" = String, Path, description = "a flagged punch's event id")), request_body = RejectFlagged,
    responses((status = 200, body = FlaggedPunch, description = "rejected: stored, no longer counted"),
              (status = 409, body = attend_protocol::error::ErrorBody, description = "not waiting for review")))]
pub async fn reject_flagged(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EventId>,
    ApiJson(req): ApiJson<RejectFlagged>,
) -> AppResult<Json<FlaggedPunch>> {
    Ok(Json(
        app.devices
            .decide_flagged(&caller, id, FlagDecision::Reject, Some(&req.reason))
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/flagged-punches/{id}/picture", tag = "records", security(("bearer" = [])),
    params(("id" = String, Path, description = "a flagged punch's event id")),
    responses((status = 200, content_type = "image/jpeg", description = "the face the kiosk decided on, where its site keeps evidence pictures"),
              (status = 404, body = attend_protocol::error::ErrorBody, description = "no such punch in scope, or no picture kept")))]
pub async fn flagged_picture(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EventId>,
) -> AppResult<Response> {
    Ok(private_jpeg(
        app.devices.flagged_picture(&caller, id).await?,
    ))
}
