//! Every request is answered within `http.request_timeout_s`, reading its body included (body
//! extractors run inside the handler), or gets 408 `timeout`. A slow upload can therefore not
//! hold a connection and its buffers for ever. Streams (the live board) are not cut: the
//! deadline ends when the response starts, not when its body ends.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::Error;

pub async fn middleware(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => Error::RequestTimeout.into_response(),
    }
}
