//! Signed device requests. The extractor checks, in order: the device exists and is active,
//! the body fits, the HMAC signature and timestamp verify, and the nonce is fresh. Only then
//! does a handler see the body, so forged or replayed requests write nothing.

use attend_protocol::signing::{
    self, DeviceSecret, HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP,
    SignatureError, SignedRequest,
};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Request};
use jiff::Timestamp;

use crate::app::AppState;
use crate::platform::error::Error;
use crate::platform::extract::ClientIp;
use crate::storage::{DeviceAuth, DeviceStatus};

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

        let device = state
            .store
            .device_auth(device_id)
            .await?
            .ok_or(Error::Unauthorized("unknown device"))?;
        match device.status {
            DeviceStatus::Active => {}
            DeviceStatus::Disabled => {
                return Err(Error::ForbiddenBecause("this device has been disabled"));
            }
            DeviceStatus::Unprovisioned => return Err(Error::Unauthorized("unknown device")),
        }
        let (mut parts, body) = req.into_parts();
        let ClientIp(ip) = ClientIp::from_request_parts(&mut parts, state)
            .await
            .unwrap_or(ClientIp(None));
        let limit = state.settings.sync.max_body_bytes;
        let body = axum::body::to_bytes(body, limit)
            .await
            .map_err(|_| Error::PayloadTooLarge { limit })?;

        let secret =
            DeviceSecret::from_base64(&device.secret).map_err(|e| Error::Internal(e.into()))?;
        let now = Timestamp::now();
        let signed = SignedRequest {
            method: &method,
            path: &path,
            query: &query,
            timestamp,
            nonce: &nonce,
            body: &body,
        };
        signing::verify(
            &secret,
            &signed,
            &signature,
            now.as_second(),
            state.settings.sync.skew_window_s,
        )
        .map_err(|e| match e {
            SignatureError::Stale { .. } => {
                Error::Unauthorized("request timestamp is outside the allowed clock skew")
            }
            SignatureError::BadNonce => Error::Unauthorized("malformed nonce"),
            _ => Error::Unauthorized("bad request signature"),
        })?;
        let fresh = state
            .store
            .remember_nonce(
                device.id,
                &nonce,
                now,
                state.settings.sync.skew_window_s,
                ip.as_deref(),
            )
            .await?;
        if !fresh {
            return Err(Error::Unauthorized("nonce already used (replayed request)"));
        }
        Ok(Self { device, body })
    }
}
