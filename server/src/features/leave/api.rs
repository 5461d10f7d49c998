//! The leave JSON API: types with allowances, requests with balances, the queue, and the
//! approval workflow's decisions.

use attend_protocol::ids::{EmployeeId, LeaveRequestId};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{CreateLeaveType, EmployeeLeave, RequestLeave};
use super::{LeaveRequest, LeaveType};
use crate::access::Caller;
use crate::app::state::AppState;
use crate::db::Paged;
use crate::platform::error::{AppResult, Error};
use crate::platform::extract::{ApiJson, ApiPath, ApiQuery, PageQuery};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_leave_type, list_leave_types))
        .routes(routes!(request_leave, employee_leave))
        .routes(routes!(list))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(escalate))
        .routes(routes!(cancel))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct YearQuery {
    /// The year of the balances (default: this year).
    #[param(minimum = 1, maximum = 9999)]
    pub year: Option<i16>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next` value of the previous page of requests.
    pub after: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/leave-types", tag = "leave", security(("bearer" = [])), request_body = CreateLeaveType,
    responses((status = 201, body = LeaveType), (status = 409, body = attend_protocol::error::ErrorBody)))]
pub async fn create_leave_type(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateLeaveType>,
) -> AppResult<(StatusCode, Json<LeaveType>)> {
    Ok((
        StatusCode::CREATED,
        Json(app.leave.create_type(&caller, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/leave-types", tag = "leave", security(("bearer" = [])), responses((status = 200, body = Vec<LeaveType>)))]
pub async fn list_leave_types(
    State(app): State<AppState>,
    caller: Caller,
) -> AppResult<Json<Vec<LeaveType>>> {
    Ok(Json(app.leave.list_types(&caller).await?))
}

#[utoipa::path(post, path = "/api/v1/employees/{id}/leave", tag = "leave", security(("bearer" = [])), request_body = RequestLeave,
    responses((status = 201, body = LeaveRequest), (status = 409, body = attend_protocol::error::ErrorBody, description = "overlaps other leave, or over the allowance")))]
pub async fn request_leave(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EmployeeId>,
    ApiJson(req): ApiJson<RequestLeave>,
) -> AppResult<(StatusCode, Json<LeaveRequest>)> {
    Ok((
        StatusCode::CREATED,
        Json(app.leave.request(&caller, id, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/employees/{id}/leave", tag = "leave", security(("bearer" = [])), params(YearQuery),
    responses((status = 200, body = EmployeeLeave, description = "a page of requests (newest first) and the year's balances")))]
pub async fn employee_leave(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EmployeeId>,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> AppResult<Json<EmployeeLeave>> {
    let year = q.year.unwrap_or_else(|| jiff::Zoned::now().year());
    // The document's bounds: a calendar year the date library can hold.
    if !(1..=9999).contains(&year) {
        return Err(Error::field("year", "must be 1 to 9999"));
    }
    let page = PageQuery {
        limit: q.limit,
        after: q.after,
    }
    .page()?;
    Ok(Json(app.leave.of_employee(&caller, id, year, &page).await?))
}

crate::decision_routes!(
    leave,
    LeaveRequestId,
    LeaveRequest,
    "leave",
    "/api/v1/leave",
    "/api/v1/leave/{id}/approve",
    "/api/v1/leave/{id}/reject",
    "/api/v1/leave/{id}/escalate",
    "/api/v1/leave/{id}/cancel"
);
