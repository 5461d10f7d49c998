//! Timesheets per pay period: view (live hours until approved), submit, approve, reject; the
//! reviewers' queue; and each organisation's pay calendar.

use attend_protocol::ids::{EmployeeId, OrgId};
use axum::Json;
use axum::extract::State;
use jiff::civil::Date;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::http::session::target_org;
use crate::http::AppState;
use crate::platform::error::{AppResult, Error};
use crate::platform::extract::{ApiJson, ApiPath, ApiQuery, PageQuery};
use crate::platform::validate::Check;
use crate::http::session::{ADMINS, AuthUser, STAFF};
use crate::storage::{Paged, TimesheetRow};
use crate::timesheet::period::PayCalendar;
use crate::timesheet::workflow::{Action, Status};
use crate::timesheet::{ActError, Caller, TimesheetView, act, view};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectTimesheet {
    /// Shown to the employee, e.g. "Tuesday's clock-out is missing".
    pub reason: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TimesheetQuery {
    /// `draft` (rejected back), `submitted` (waiting for review) or `approved`.
    #[param(value_type = Option<String>)]
    pub status: Option<Status>,
    pub limit: Option<u32>,
    pub after: Option<String>,
}

fn caller_of(caller: &AuthUser, employee: EmployeeId) -> AppResult<Caller> {
    let reviewer = STAFF.contains(&caller.user.role);
    if !reviewer && caller.user.employee_id != Some(employee) {
        // Employees see only their own timesheets; anything else does not exist for them.
        return Err(Error::NotFound);
    }
    Ok(Caller {
        scope: caller.scope(),
        depts: caller.departments(),
        employee_id: caller.user.employee_id,
        reviewer,
        audit: caller.audit(),
    })
}

fn act_error(e: ActError) -> Error {
    match e {
        ActError::Refused(refusal) => Error::Conflict {
            message: refusal.to_string(),
            details: Vec::new(),
        },
        e @ ActError::NotPeriodStart(..) => Error::field("date", e.to_string()),
        ActError::Store(e) => e.into(),
    }
}

#[utoipa::path(get, path = "/api/v1/employees/{id}/timesheets/{date}", tag = "timesheets", security(("bearer" = [])),
    responses((status = 200, body = TimesheetView, description = "the timesheet of the pay period containing `date`")))]
pub async fn get_timesheet(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath((id, date)): ApiPath<(EmployeeId, Date)>,
) -> AppResult<Json<TimesheetView>> {
    let who = caller_of(&caller, id)?;
    Ok(Json(
        view(&state.store, &who, id, date, jiff::Timestamp::now()).await?,
    ))
}

async fn apply(
    state: &AppState,
    caller: &AuthUser,
    id: EmployeeId,
    start: Date,
    action: Action,
    reason: Option<String>,
) -> AppResult<Json<TimesheetView>> {
    let who = caller_of(caller, id)?;
    let now = jiff::Timestamp::now();
    act(&state.store, &who, id, start, action, reason, now)
        .await
        .map(Json)
        .map_err(act_error)
}

#[utoipa::path(post, path = "/api/v1/employees/{id}/timesheets/{date}/submit", tag = "timesheets", security(("bearer" = [])),
    responses((status = 200, body = TimesheetView), (status = 409, body = attend_protocol::error::ErrorBody, description = "not allowed in this state; the message says why")))]
pub async fn submit(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath((id, date)): ApiPath<(EmployeeId, Date)>,
) -> AppResult<Json<TimesheetView>> {
    apply(&state, &caller, id, date, Action::Submit, None).await
}

#[utoipa::path(post, path = "/api/v1/employees/{id}/timesheets/{date}/approve", tag = "timesheets", security(("bearer" = [])),
    responses((status = 200, body = TimesheetView), (status = 409, body = attend_protocol::error::ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath((id, date)): ApiPath<(EmployeeId, Date)>,
) -> AppResult<Json<TimesheetView>> {
    apply(&state, &caller, id, date, Action::Approve, None).await
}

#[utoipa::path(post, path = "/api/v1/employees/{id}/timesheets/{date}/reject", tag = "timesheets", security(("bearer" = [])), request_body = RejectTimesheet,
    responses((status = 200, body = TimesheetView, description = "back to draft with the reason"), (status = 409, body = attend_protocol::error::ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath((id, date)): ApiPath<(EmployeeId, Date)>,
    ApiJson(req): ApiJson<RejectTimesheet>,
) -> AppResult<Json<TimesheetView>> {
    Check::default()
        .text("reason", &req.reason, 1, 500)
        .finish()?;
    apply(
        &state,
        &caller,
        id,
        date,
        Action::Reject,
        Some(req.reason.trim().to_owned()),
    )
    .await
}

#[utoipa::path(get, path = "/api/v1/timesheets", tag = "timesheets", security(("bearer" = [])), params(TimesheetQuery),
    responses((status = 200, body = Paged<TimesheetRow>)))]
pub async fn list_timesheets(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<TimesheetQuery>,
) -> AppResult<Json<Paged<TimesheetRow>>> {
    caller.require(STAFF)?;
    let page = PageQuery {
        limit: q.limit,
        after: q.after,
    }
    .page()?;
    Ok(Json(
        state
            .store
            .list_timesheets(caller.scope(), &caller.departments(), q.status, &page)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}/pay-calendar", tag = "timesheets", security(("bearer" = [])),
    responses((status = 200, body = PayCalendar, description = "calendar months when none was set")))]
pub async fn get_pay_calendar(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<OrgId>,
) -> AppResult<Json<PayCalendar>> {
    caller.require(STAFF)?;
    Ok(Json(state.store.pay_calendar(caller.scope(), id).await?))
}

#[utoipa::path(put, path = "/api/v1/organisations/{id}/pay-calendar", tag = "timesheets", security(("bearer" = [])), request_body = PayCalendar,
    responses((status = 200, body = PayCalendar)))]
pub async fn set_pay_calendar(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<OrgId>,
    ApiJson(calendar): ApiJson<PayCalendar>,
) -> AppResult<Json<PayCalendar>> {
    caller.require(ADMINS)?;
    let org = target_org(&caller, Some(id))?;
    Ok(Json(
        state
            .store
            .set_pay_calendar(&caller.audit(), caller.scope(), org, calendar)
            .await?,
    ))
}
