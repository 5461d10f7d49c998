//! Signed kiosk requests. The extractor checks, in order: the device exists and is active,
//! the body fits, the HMAC signature and timestamp verify, and the nonce is fresh (the checks
//! are the devices service's). Only then does a handler see the body, so forged or replayed
//! requests write nothing.
//!
//! Every answer on the signed routes, refusals included, names this server's version in
//! `x-attend-server` ([`stamp_server_version`]): a kiosk tries the events this server refused
//! again when that changes.

use attend_protocol::HEADER_SERVER_VERSION;
use attend_protocol::signing::{HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Request};
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;

use super::DeviceAuth;
use super::service::SignedParts;
use crate::app::state::AppState;
use crate::platform::error::Error;
use crate::platform::extract::ClientIp;

/// Adds `x-attend-server: <version>` to an answer; a layer on each feature's signed routes.
pub async fn stamp_server_version(mut response: Response) -> Response {
    response.headers_mut().insert(
        HeaderName::from_static(HEADER_SERVER_VERSION),
        HeaderValue::from_static(env!("CARGO_PKG_VERSION")),
    );
    response
}

/// A verified device and the exact body it signed.
#[derive(Debug)]
pub struct SignedBody {
    pub device: DeviceAuth,
    pub body: Bytes,
}

fn header<'a>(req: &'a Request, name: &str) -> Result<&'a str, Error> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or(Error::Unauthorized("missing request signature headers"))
}

impl FromRequest<AppState> for SignedBody {
    type Rejection = Error;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Error> {
        let device_id = header(&req, HEADER_DEVICE)?
            .parse()
            .map_err(|_| Error::Unauthorized("unknown device"))?;
        let timestamp: i64 = header(&req, HEADER_TIMESTAMP)?
            .parse()
            .map_err(|_| Error::Unauthorized("bad request timestamp"))?;
        let nonce = header(&req, HEADER_NONCE)?.to_owned();
        let signature = header(&req, HEADER_SIGNATURE)?.to_owned();
        // The signature covers the full path; nested routers strip their prefix from `uri()`.
        let uri = req
            .extensions()
            .get::<OriginalUri>()
            .map_or_else(|| req.uri().clone(), |o| o.0.clone());
        let (method, path, query) = (
            req.method().to_string(),
            uri.path().to_owned(),
            uri.query().unwrap_or_default().to_owned(),
        );

        let device = state.devices.signer(device_id).await?;
        let (mut parts, body) = req.into_parts();
        let ClientIp(ip) = ClientIp::from_request_parts(&mut parts, state)
            .await
            .unwrap_or(ClientIp(None));
        let limit = state.settings.sync.max_body_bytes;
        let body = axum::body::to_bytes(body, limit)
            .await
            .map_err(|_| Error::PayloadTooLarge { limit })?;

        let parts = SignedParts {
            timestamp,
            nonce: &nonce,
            signature: &signature,
            method: &method,
            path: &path,
            query: &query,
            body: &body,
            ip: ip.as_deref(),
        };
        state.devices.verify(&device, parts).await?;
        Ok(Self { device, body })
    }
}
