//! Timesheet corrections: a punch the kiosk never recorded, asked for by the employee (or a
//! manager for them), decided through the approval workflow with levels.

use attend_protocol::events::PunchType;
use attend_protocol::ids::{CorrectionId, EmployeeId};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::leave::{Decision, actor_for, own_or_staff, reason};
use crate::approval::{ApprovalAction, ApprovalStatus, transition};
use crate::http::AppState;
use crate::platform::error::{AppResult, Error};
use crate::platform::extract::{ApiJson, ApiPath, ApiQuery};
use crate::platform::validate::Check;
use crate::http::session::{AuthUser, STAFF};
use crate::storage::{
    Correction, CorrectionChange, DepartmentFilter, NewCorrection, Scope, SharedStore,
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestCorrection {
    /// `in`, `out`, `break_start` or `break_end`.
    #[schema(value_type = String)]
    pub punch_type: PunchType,
    /// When it happened (RFC 3339).
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    /// Why the kiosk has no record, e.g. "left through the loading bay".
    pub reason: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatusQuery {
    #[param(value_type = Option<String>)]
    pub status: Option<ApprovalStatus>,
}

/// The punch's date on the employee's site clock (UTC without a site).
async fn local_date(
    store: &SharedStore,
    scope: Scope,
    depts: &DepartmentFilter,
    employee: EmployeeId,
    at: Timestamp,
) -> AppResult<jiff::civil::Date> {
    let person = store.get_employee(scope, depts, employee).await?;
    let zone = match person.site_id {
        Some(site) => store
            .get_site(scope, site)
            .await
            .ok()
            .and_then(|s| jiff::tz::TimeZone::get(&s.timezone).ok()),
        None => None,
    };
    Ok(at.to_zoned(zone.unwrap_or(jiff::tz::TimeZone::UTC)).date())
}

#[utoipa::path(post, path = "/api/v1/employees/{id}/corrections", tag = "timesheets", security(("bearer" = [])), request_body = RequestCorrection,
    responses((status = 201, body = Correction), (status = 409, body = attend_protocol::error::ErrorBody, description = "the period's timesheet is approved")))]
pub async fn request_correction(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EmployeeId>,
    ApiJson(req): ApiJson<RequestCorrection>,
) -> AppResult<(StatusCode, Json<Correction>)> {
    own_or_staff(&caller, id)?;
    let mut check = Check::default();
    check.text("reason", &req.reason, 1, 300);
    if req.at > Timestamp::now() + SignedDuration::from_mins(5) {
        check.fail("at", "must not be in the future");
    }
    check.finish()?;
    let (scope, depts) = (caller.scope(), caller.departments());
    let new = NewCorrection {
        employee: id,
        local_date: local_date(&state.store, scope, &depts, id, req.at).await?,
        punch_type: req.punch_type,
        at: req.at,
        reason: req.reason.trim().to_owned(),
    };
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .store
                .create_correction(&caller.audit(), scope, &depts, new)
                .await?,
        ),
    ))
}

#[utoipa::path(get, path = "/api/v1/employees/{id}/corrections", tag = "timesheets", security(("bearer" = [])), responses((status = 200, body = Vec<Correction>)))]
pub async fn employee_corrections(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EmployeeId>,
) -> AppResult<Json<Vec<Correction>>> {
    own_or_staff(&caller, id)?;
    Ok(Json(
        state
            .store
            .list_corrections(caller.scope(), &caller.departments(), Some(id), None)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/corrections", tag = "timesheets", security(("bearer" = [])), params(StatusQuery), responses((status = 200, body = Vec<Correction>)))]
pub async fn list_corrections(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<StatusQuery>,
) -> AppResult<Json<Vec<Correction>>> {
    caller.require(STAFF)?;
    Ok(Json(
        state
            .store
            .list_corrections(caller.scope(), &caller.departments(), None, q.status)
            .await?,
    ))
}

async fn decide(
    state: &AppState,
    caller: &AuthUser,
    id: CorrectionId,
    action: ApprovalAction,
    reason: Option<String>,
) -> AppResult<Json<Correction>> {
    let (scope, depts) = (caller.scope(), caller.departments());
    let current = state.store.get_correction(scope, &depts, id).await?;
    let actor = actor_for(caller, current.employee_id)?;
    let next = transition(current.status, current.required_level, action, actor).map_err(|r| {
        Error::Conflict {
            message: r.to_string(),
            details: Vec::new(),
        }
    })?;
    let change = CorrectionChange {
        id,
        local_date: local_date(&state.store, scope, &depts, current.employee_id, current.at)
            .await?,
        expected: (current.status, current.required_level),
        action,
        next,
        reason,
    };
    Ok(Json(
        state
            .store
            .record_correction_transition(&caller.audit(), scope, &depts, change)
            .await?,
    ))
}

macro_rules! decision_route {
    ($name:ident, $path:literal, $action:expr) => {
        #[utoipa::path(post, path = $path, tag = "timesheets", security(("bearer" = [])), request_body = Decision,
            responses((status = 200, body = Correction), (status = 409, body = attend_protocol::error::ErrorBody)))]
        pub async fn $name(State(state): State<AppState>, caller: AuthUser, ApiPath(id): ApiPath<CorrectionId>, ApiJson(body): ApiJson<Decision>) -> AppResult<Json<Correction>> {
            let reason = reason(Some(body), $action == ApprovalAction::Reject)?;
            decide(&state, &caller, id, $action, reason).await
        }
    };
}

decision_route!(
    approve,
    "/api/v1/corrections/{id}/approve",
    ApprovalAction::Approve
);
decision_route!(
    reject,
    "/api/v1/corrections/{id}/reject",
    ApprovalAction::Reject
);
decision_route!(
    escalate,
    "/api/v1/corrections/{id}/escalate",
    ApprovalAction::Escalate
);
decision_route!(
    cancel,
    "/api/v1/corrections/{id}/cancel",
    ApprovalAction::Cancel
);
