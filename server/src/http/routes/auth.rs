//! Login, refresh rotation, logout, password change and reset, self-registration, invites.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::password;
use crate::auth::tokens::{Claims, normalise_code, random_token, token_hash};
use crate::http::error::{ApiResult, Error};
use crate::http::extract::{ApiJson, Check, ClientIp};
use crate::http::session::AuthUser;
use crate::http::{AppState, request_id};
use crate::storage::{
    Actor, AuditCtx, EmployeeStatus, NewEmployee, NewUser, RefreshOutcome, Role, User, UserStatus,
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    /// Seconds until `access_token` expires.
    pub expires_in: i64,
    /// Single use: each refresh returns a new one and retires this one.
    pub refresh_token: String,
    pub user: User,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub email: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Accepted {
    pub status: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirm {
    pub token: String,
    pub new_password: String,
}

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

fn anonymous(ip: Option<String>) -> AuditCtx {
    AuditCtx {
        actor: Actor::Anonymous,
        ip,
        request_id: Some(request_id::current()),
    }
}

fn issue_tokens(
    state: &AppState,
    user: User,
    session_id: String,
    refresh_token: String,
) -> ApiResult<TokenResponse> {
    let now = Timestamp::now().as_second();
    let ttl = state.settings.auth.access_token_ttl_s;
    let claims = Claims {
        sub: user.id,
        sid: session_id,
        role: user.role,
        org: user.org_id,
        iat: now,
        exp: now + ttl,
    };
    let access_token = state
        .jwt
        .issue(&claims)
        .map_err(|e| Error::Internal(e.into()))?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: ttl,
        refresh_token,
        user,
    })
}

fn lockout_error(until: Timestamp) -> Error {
    Error::TooManyRequests {
        code: "locked_out",
        message: "too many failed attempts: try again later",
        retry_after_s: until.duration_since(Timestamp::now()).as_secs().max(1) as u64,
    }
}

fn secs(s: i64) -> SignedDuration {
    SignedDuration::from_secs(s)
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = attend_protocol::error::ErrorBody),
              (status = 429, description = "locked out after repeated failures")))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Json<TokenResponse>> {
    Check::default()
        .text("email", &req.email, 3, 254)
        .text("password", &req.password, 1, 256)
        .finish()?;
    let key = req.email.trim().to_lowercase();
    let now = Timestamp::now();
    if let Some(until) = state
        .store
        .throttle_locked_until("login", &key, now)
        .await?
    {
        return Err(lockout_error(until));
    }
    let creds = state.store.credentials_by_email(&key).await?;
    let ok = password::verify(
        req.password.clone(),
        creds.as_ref().map(|c| c.password_hash.clone()),
    )
    .await;
    let Some(creds) = creds.filter(|_| ok) else {
        let a = &state.settings.auth;
        state
            .store
            .throttle_failure(
                "login",
                &key,
                now,
                a.max_failures,
                secs(a.failure_window_s),
                secs(a.lockout_s),
            )
            .await?;
        return Err(Error::Unauthorized("invalid e-mail or password"));
    };
    match creds.user.status {
        UserStatus::Active => {}
        UserStatus::Pending => {
            return Err(Error::ForbiddenBecause(
                "this account is waiting for a manager's approval",
            ));
        }
        UserStatus::Disabled => return Err(Error::ForbiddenBecause("this account is disabled")),
    }
    state.store.throttle_clear("login", &key).await?;
    let refresh = random_token(32);
    let expires = now + secs(state.settings.auth.refresh_token_ttl_s);
    let ctx = AuditCtx {
        actor: Actor::User {
            id: creds.user.id,
            org: creds.user.org_id,
        },
        ..anonymous(ip)
    };
    let session = state
        .store
        .create_session(&ctx, creds.user.id, &token_hash(&refresh), expires)
        .await?;
    Ok(Json(
        issue_tokens(&state, creds.user, session, refresh)?,
    ))
}

#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = attend_protocol::error::ErrorBody)))]
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let now = Timestamp::now();
    let next = random_token(32);
    let expires = now + secs(state.settings.auth.refresh_token_ttl_s);
    match state
        .store
        .rotate_refresh(
            &token_hash(&req.refresh_token),
            &token_hash(&next),
            expires,
            now,
        )
        .await?
    {
        RefreshOutcome::Rotated {
            user_id,
            session_id,
        } => {
            let creds = state.store.credentials_by_id(user_id).await?;
            Ok(Json(
                issue_tokens(&state, creds.user, session_id, next)?,
            ))
        }
        RefreshOutcome::Reused => Err(Error::Unauthorized(
            "refresh token was already used; the session has been ended",
        )),
        RefreshOutcome::Invalid => Err(Error::Unauthorized("invalid or expired refresh token")),
    }
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "session ended"), (status = 401, body = attend_protocol::error::ErrorBody)))]
pub async fn logout(State(state): State<AppState>, caller: AuthUser) -> ApiResult<StatusCode> {
    state
        .store
        .revoke_session(&caller.audit(), &caller.session_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])), responses((status = 200, body = User)))]
