//! The second factor's JSON routes: the code step of a sign-in, one's own authenticator (status,
//! setup, confirmation, turning it off), and an administrator's reset of someone else's.
//! The answers every route of its shape can give (400, 401, 415, 408, 429, 503) are added to
//! the document by `platform::contract`; these attributes list what is particular to each.

use attend_protocol::error::ErrorBody;
use attend_protocol::ids::UserId;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::second_factor::{
    DisableTotpRequest, RecoveryCodes, TotpCode, TotpLoginRequest, TotpSetup, TotpStatus,
};
use super::service::TokenResponse;
use crate::access::Caller;
use crate::app::state::AppState;
use crate::platform::error::AppResult;
use crate::platform::extract::{ApiJson, ApiPath, ClientIp};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login_totp))
        .routes(routes!(totp_status))
        .routes(routes!(setup_totp))
        .routes(routes!(confirm_totp))
        .routes(routes!(disable_totp))
        .routes(routes!(reset_totp))
}

/// The code step of a sign-in: the password step's challenge and a code from the authenticator
/// app (or an unused recovery code). Wrong codes count toward the sign-in lockout.
#[utoipa::path(post, path = "/api/v1/auth/login/totp", tag = "auth", request_body = TotpLoginRequest,
    responses((status = 200, body = TokenResponse, description = "signed in"),
              (status = 401, body = ErrorBody, description = "the challenge expired or is not valid, or the code is wrong or was used already"),
              (status = 403, body = ErrorBody, description = "the account is not active"),
              (status = 422, body = ErrorBody, description = "a field is missing, too long or unknown"),
              (status = 429, body = ErrorBody, description = "`locked_out` after repeated failures, with `Retry-After`")))]
pub async fn login_totp(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<TotpLoginRequest>,
) -> AppResult<Json<TokenResponse>> {
    Ok(Json(app.auth.login_totp(ip, req).await?))
}

#[utoipa::path(get, path = "/api/v1/auth/totp", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = TotpStatus),
              (status = 401, body = ErrorBody, description = "no valid bearer token")))]
pub async fn totp_status(
    State(app): State<AppState>,
    caller: Caller,
) -> AppResult<Json<TotpStatus>> {
    Ok(Json(app.auth.totp_status(&caller).await?))
}

/// Starts (or starts over) setting up an authenticator app. The secret is answered this once;
/// nothing changes at sign-in until a first code confirms it.
#[utoipa::path(post, path = "/api/v1/auth/totp/setup", tag = "auth", security(("bearer" = [])),
    responses((status = 201, body = TotpSetup, description = "a new secret, shown once"),
              (status = 403, body = ErrorBody, description = "only accounts that can approve have a second factor"),
              (status = 409, body = ErrorBody, description = "a second factor is on already: turn it off first")))]
pub async fn setup_totp(
    State(app): State<AppState>,
    caller: Caller,
) -> AppResult<(StatusCode, Json<TotpSetup>)> {
    Ok((
        StatusCode::CREATED,
        Json(app.auth.setup_totp(&caller).await?),
    ))
}

/// Turns the second factor on with a first code; answers the recovery codes, shown once.
#[utoipa::path(post, path = "/api/v1/auth/totp/confirm", tag = "auth", security(("bearer" = [])), request_body = TotpCode,
    responses((status = 200, body = RecoveryCodes, description = "on: sign-in asks for a code from now on"),
              (status = 403, body = ErrorBody, description = "only accounts that can approve have a second factor"),
              (status = 409, body = ErrorBody, description = "no setup in progress, or the second factor is on already"),
              (status = 422, body = ErrorBody, description = "the code is not what the app shows now"),
              (status = 429, body = ErrorBody, description = "`locked_out` after repeated wrong codes")))]
pub async fn confirm_totp(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<TotpCode>,
) -> AppResult<Json<RecoveryCodes>> {
    Ok(Json(app.auth.confirm_totp(&caller, req).await?))
}

/// Turns one's own second factor off, with the password and a code (or a recovery code).
#[utoipa::path(post, path = "/api/v1/auth/totp/disable", tag = "auth", security(("bearer" = [])), request_body = DisableTotpRequest,
    responses((status = 204, description = "off: sign-in asks for the password only"),
              (status = 403, body = ErrorBody, description = "`totp_required`: the organisation requires a second factor that is not set up"),
              (status = 422, body = ErrorBody, description = "the password or the code is not correct"),
              (status = 429, body = ErrorBody, description = "`locked_out` after repeated failures"),
              (status = 503, body = ErrorBody, description = "`busy`: password checking has no free slot; retry")))]
pub async fn disable_totp(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<DisableTotpRequest>,
) -> AppResult<StatusCode> {
    app.auth.disable_totp(&caller, req).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Turns off the second factor of an account the caller may manage (a lost phone). Audited.
#[utoipa::path(delete, path = "/api/v1/users/{id}/totp", tag = "people", security(("bearer" = [])),
    params(("id" = String, Path, description = "an account")),
    responses((status = 204, description = "off: the account signs in with its password (and sets a new one up if its organisation requires it)"),
              (status = 403, body = ErrorBody, description = "not an account the caller may manage, or the caller's own"),
              (status = 404, body = ErrorBody, description = "no such account in the caller's scope"),
              (status = 409, body = ErrorBody, description = "the account has no second factor")))]
pub async fn reset_totp(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
) -> AppResult<StatusCode> {
    app.auth.reset_totp(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
