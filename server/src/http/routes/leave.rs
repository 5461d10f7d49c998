//! Leave: types with allowances, requests with balances, and the approval workflow with
//! levels and escalation.

use attend_protocol::ids::{EmployeeId, LeaveRequestId, LeaveTypeId, OrgId};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::session::target_org;
use crate::approval::{Actor, ApprovalAction, ApprovalStatus, transition};
use crate::http::AppState;
use crate::platform::error::{AppResult, Error};
use crate::platform::extract::{ApiJson, ApiPath, ApiQuery};
use crate::platform::validate::Check;
use crate::http::session::{ADMINS, AuthUser, STAFF};
use crate::leave::working_days;
use crate::storage::{
    Balance, LeaveChange, LeaveRequest, LeaveType, NewLeaveRequest, NewLeaveType, Role,
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLeaveType {
    pub org_id: Option<OrgId>,
    pub name: String,
    pub paid: bool,
    /// Days per calendar year; no limit when absent.
    pub annual_days: Option<u32>,
    /// Minutes one leave day counts for (default 480).
    pub day_minutes: Option<u32>,
    /// 1 (a manager approves, the default) or 2 (only an org admin).
    pub approval_level: Option<u8>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestLeave {
    pub leave_type_id: LeaveTypeId,
    #[schema(value_type = String, format = Date)]
    pub first_day: Date,
    #[schema(value_type = String, format = Date)]
    pub last_day: Date,
    pub note: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Required to reject; optional otherwise.
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct YearQuery {
    pub year: Option<i16>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatusQuery {
    #[param(value_type = Option<String>)]
    pub status: Option<ApprovalStatus>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EmployeeLeave {
    pub requests: Vec<LeaveRequest>,
    pub balances: Vec<Balance>,
}

/// Employees act on their own leave only; for anyone else it does not exist.
pub(super) fn own_or_staff(caller: &AuthUser, employee: EmployeeId) -> AppResult<()> {
    if caller.user.employee_id == Some(employee) || STAFF.contains(&caller.user.role) {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

#[utoipa::path(post, path = "/api/v1/leave-types", tag = "leave", security(("bearer" = [])), request_body = CreateLeaveType,
    responses((status = 201, body = LeaveType), (status = 409, body = attend_protocol::error::ErrorBody)))]
pub async fn create_leave_type(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<CreateLeaveType>,
) -> AppResult<(StatusCode, Json<LeaveType>)> {
    caller.require(ADMINS)?;
    let mut check = Check::default();
    check.text("name", &req.name, 1, 60);
    let day_minutes = req.day_minutes.unwrap_or(480);
    if !(1..=1440).contains(&day_minutes) {
        check.fail("day_minutes", "must be 1 to 1440");
    }
    let level = req.approval_level.unwrap_or(1);
    if !(1..=2).contains(&level) {
        check.fail("approval_level", "must be 1 (manager) or 2 (org admin)");
    }
    if req.annual_days.is_some_and(|d| d > 366) {
        check.fail("annual_days", "must be at most 366");
    }
    check.finish()?;
    let new = NewLeaveType {
        org_id: target_org(&caller, req.org_id)?,
        name: req.name.trim().to_owned(),
        paid: req.paid,
        annual_days: req.annual_days,
        day_minutes,
        approval_level: level,
    };
    Ok((
        StatusCode::CREATED,
        Json(state.store.create_leave_type(&caller.audit(), new).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/leave-types", tag = "leave", security(("bearer" = [])), responses((status = 200, body = Vec<LeaveType>)))]
pub async fn list_leave_types(
    State(state): State<AppState>,
    caller: AuthUser,
) -> AppResult<Json<Vec<LeaveType>>> {
    caller.require(&[
        Role::SuperAdmin,
        Role::OrgAdmin,
        Role::Manager,
        Role::Employee,
    ])?;
    Ok(Json(state.store.list_leave_types(caller.scope()).await?))
}

#[utoipa::path(post, path = "/api/v1/employees/{id}/leave", tag = "leave", security(("bearer" = [])), request_body = RequestLeave,
    responses((status = 201, body = LeaveRequest), (status = 409, body = attend_protocol::error::ErrorBody, description = "overlaps other leave, or over the allowance")))]
pub async fn request_leave(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EmployeeId>,
    ApiJson(req): ApiJson<RequestLeave>,
) -> AppResult<(StatusCode, Json<LeaveRequest>)> {
    own_or_staff(&caller, id)?;
    let mut check = Check::default();
    if req.last_day < req.first_day {
        check.fail("last_day", "must not be before `first_day`");
    } else if req.last_day.year() != req.first_day.year() {
        check.fail(
            "last_day",
            "must be in the same year as `first_day`: split the request at the new year",
        );
    }
    if let Some(note) = &req.note {
        check.text("note", note, 0, 500);
    }
    check.finish()?;
    let days = working_days(req.first_day, req.last_day).count() as u32;
    if days == 0 {
        return Err(Error::field(
            "last_day",
            "the range holds no working day (Monday to Friday)",
        ));
    }
    let new = NewLeaveRequest {
        employee: id,
        leave_type: req.leave_type_id,
        first_day: req.first_day,
        last_day: req.last_day,
        days,
        note: req
            .note
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty()),
    };
    let created = state
        .store
        .create_leave_request(&caller.audit(), caller.scope(), &caller.departments(), new)
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/employees/{id}/leave", tag = "leave", security(("bearer" = [])), params(YearQuery),
    responses((status = 200, body = EmployeeLeave, description = "requests (newest first) and the year's balances")))]
pub async fn employee_leave(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EmployeeId>,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> AppResult<Json<EmployeeLeave>> {
    own_or_staff(&caller, id)?;
    let year = q.year.unwrap_or_else(|| jiff::Zoned::now().year());
    let (scope, depts) = (caller.scope(), caller.departments());
    Ok(Json(EmployeeLeave {
        requests: state
            .store
            .list_leave_requests(scope, &depts, Some(id), None)
            .await?,
        balances: state.store.leave_balances(scope, &depts, id, year).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/leave", tag = "leave", security(("bearer" = [])), params(StatusQuery),
    responses((status = 200, body = Vec<LeaveRequest>, description = "requests in the caller's scope, newest first")))]
pub async fn list_leave(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<StatusQuery>,
) -> AppResult<Json<Vec<LeaveRequest>>> {
    caller.require(STAFF)?;
    Ok(Json(
        state
            .store
            .list_leave_requests(caller.scope(), &caller.departments(), None, q.status)
            .await?,
    ))
}

async fn decide(
    state: &AppState,
    caller: &AuthUser,
    id: LeaveRequestId,
    action: ApprovalAction,
    reason: Option<String>,
) -> AppResult<Json<LeaveRequest>> {
    let (scope, depts) = (caller.scope(), caller.departments());
    let request = state.store.get_leave_request(scope, &depts, id).await?;
    let actor = actor_for(caller, request.employee_id)?;
    let next = transition(request.status, request.required_level, action, actor).map_err(|r| {
        Error::Conflict {
            message: r.to_string(),
            details: Vec::new(),
        }
    })?;
    let change = LeaveChange {
        id,
        expected: (request.status, request.required_level),
        action,
        next,
        reason,
    };
    Ok(Json(
        state
            .store
            .record_leave_transition(&caller.audit(), scope, &depts, change)
            .await?,
    ))
}

/// The caller's role in an approval about `employee`: the owner never reviews their own.
pub(super) fn actor_for(caller: &AuthUser, employee: EmployeeId) -> AppResult<Actor> {
    if caller.user.employee_id == Some(employee) {
        return Ok(Actor::Owner);
    }
    match caller.user.role {
        Role::Manager => Ok(Actor::Reviewer { level: 1 }),
        Role::OrgAdmin | Role::SuperAdmin => Ok(Actor::Reviewer { level: 2 }),
        Role::Support | Role::Employee => Err(Error::NotFound),
    }
}

pub(super) fn reason(body: Option<Decision>, required: bool) -> AppResult<Option<String>> {
    let text = body
        .and_then(|b| b.reason)
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if required && text.is_none() {
        return Err(Error::field("reason", "is required to reject"));
    }
    if text.as_ref().is_some_and(|r| r.chars().count() > 500) {
        return Err(Error::field("reason", "must be at most 500 characters"));
    }
    Ok(text)
}

macro_rules! decision_route {
    ($name:ident, $path:literal, $action:expr) => {
        #[utoipa::path(post, path = $path, tag = "leave", security(("bearer" = [])), request_body = Decision,
            responses((status = 200, body = LeaveRequest), (status = 409, body = attend_protocol::error::ErrorBody)))]
        pub async fn $name(
            State(state): State<AppState>,
            caller: AuthUser,
            ApiPath(id): ApiPath<LeaveRequestId>,
            ApiJson(body): ApiJson<Decision>,
        ) -> AppResult<Json<LeaveRequest>> {
            let reason = reason(Some(body), $action == ApprovalAction::Reject)?;
            decide(&state, &caller, id, $action, reason).await
        }
    };
}

decision_route!(
    approve,
    "/api/v1/leave/{id}/approve",
    ApprovalAction::Approve
);
decision_route!(reject, "/api/v1/leave/{id}/reject", ApprovalAction::Reject);
decision_route!(
    escalate,
    "/api/v1/leave/{id}/escalate",
    ApprovalAction::Escalate
);
decision_route!(cancel, "/api/v1/leave/{id}/cancel", ApprovalAction::Cancel);
