//! The corrections JSON API: a missing punch asked for, the queue, and the approval
//! workflow's decisions.

use attend_protocol::ids::{CorrectionId, EmployeeId};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Correction;
use super::service::RequestCorrection;
use crate::access::Caller;
use crate::app::state::AppState;
use crate::db::Paged;
use crate::platform::error::AppResult;
use crate::platform::extract::{ApiJson, ApiPath, ApiQuery, PageQuery};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_correction, employee_corrections))
        .routes(routes!(list))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(escalate))
        .routes(routes!(cancel))
}

#[utoipa::path(post, path = "/api/v1/employees/{id}/corrections", tag = "timesheets", security(("bearer" = [])), request_body = RequestCorrection,
    responses((status = 201, body = Correction), (status = 409, body = attend_protocol::error::ErrorBody, description = "the period's timesheet is approved")))]
pub async fn request_correction(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EmployeeId>,
    ApiJson(req): ApiJson<RequestCorrection>,
) -> AppResult<(StatusCode, Json<Correction>)> {
    let created = app.corrections.request(&caller, id, req).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/employees/{id}/corrections", tag = "timesheets", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Paged<Correction>, description = "newest first")))]
pub async fn employee_corrections(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EmployeeId>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> AppResult<Json<Paged<Correction>>> {
    let page = q.page()?;
    Ok(Json(app.corrections.of_employee(&caller, id, &page).await?))
}

crate::decision_routes!(
    corrections,
    CorrectionId,
    Correction,
    "timesheets",
    "/api/v1/corrections",
    "/api/v1/corrections/{id}/approve",
    "/api/v1/corrections/{id}/reject",
    "/api/v1/corrections/{id}/escalate",
    "/api/v1/corrections/{id}/cancel"
);
