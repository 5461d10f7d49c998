//! The attendance JSON API: a site's pay policy, shift patterns, employees' schedules, and
//! the computed hours of one employee over a range of work dates (heavy tier).

use attend_protocol::ids::{EmployeeId, ShiftId, SiteId};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::civil::Date;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::report::AttendanceReport;
use super::service::{CreateShift, SetSchedule};
use super::{Assignment, Policy, Shift};
use crate::access::Caller;
use crate::app::state::AppState;
use crate::platform::error::AppResult;
use crate::platform::extract::{ApiJson, ApiPath, ApiQuery};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_policy, set_policy))
        .routes(routes!(create_shift, list_shifts))
        .routes(routes!(delete_shift))
        .routes(routes!(get_schedule, set_schedule))
}

/// Routes in the heavy rate-limit tier.
pub fn heavy_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_attendance))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DateRange {
    /// First work date, `YYYY-MM-DD`.
    #[param(value_type = String, format = Date)]
    pub from: Date,
    /// Last work date (inclusive).
    #[param(value_type = String, format = Date)]
    pub to: Date,
}

#[utoipa::path(get, path = "/api/v1/sites/{id}/policy", tag = "attendance", security(("bearer" = [])),
    responses((status = 200, body = Policy, description = "the defaults when none was set")))]
pub async fn get_policy(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<SiteId>,
) -> AppResult<Json<Policy>> {
    Ok(Json(app.attendance.get_policy(&caller, id).await?))
}

#[utoipa::path(put, path = "/api/v1/sites/{id}/policy", tag = "attendance", security(("bearer" = [])), request_body = Policy,
    responses((status = 200, body = Policy), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn set_policy(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<SiteId>,
    ApiJson(policy): ApiJson<Policy>,
) -> AppResult<Json<Policy>> {
    Ok(Json(app.attendance.set_policy(&caller, id, policy).await?))
}

#[utoipa::path(post, path = "/api/v1/shifts", tag = "attendance", security(("bearer" = [])), request_body = CreateShift,
    responses((status = 201, body = Shift), (status = 409, body = attend_protocol::error::ErrorBody), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn create_shift(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateShift>,
) -> AppResult<(StatusCode, Json<Shift>)> {
    Ok((
        StatusCode::CREATED,
        Json(app.attendance.create_shift(&caller, req).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/shifts", tag = "attendance", security(("bearer" = [])), responses((status = 200, body = Vec<Shift>)))]
pub async fn list_shifts(
    State(app): State<AppState>,
    caller: Caller,
) -> AppResult<Json<Vec<Shift>>> {
    Ok(Json(app.attendance.list_shifts(&caller).await?))
}

#[utoipa::path(delete, path = "/api/v1/shifts/{id}", tag = "attendance", security(("bearer" = [])),
    responses((status = 204, description = "no longer assignable; past assignments stay")))]
pub async fn delete_shift(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ShiftId>,
) -> AppResult<StatusCode> {
    app.attendance.delete_shift(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/v1/employees/{id}/schedule", tag = "attendance", security(("bearer" = [])), request_body = SetSchedule,
    responses((status = 200, body = Vec<Assignment>, description = "the schedule of the range afterwards")))]
pub async fn set_schedule(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EmployeeId>,
    ApiJson(req): ApiJson<SetSchedule>,
) -> AppResult<Json<Vec<Assignment>>> {
    Ok(Json(app.attendance.set_schedule(&caller, id, req).await?))
}

#[utoipa::path(get, path = "/api/v1/employees/{id}/schedule", tag = "attendance", security(("bearer" = [])), params(DateRange),
    responses((status = 200, body = Vec<Assignment>)))]
pub async fn get_schedule(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EmployeeId>,
    ApiQuery(q): ApiQuery<DateRange>,
) -> AppResult<Json<Vec<Assignment>>> {
    Ok(Json(
        app.attendance
            .get_schedule(&caller, id, q.from, q.to)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/employees/{id}/attendance", tag = "attendance", security(("bearer" = [])), params(DateRange),
    responses((status = 200, body = AttendanceReport, description = "hours per work date from the synced punches, shifts and the site's policy")))]
pub async fn get_attendance(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EmployeeId>,
    ApiQuery(q): ApiQuery<DateRange>,
) -> AppResult<Json<AttendanceReport>> {
    Ok(Json(
        app.attendance.report(&caller, id, q.from, q.to).await?,
    ))
}
