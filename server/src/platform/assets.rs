//! Static stylesheets and scripts, served from the binary. Pages carry no inline script or
//! style, so the Content-Security-Policy ([`super::headers`]) can forbid inline code outright.

use axum::http::header;
use axum::response::{IntoResponse, Response};

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

pub fn css(body: &'static str) -> Response {
    asset("text/css; charset=utf-8", body)
}

pub fn js(body: &'static str) -> Response {
    asset("text/javascript; charset=utf-8", body)
}