pub async fn me(caller: AuthUser) -> Json<User> {
    Json(caller.user)
}

#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", security(("bearer" = [])), request_body = ChangePasswordRequest,
    responses((status = 204, description = "changed; other sessions ended"), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> ApiResult<StatusCode> {
    Check::default()
        .password("new_password", &req.new_password)
        .finish()?;
    let creds = state.store.credentials_by_id(caller.user.id).await?;
    if !password::verify(req.current_password, Some(creds.password_hash)).await {
        return Err(Error::field("current_password", "is not correct"));
    }
    let hash = password::hash(req.new_password).await;
    state
        .store
        .set_password(
            &caller.audit(),
            caller.user.id,
            &hash,
            Some(&caller.session_id),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Always answers 202 at once; the lookup, token and e-mail happen in the background so the
/// answer and its timing are the same whether or not the account exists.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth", request_body = ResetRequest,
    responses((status = 202, body = Accepted)))]
pub async fn request_reset(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<ResetRequest>,
) -> ApiResult<(StatusCode, Json<Accepted>)> {
    Check::default().email("email", req.email.trim()).finish()?;
    let email = req.email.trim().to_lowercase();
    tokio::spawn(async move {
        if let Err(error) = send_reset(&state, &email).await {
            tracing::error!(%error, "password reset request failed");
        }
    });
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            status: "if that account exists, a reset e-mail is on its way".into(),
        }),
    ))
}

async fn send_reset(state: &AppState, email: &str) -> Result<(), crate::storage::StoreError> {
    let now = Timestamp::now();
    let a = &state.settings.auth;
    // Per-address cap on reset mails, so the endpoint cannot be used to flood an inbox.
    if state
        .store
        .throttle_locked_until("reset_request", email, now)
        .await?
        .is_some()
    {
        return Ok(());
    }
    state
        .store
        .throttle_failure(
            "reset_request",
            email,
            now,
            a.max_failures,
            secs(3600),
            secs(3600),
        )
        .await?;
    let token = random_token(32);
    let link = format!(
        "{}/reset-password?token={token}",
        state.settings.public_url.trim_end_matches('/')
    );
    let body = format!(
        "Someone asked to reset the password of your Attend account.\n\nReset it here within the hour: {link}\nReset token: {token}\n\nIf it was not you, ignore this e-mail."
    );
    state
        .store
        .create_password_reset(
            email,
            &token_hash(&token),
            now + secs(a.reset_token_ttl_s),
            "Reset your Attend password",
            &body,
        )
        .await?;
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "auth", request_body = ResetConfirm,
    responses((status = 204, description = "password set; every session ended"), (status = 422, body = attend_protocol::error::ErrorBody),
              (status = 429, description = "locked out after repeated failures")))]
pub async fn confirm_reset(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<ResetConfirm>,
) -> ApiResult<StatusCode> {
    Check::default()
        .password("new_password", &req.new_password)
        .finish()?;
    let key = ip.unwrap_or_else(|| "unknown".into());
    let now = Timestamp::now();
    if let Some(until) = state
        .store
        .throttle_locked_until("reset_confirm", &key, now)
        .await?
    {
        return Err(lockout_error(until));
    }
    let hash = password::hash(req.new_password).await;
    match state
        .store
        .consume_password_reset(&token_hash(req.token.trim()), &hash, now)
        .await
    {
        Ok(_) => Ok(StatusCode::NO_CONTENT),
        Err(crate::storage::StoreError::NotFound) => {
            let a = &state.settings.auth;
            state
                .store
                .throttle_failure(
                    "reset_confirm",
                    &key,
                    now,
                    a.max_failures,
                    secs(a.failure_window_s),
                    secs(a.lockout_s),
                )
                .await?;
            Err(Error::field("token", "is invalid, used or expired"))
        }
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = User, description = "registered; pending until a manager approves"), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<User>)> {
    Check::default()
        .email("email", req.email.trim())
        .password("password", &req.password)
        .text("display_name", &req.display_name, 1, 120)
        .text("employee_number", &req.employee_number, 1, 32)
        .finish()?;
    let key = ip.clone().unwrap_or_else(|| "unknown".into());
    let now = Timestamp::now();
    if let Some(until) = state
        .store
        .throttle_locked_until("join_code", &key, now)
        .await?
    {
        return Err(lockout_error(until));
    }
    let org = match state
        .store
        .org_by_join_code(&normalise_code(&req.join_code))
        .await
    {
        Ok(org) => org,
        Err(crate::storage::StoreError::NotFound) => {
            let a = &state.settings.auth;
            state
                .store
                .throttle_failure(
                    "join_code",
                    &key,
                    now,
                    a.max_failures,
                    secs(a.failure_window_s),
                    secs(a.lockout_s),
                )
                .await?;
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
) -> ApiResult<(StatusCode, Json<User>)> {
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
