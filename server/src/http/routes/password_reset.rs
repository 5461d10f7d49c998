//! Password reset: a request answered identically whether or not the account exists, and a
//! single-use token confirmation with a per-client lockout.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::platform::password;
use crate::platform::tokens::{random_token, token_hash};
use crate::http::AppState;
use crate::platform::error::{AppResult, Error};
use crate::platform::extract::{ApiJson, ClientIp};
use crate::platform::validate::Check;

use super::auth::{ensure_not_locked, record_failure, secs};

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

/// Always answers 202 at once; the lookup, token and e-mail happen in the background so the
/// answer and its timing are the same whether or not the account exists.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth", request_body = ResetRequest,
    responses((status = 202, body = Accepted)))]
pub async fn request_reset(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<ResetRequest>,
) -> AppResult<(StatusCode, Json<Accepted>)> {
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
) -> AppResult<StatusCode> {
    Check::default()
        .password("new_password", &req.new_password)
        .finish()?;
    let key = ip.unwrap_or_else(|| "unknown".into());
    let now = Timestamp::now();
    ensure_not_locked(&state, "reset_confirm", &key, now).await?;
    let hash = password::hash(req.new_password).await;
    match state
        .store
        .consume_password_reset(&token_hash(req.token.trim()), &hash, now)
        .await
    {
        Ok(_) => Ok(StatusCode::NO_CONTENT),
        Err(crate::storage::StoreError::NotFound) => {
            record_failure(&state, "reset_confirm", &key, now).await?;
            Err(Error::field("token", "is invalid, used or expired"))
        }
        Err(e) => Err(e.into()),
    }
}
