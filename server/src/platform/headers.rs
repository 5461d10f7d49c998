//! Security headers on every response:
//!
//! - `Content-Security-Policy`: scripts, styles, images and connections from this server only,
//!   no inline code (pages load theirs from [`super::assets`]), no plugins, no framing
//!   (`frame-ancestors 'none'`), forms post only here;
//! - `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`
//!   (for browsers without `frame-ancestors`);
//! - `Strict-Transport-Security` when `public_url` is https (the server is then reached
//!   through TLS, so browsers may insist on it).

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Whether to send HSTS.
#[derive(Clone, Copy, Debug)]
pub struct Hsts(pub bool);

pub async fn middleware(State(Hsts(hsts)): State<Hsts>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    };
    set(headers, header::CONTENT_SECURITY_POLICY, CSP);
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    if hsts {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    response
}
