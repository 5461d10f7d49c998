//! The API's caller: a bearer JWT, verified, whose session and user are then checked in the
//! store on every request (see [`super::AuthService::authenticate`]).

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::access::Caller;
use crate::app::state::AppState;
use crate::platform::error::Error;
use crate::platform::extract::ClientIp;

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let token = bearer(parts)
            .ok_or(Error::Unauthorized("missing bearer token"))?
            .to_owned();
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state)
            .await
            .unwrap_or(ClientIp(None));
        state.auth.authenticate(&token, ip).await
    }
}
