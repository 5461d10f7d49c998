//! Who a request counts against, and the tier middlewares.
//!
//! The key is `user:<id>` for a bearer token whose signature and expiry verify, `web:<…>` for a
//! dashboard cookie that carries the server's MAC ([`JwtKeys::session_key`]), and otherwise
//! `ip:<address>` ([`ClientAddr`]). Headers and cookie values that do not verify are ignored:
//! made-up values would give each request a fresh bucket. Signed kiosk requests pass
//! [`sync_address`] on their address and are counted by device inside the signature check.

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{RateLimits, Tier};
use crate::platform::client::ClientAddr;
use crate::platform::tokens::JwtKeys;

/// The address key of a request: its resolved client address.
pub fn address_key(request: &Request) -> String {
    let addr = request.extensions().get::<ClientAddr>().map(|a| a.0);
    match addr {
        Some(ip) => format!("ip:{ip}"),
        None => "ip:unknown".to_owned(),
    }
}

/// The key a request counts against in the general and heavy tiers.
pub fn client_key(jwt: &JwtKeys, request: &Request) -> String {
    let headers = request.headers();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        });
    if let Some(claims) = bearer.and_then(|t| jwt.verify(t.trim())) {
        return format!("user:{}", claims.sub);
    }
    let cookie = axum_extra::extract::cookie::CookieJar::from_headers(headers)
        .get(crate::platform::SESSION_COOKIE)
        .and_then(|c| jwt.session_key(c.value()));
    if let Some(session) = cookie {
        return format!("web:{session}");
    }
    address_key(request)
}

async fn limit(state: &RateLimits, tier: Tier, request: Request, next: Next) -> Response {
    let key = client_key(&state.jwt, &request);
    match state.limiter.admit(tier, &key).await {
        Ok(()) => next.run(request).await,
        Err(e) => {
            tracing::warn!(client = %key, tier = tier.as_str(), "rate limited");
            e.into_response()
        }
    }
}

pub async fn general(State(state): State<RateLimits>, request: Request, next: Next) -> Response {
    limit(&state, Tier::General, request, next).await
}

pub async fn heavy(State(state): State<RateLimits>, request: Request, next: Next) -> Response {
    limit(&state, Tier::Heavy, request, next).await
}

/// Marks a signed kiosk request from an address blocked (in the sync tier) for failing its
/// checks again and again.
#[derive(Clone, Copy, Debug)]
pub struct AddressBlocked;

/// The signed kiosk routes, before the signature is checked. A kiosk's own budget is counted
/// once it has proved who it is; here a request from an address blocked for bad signatures is
/// only marked, not refused: kiosks behind the same address (one NAT) must keep syncing, so the
/// signed-body check reads at most a small body from such an address instead.
pub async fn sync_address(
    State(state): State<RateLimits>,
    mut request: Request,
    next: Next,
) -> Response {
    if state
        .limiter
        .blocked(Tier::Sync, &address_key(&request))
        .is_err()
    {
        request.extensions_mut().insert(AddressBlocked);
    }
    next.run(request).await
}
