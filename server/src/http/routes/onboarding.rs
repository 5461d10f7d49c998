//! Joining an organisation: employees self-register with the join code (pending until a
//! manager approves); invitees accept an invite code.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use attend_protocol::ids::OrgId;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::platform::password;
use crate::platform::tokens::{human_code, normalise_code, token_hash};
use crate::http::AppState;
use crate::platform::error::{AppResult, Error};
use crate::platform::extract::{ApiJson, ApiPath, ClientIp};
use crate::http::session::AuthUser;
use crate::platform::validate::Check;
use crate::storage::{EmployeeStatus, InviteRole, NewEmployee, NewUser, Role, User, UserStatus};

use super::auth::{anonymous, ensure_not_locked, record_failure};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// The organisation's join code.
    pub join_code: String,
    pub email: String,
    pub password: String,
    pub display_name: String,
    pub employee_number: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInviteRequest {
    pub code: String,
    pub email: String,
    pub password: String,
    pub display_name: String,
}

#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = User, description = "registered; pending until a manager approves"), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> AppResult<(StatusCode, Json<User>)> {
    Check::default()
        .email("email", req.email.trim())
        .password("password", &req.password)
        .text("display_name", &req.display_name, 1, 120)
        .text("employee_number", &req.employee_number, 1, 32)
        .finish()?;
    let key = ip.clone().unwrap_or_else(|| "unknown".into());
    let now = Timestamp::now();
    ensure_not_locked(&state, "join_code", &key, now).await?;
    let org = match state
        .store
        .org_by_join_code(&normalise_code(&req.join_code))
        .await
    {
        Ok(org) => org,
        Err(crate::storage::StoreError::NotFound) => {
            record_failure(&state, "join_code", &key, now).await?;
            return Err(Error::field("join_code", "is not a valid join code"));
        }
        Err(e) => return Err(e.into()),
    };
    let hash = password::hash(req.password).await;
    let email = req.email.trim().to_owned();
    let employee = NewEmployee {
        org_id: org.id,
        employee_number: req.employee_number.trim().to_owned(),
        display_name: req.display_name.trim().to_owned(),
        email: Some(email.clone()),
        department_id: None,
        site_id: None,
        status: EmployeeStatus::Pending,
        consent: attend_protocol::roster::ConsentState::NotAsked,
        pin_hash: None,
    };
    let user = NewUser {
        org_id: Some(org.id),
        email,
        display_name: req.display_name.trim().to_owned(),
        password_hash: hash,
        role: Role::Employee,
        status: UserStatus::Pending,
        employee_id: None,
        departments: Vec::new(),
    };
    let user = state
        .store
        .register_employee(&anonymous(ip), employee, user)
        .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

#[utoipa::path(post, path = "/api/v1/auth/accept-invite", tag = "auth", request_body = AcceptInviteRequest,
    responses((status = 201, body = User), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn accept_invite(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<AcceptInviteRequest>,
) -> AppResult<(StatusCode, Json<User>)> {
    Check::default()
        .email("email", req.email.trim())
        .password("password", &req.password)
        .text("display_name", &req.display_name, 1, 120)
        .finish()?;
    let hash = password::hash(req.password).await;
    let code = token_hash(&normalise_code(&req.code));
    match state
        .store
        .accept_invite(
            &anonymous(ip),
            &code,
            Timestamp::now(),
            req.email.trim(),
            req.display_name.trim(),
            &hash,
        )
        .await
    {
        Ok(user) => Ok((StatusCode::CREATED, Json(user))),
        Err(crate::storage::StoreError::NotFound) => {
            Err(Error::field("code", "is invalid, used or expired"))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvite {
    /// `org_admin` or `manager`. Support may only invite `org_admin`.
    pub role: InviteRole,
    /// If given, only this address may accept.
    pub email: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InviteCode {
    /// Shown once; hand it to the invitee.
    pub code: String,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
}

#[utoipa::path(post, path = "/api/v1/organisations/{id}/invites", tag = "organisations", security(("bearer" = [])), request_body = NewInvite,
    responses((status = 201, body = InviteCode)))]
pub async fn create_invite(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<OrgId>,
    ApiJson(req): ApiJson<NewInvite>,
) -> AppResult<(StatusCode, Json<InviteCode>)> {
    caller.require(&[Role::SuperAdmin, Role::Support, Role::OrgAdmin])?;
    if caller.user.role == Role::Support && req.role != InviteRole::OrgAdmin {
        return Err(Error::field(
            "role",
            "support may only invite organisation admins",
        ));
    }
    if let Some(email) = &req.email {
        Check::default().email("email", email.trim()).finish()?;
    }
    let org = state.store.get_org(caller.scope(), id).await?;
    let code = human_code();
    let expires_at = Timestamp::now() + SignedDuration::from_secs(state.settings.auth.invite_ttl_s);
    let email = req.email.as_deref().map(str::trim);
    state
        .store
        .create_invite(
            &caller.audit(),
            org.id,
            req.role,
            email,
            &token_hash(&normalise_code(&code)),
            caller.user.id,
            expires_at,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(InviteCode { code, expires_at })))
}

