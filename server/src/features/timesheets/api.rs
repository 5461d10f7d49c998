//! The timesheets JSON API: view, submit, approve, reject; the reviewers' queue; and each
//! organisation's pay calendar.

use attend_protocol::ids::{EmployeeId, OrgId};
use axum::Json;
use axum::extract::State;
use jiff::civil::Date;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::period::PayCalendar;
use super::service::RejectTimesheet;
use super::{Status, TimesheetRow, TimesheetView};
use crate::access::Caller;
use crate::app::state::AppState;
use crate::db::Paged;
use crate::features::approvals::Step;
use crate::platform::error::AppResult;
use crate::platform::extract::{ApiJson, ApiPath, ApiQuery, PageQuery};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_timesheet))
        .routes(routes!(submit))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(list_timesheets))
        .routes(routes!(get_pay_calendar, set_pay_calendar))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TimesheetQuery {
    /// `draft` (rejected back), `submitted` (waiting for review) or `approved`.
    #[param(inline)]
    pub status: Option<Status>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    pub after: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/employees/{id}/timesheets/{date}", tag = "timesheets", security(("bearer" = [])),
    responses((status = 200, body = TimesheetView, description = "the timesheet of the pay period containing `date`")))]
pub async fn get_timesheet(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath((id, date)): ApiPath<(EmployeeId, Date)>,
) -> AppResult<Json<TimesheetView>> {
    Ok(Json(app.timesheets.view(&caller, id, date).await?))
}

#[utoipa::path(post, path = "/api/v1/employees/{id}/timesheets/{date}/submit", tag = "timesheets", security(("bearer" = [])),
    responses((status = 200, body = TimesheetView), (status = 409, body = attend_protocol::error::ErrorBody, description = "not allowed in this state; the message says why")))]
pub async fn submit(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath((id, date)): ApiPath<(EmployeeId, Date)>,
) -> AppResult<Json<TimesheetView>> {
    Ok(Json(app.timesheets.submit(&caller, id, date).await?))
}

#[utoipa::path(post, path = "/api/v1/employees/{id}/timesheets/{date}/approve", tag = "timesheets", security(("bearer" = [])),
    responses((status = 200, body = TimesheetView), (status = 409, body = attend_protocol::error::ErrorBody)))]
pub async fn approve(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath((id, date)): ApiPath<(EmployeeId, Date)>,
) -> AppResult<Json<TimesheetView>> {
    let view = app
        .timesheets
        .decide(&caller, id, date, Step::Approve, None)
        .await?;
    Ok(Json(view))
}

#[utoipa::path(post, path = "/api/v1/employees/{id}/timesheets/{date}/reject", tag = "timesheets", security(("bearer" = [])), request_body = RejectTimesheet,
    responses((status = 200, body = TimesheetView, description = "back to draft with the reason"), (status = 409, body = attend_protocol::error::ErrorBody)))]
pub async fn reject(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath((id, date)): ApiPath<(EmployeeId, Date)>,
    ApiJson(req): ApiJson<RejectTimesheet>,
) -> AppResult<Json<TimesheetView>> {
    let view = app
        .timesheets
        .decide(&caller, id, date, Step::Reject, Some(req.reason))
        .await?;
    Ok(Json(view))
}

#[utoipa::path(get, path = "/api/v1/timesheets", tag = "timesheets", security(("bearer" = [])), params(TimesheetQuery),
    responses((status = 200, body = Paged<TimesheetRow>)))]
pub async fn list_timesheets(
    State(app): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<TimesheetQuery>,
) -> AppResult<Json<Paged<TimesheetRow>>> {
    let page = PageQuery {
        limit: q.limit,
        after: q.after,
    }
    .page()?;
    Ok(Json(app.timesheets.list(&caller, q.status, &page).await?))
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}/pay-calendar", tag = "timesheets", security(("bearer" = [])),
    responses((status = 200, body = PayCalendar, description = "calendar months when none was set")))]
pub async fn get_pay_calendar(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrgId>,
) -> AppResult<Json<PayCalendar>> {
    Ok(Json(app.timesheets.pay_calendar(&caller, id).await?))
}

#[utoipa::path(put, path = "/api/v1/organisations/{id}/pay-calendar", tag = "timesheets", security(("bearer" = [])), request_body = PayCalendar,
    responses((status = 200, body = PayCalendar)))]
pub async fn set_pay_calendar(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrgId>,
    ApiJson(calendar): ApiJson<PayCalendar>,
) -> AppResult<Json<PayCalendar>> {
    Ok(Json(
        app.timesheets
            .set_pay_calendar(&caller, id, calendar)
            .await?,
    ))
}
