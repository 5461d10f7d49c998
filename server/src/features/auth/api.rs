//! The auth JSON API: sign-in, token refresh, sign-out, the current account, password change
//! and reset, self-registration, and invites.

use attend_protocol::ids::OrgId;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::joining::{AcceptInviteRequest, InviteCode, InviteRequest, RegisterRequest};
use super::reset::{Accepted, ResetConfirm, ResetRequest};
use super::second_factor::TotpChallenge;
use super::service::{ChangePasswordRequest, LoginRequest, RefreshRequest, SignIn, TokenResponse};
use crate::access::Caller;
use crate::app::state::AppState;
use crate::features::people::User;
use crate::platform::error::AppResult;
use crate::platform::extract::{ApiJson, ApiPath, ClientIp};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(change_password))
        .routes(routes!(request_reset))
        .routes(routes!(confirm_reset))
        .routes(routes!(register))
        .routes(routes!(accept_invite))
        .routes(routes!(create_invite))
}

/// The password step. An account with a second factor gets no tokens here but a challenge
/// (202) to send with a code to `POST /api/v1/auth/login/totp`.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse, description = "signed in"),
              (status = 202, body = TotpChallenge, description = "the password is right and the account has a second factor: finish at /api/v1/auth/login/totp"),
              (status = 400, body = attend_protocol::error::ErrorBody, description = "the body is not JSON"),
              (status = 401, body = attend_protocol::error::ErrorBody, description = "wrong e-mail or password"),
              (status = 403, body = attend_protocol::error::ErrorBody, description = "the account is waiting for approval or disabled"),
              (status = 415, body = attend_protocol::error::ErrorBody, description = "the body is not `application/json`"),
              (status = 422, body = attend_protocol::error::ErrorBody, description = "a field is missing, too long or unknown"),
              (status = 429, body = attend_protocol::error::ErrorBody, description = "`locked_out` after repeated failures, with `Retry-After`"),
              (status = 503, body = attend_protocol::error::ErrorBody, description = "`busy`: password checking has no free slot; retry")))]
pub async fn login(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<LoginRequest>,
) -> AppResult<Response> {
    Ok(match app.auth.login(ip, req).await? {
        SignIn::Done(tokens) => Json(tokens).into_response(),
        SignIn::Code(challenge) => (StatusCode::ACCEPTED, Json(challenge)).into_response(),
    })
}

#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = attend_protocol::error::ErrorBody)))]
pub async fn refresh(
    State(app): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> AppResult<Json<TokenResponse>> {
    Ok(Json(app.auth.refresh(req).await?))
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "session ended"), (status = 401, body = attend_protocol::error::ErrorBody)))]
pub async fn logout(State(app): State<AppState>, caller: Caller) -> AppResult<StatusCode> {
    app.auth.logout(&caller).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])), responses((status = 200, body = User)))]
pub async fn me(State(app): State<AppState>, caller: Caller) -> AppResult<Json<User>> {
    Ok(Json(app.auth.me(&caller).await?))
}

#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", security(("bearer" = [])), request_body = ChangePasswordRequest,
    responses((status = 204, description = "changed; other sessions ended"), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn change_password(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> AppResult<StatusCode> {
    app.auth.change_password(&caller, req).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Always answers 202 at once, whether or not the account exists.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth", request_body = ResetRequest,
    responses((status = 202, body = Accepted)))]
pub async fn request_reset(
    State(app): State<AppState>,
    ApiJson(req): ApiJson<ResetRequest>,
) -> AppResult<(StatusCode, Json<Accepted>)> {
    Ok((StatusCode::ACCEPTED, Json(app.auth.request_reset(req)?)))
}

#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "auth", request_body = ResetConfirm,
    responses((status = 204, description = "password set; every session ended"), (status = 422, body = attend_protocol::error::ErrorBody),
              (status = 429, description = "locked out after repeated failures")))]
pub async fn confirm_reset(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<ResetConfirm>,
) -> AppResult<StatusCode> {
    app.auth.confirm_reset(ip, req).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 202, body = Accepted, description = "received: the same answer whether or not the address has an account (a new one is pending until a manager approves; an existing one is told by mail)"),
        (status = 409, body = attend_protocol::error::ErrorBody, description = "the employee number is taken"),
        (status = 422, body = attend_protocol::error::ErrorBody),
        (status = 429, body = attend_protocol::error::ErrorBody, description = "`registrations_full`: the organisation has too many registrations waiting for approval")))]
pub async fn register(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> AppResult<(StatusCode, Json<Accepted>)> {
    Ok((
        StatusCode::ACCEPTED,
        Json(app.auth.register(ip, req).await?),
    ))
}

#[utoipa::path(post, path = "/api/v1/auth/accept-invite", tag = "auth", request_body = AcceptInviteRequest,
    responses((status = 201, body = User), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn accept_invite(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<AcceptInviteRequest>,
) -> AppResult<(StatusCode, Json<User>)> {
    Ok((
        StatusCode::CREATED,
        Json(app.auth.accept_invite(ip, req).await?),
    ))
}

#[utoipa::path(post, path = "/api/v1/organisations/{id}/invites", tag = "organisations", security(("bearer" = [])), request_body = InviteRequest,
    responses((status = 201, body = InviteCode)))]
pub async fn create_invite(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrgId>,
    ApiJson(req): ApiJson<InviteRequest>,
) -> AppResult<(StatusCode, Json<InviteCode>)> {
    let invite = app.auth.create_invite(&caller, id, req).await?;
    Ok((StatusCode::CREATED, Json(invite)))
}
