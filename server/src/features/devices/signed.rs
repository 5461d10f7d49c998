//! Signed kiosk requests. The extractor checks, cheapest first: the headers are all there, the
//! timestamp is inside the skew window, the declared body fits, the device exists; then it
//! reads the body, and the HMAC signature, the device's state and the nonce must verify (the
//! devices service's checks). Only then does a handler see the body, so forged or replayed
//! requests write nothing.
//!
//! The nonce is read with the device (a known replay is refused before its body is read or any
//! budget spent) and spent by a write: [`SignedBody`] spends it at once; [`SignedBatch`] leaves
//! it to the request's own write transaction, so a kiosk's push takes two database trips (the
//! device, then the batch) instead of three. Copies racing past the read are refused by the
//! write: the nonce's insert comes first and a duplicate stores nothing.
//!
//! Rate limits: a request that fails a check counts against its address in the sync tier (an
//! address that keeps failing is blocked); one that verifies counts against its device. No
//! device's budget is spent, or blocked, by requests that merely name it.
//!
//! Every answer on the signed routes, refusals included, names this server's version in
//! `x-attend-server` ([`stamp_server_version`]): a kiosk tries the events this server refused
//! again when that changes.

use attend_protocol::HEADER_SERVER_VERSION;
use attend_protocol::signing::{HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Request};
use axum::http::header::CONTENT_LENGTH;
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;

use super::DeviceAuth;
use super::service::SignedParts;
use super::store::NonceUse;
use crate::app::state::AppState;
use crate::platform::error::Error;
use crate::platform::extract::ClientIp;
use crate::platform::rate_limit::keys::AddressBlocked;
use crate::platform::rate_limit::{self, Tier};

/// The largest body read from an address blocked for bad signatures.
const BLOCKED_BODY_LIMIT: usize = 64 * 1024;

/// Adds `x-attend-server: <version>` to an answer; a layer on each feature's signed routes.
pub async fn stamp_server_version(mut response: Response) -> Response {
    response.headers_mut().insert(
        HeaderName::from_static(HEADER_SERVER_VERSION),
        HeaderValue::from_static(env!("CARGO_PKG_VERSION")),
    );
    response
}

/// A verified device and the exact body it signed; its nonce is spent (a roster pull: the
/// request writes nothing else).
#[derive(Debug)]
pub struct SignedBody {
    pub device: DeviceAuth,
    pub body: Bytes,
}

/// A verified device and the exact body it signed, whose nonce is left for the request's own
/// write to spend in its transaction ([`super::service::DeviceService::ingest`]): one database trip fewer on
/// the kiosk's busiest route. A replay that races past the first check is refused there.
#[derive(Debug)]
pub struct SignedBatch {
    pub device: DeviceAuth,
    pub body: Bytes,
    pub nonce: NonceUse,
    /// The rate-limit key of the address it came from, for [`Self::spending`].
    address: String,
}

/// What [`check`] proved: the signature verifies and the nonce was not seen when it looked.
struct Verified {
    device: DeviceAuth,
    body: Bytes,
    nonce: NonceUse,
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
        let address = rate_limit::keys::address_key(&req);
        let verified = match check(req, state, &address).await {
            Ok(v) => state
                .devices
                .remember_nonce(&v.device, &v.nonce)
                .await
                .map(|()| v),
            Err(e) => Err(e),
        };
        let v = admitted(state, &address, verified).await?;
        Ok(SignedBody {
            device: v.device,
            body: v.body,
        })
    }
}

impl FromRequest<AppState> for SignedBatch {
    type Rejection = Error;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Error> {
        let address = rate_limit::keys::address_key(&req);
        let verified = check(req, state, &address).await;
        let v = admitted(state, &address, verified).await?;
        Ok(SignedBatch {
            device: v.device,
            body: v.body,
            nonce: v.nonce,
            address,
        })
    }
}

impl SignedBatch {
    /// Awaits the write that spends this request's nonce; a replay caught there counts against
    /// its address like one caught on the first check.
    pub async fn spending<T>(
        &self,
        state: &AppState,
        write: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        let result = write.await;
        if matches!(result, Err(Error::Unauthorized(_))) {
            state.limits.limiter.strike(Tier::Sync, &self.address).await;
        }
        result
    }
}

/// A verified request counts against its device; one that failed a check counts against its
/// address (an address that keeps failing is blocked).
async fn admitted(
    state: &AppState,
    address: &str,
    verified: Result<Verified, Error>,
) -> Result<Verified, Error> {
    let limiter = &state.limits.limiter;
    match verified {
        Ok(v) => {
            limiter
                .admit(Tier::Sync, &format!("device:{}", v.device.id))
                .await?;
            Ok(v)
        }
        Err(e) => {
            if matches!(e, Error::Unauthorized(_)) {
                limiter.strike(Tier::Sync, address).await;
            }
            Err(e)
        }
    }
}

async fn check(req: Request, state: &AppState, address: &str) -> Result<Verified, Error> {
    let device_id = header(&req, HEADER_DEVICE)?
        .parse()
        .map_err(|_| Error::Unauthorized("unknown device"))?;
    let timestamp: i64 = header(&req, HEADER_TIMESTAMP)?
        .parse()
        .map_err(|_| Error::Unauthorized("bad request timestamp"))?;
    let nonce = header(&req, HEADER_NONCE)?.to_owned();
    let signature = header(&req, HEADER_SIGNATURE)?.to_owned();
    // Cheap refusals before any database trip or body read (the signature check repeats the
    // skew check on the signed value).
    // `abs_diff`: any i64 a client sends, however far off, neither overflows nor wraps.
    let skew = jiff::Timestamp::now().as_second().abs_diff(timestamp);
    if skew > state.settings.sync.skew_window_s.unsigned_abs() {
        return Err(Error::Unauthorized(
            "request timestamp is outside the allowed clock skew",
        ));
    }
    // From an address blocked for bad signatures, only a small body is read: a kiosk behind
    // that address still pulls and sends heartbeats, a bigger batch waits for the block to end.
    let throttled = req.extensions().get::<AddressBlocked>().is_some();
    let limit = if throttled {
        BLOCKED_BODY_LIMIT.min(state.settings.sync.max_body_bytes)
    } else {
        state.settings.sync.max_body_bytes
    };
    let too_large = || {
        if throttled {
            state
                .limits
                .limiter
                .blocked(Tier::Sync, address)
                .err()
                .unwrap_or(Error::PayloadTooLarge { limit })
        } else {
            Error::PayloadTooLarge { limit }
        }
    };
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
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

    let (mut parts, body) = req.into_parts();
    let ClientIp(ip) = ClientIp::from_request_parts(&mut parts, state)
        .await
        .unwrap_or(ClientIp(None));
    let nonce = NonceUse {
        nonce,
        ip,
        at: jiff::Timestamp::now(),
        window_s: state.settings.sync.skew_window_s,
    };
    let signer = state.devices.signer(device_id, &nonce).await?;
    let body = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_large())?;

    let parts = SignedParts {
        timestamp,
        nonce: &nonce.nonce,
        signature: &signature,
        method: &method,
        path: &path,
        query: &query,
        body: &body,
    };
    state.devices.verify(&signer, parts)?;
    Ok(Verified {
        device: signer.device,
        body,
        nonce,
    })
}
