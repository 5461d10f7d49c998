//! Login, refresh-token rotation, logout, the current user, and password change.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::platform::password;
use crate::platform::tokens::{Claims, random_token, token_hash};
use crate::platform::error::{AppResult, Error};
use crate::platform::extract::{ApiJson, ClientIp};
use crate::platform::validate::Check;
use crate::http::session::AuthUser;
use crate::http::AppState;
use crate::platform::request_id;
use crate::storage::{Actor, AuditCtx, RefreshOutcome, User, UserStatus};

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

pub(crate) fn anonymous(ip: Option<String>) -> AuditCtx {
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
) -> AppResult<TokenResponse> {
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

pub(crate) fn lockout_error(until: Timestamp) -> Error {
    Error::TooManyRequests {
        code: "locked_out",
        message: "too many failed attempts: try again later",
        retry_after_s: until.duration_since(Timestamp::now()).as_secs().max(1) as u64,
    }
}

/// Refuses with 429 while `(kind, key)` is locked out after repeated failures.
pub(crate) async fn ensure_not_locked(
    state: &AppState,
    kind: &str,
    key: &str,
    now: Timestamp,
) -> AppResult<()> {
    match state.store.throttle_locked_until(kind, key, now).await? {
        Some(until) => Err(lockout_error(until)),
        None => Ok(()),
    }
}

/// Counts one failed attempt against `(kind, key)` with the configured lockout policy.
pub(crate) async fn record_failure(
    state: &AppState,
    kind: &str,
    key: &str,
    now: Timestamp,
) -> AppResult<()> {
    let a = &state.settings.auth;
    let (window, lock) = (secs(a.failure_window_s), secs(a.lockout_s));
    state
        .store
        .throttle_failure(kind, key, now, a.max_failures, window, lock)
        .await?;
    Ok(())
}

pub(crate) fn secs(s: i64) -> SignedDuration {
    SignedDuration::from_secs(s)
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = attend_protocol::error::ErrorBody),
              (status = 429, description = "locked out after repeated failures")))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<LoginRequest>,
) -> AppResult<Json<TokenResponse>> {
    Check::default()
        .text("email", &req.email, 3, 254)
        .text("password", &req.password, 1, 256)
        .finish()?;
    let key = req.email.trim().to_lowercase();
    let now = Timestamp::now();
    ensure_not_locked(&state, "login", &key, now).await?;
    let creds = state.store.credentials_by_email(&key).await?;
    let ok = password::verify(
        req.password.clone(),
        creds.as_ref().map(|c| c.password_hash.clone()),
    )
    .await;
    let Some(creds) = creds.filter(|_| ok) else {
        record_failure(&state, "login", &key, now).await?;
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
    Ok(Json(issue_tokens(&state, creds.user, session, refresh)?))
}

#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = attend_protocol::error::ErrorBody)))]
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> AppResult<Json<TokenResponse>> {
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
            Ok(Json(issue_tokens(&state, creds.user, session_id, next)?))
        }
        RefreshOutcome::Reused => Err(Error::Unauthorized(
            "refresh token was already used; the session has been ended",
        )),
        RefreshOutcome::Invalid => Err(Error::Unauthorized("invalid or expired refresh token")),
    }
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "session ended"), (status = 401, body = attend_protocol::error::ErrorBody)))]
pub async fn logout(State(state): State<AppState>, caller: AuthUser) -> AppResult<StatusCode> {
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
) -> AppResult<StatusCode> {
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
