//! Request signing for kiosk → server calls.
//!
//! The kiosk signs a canonical string with HMAC-SHA256 keyed by its device secret:
//!
//! ```text
//! ATTEND1-HMAC-SHA256\n{METHOD}\n{path}\n{sorted query}\n{unix timestamp}\n{nonce}\n{hex sha256(body)}
//! ```
//!
//! and sends it in four headers ([`HEADER_DEVICE`], [`HEADER_TIMESTAMP`], [`HEADER_NONCE`],
//! [`HEADER_SIGNATURE`]). The server recomputes it, compares in constant time (ring's
//! `hmac::verify`), rejects timestamps outside the skew window, and remembers nonces for that
//! window so a captured request cannot be replayed. Changing any byte of method, path, query,
//! timestamp, nonce or body changes the signature.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::{digest, hmac};

pub const HEADER_DEVICE: &str = "x-attend-device";
pub const HEADER_TIMESTAMP: &str = "x-attend-timestamp";
pub const HEADER_NONCE: &str = "x-attend-nonce";
pub const HEADER_SIGNATURE: &str = "x-attend-signature";

/// Default tolerated |device clock − server clock| for a signed request, in seconds.
pub const DEFAULT_SKEW_WINDOW_S: i64 = 300;

const SCHEME: &str = "ATTEND1-HMAC-SHA256";
const SECRET_LEN: usize = 32;

/// A device's signing key. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceSecret([u8; SECRET_LEN]);

impl DeviceSecret {
    pub const fn from_bytes(bytes: [u8; SECRET_LEN]) -> Self {
        Self(bytes)
    }

    /// Parses the base64url form handed out at provisioning.
    pub fn from_base64(text: &str) -> Result<Self, SignatureError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim())
            .map_err(|_| SignatureError::BadSecret)?;
        let bytes: [u8; SECRET_LEN] = bytes.try_into().map_err(|_| SignatureError::BadSecret)?;
        Ok(Self(bytes))
    }

    pub fn to_base64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    fn key(&self) -> hmac::Key {
        hmac::Key::new(hmac::HMAC_SHA256, &self.0)
    }
}

impl fmt::Debug for DeviceSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceSecret(<redacted>)")
    }
}

/// The parts of an HTTP request that the signature covers.
#[derive(Clone, Copy, Debug)]
pub struct SignedRequest<'a> {
    pub method: &'a str,
    /// Path only, e.g. `/api/v1/device/events`.
    pub path: &'a str,
    /// Raw query string without `?` (empty when none).
    pub query: &'a str,
    /// Unix seconds on the signer's clock.
    pub timestamp: i64,
    /// 16–64 characters of `[A-Za-z0-9_-]`, unique per request.
    pub nonce: &'a str,
    pub body: &'a [u8],
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("device secret must be 32 bytes of base64url")]
    BadSecret,
    #[error("signature header is not base64url")]
    BadEncoding,
    #[error("nonce must be 16-64 characters of A-Z, a-z, 0-9, '-' or '_'")]
    BadNonce,
    #[error("request timestamp is {skew_s} s away from the server clock (window {window_s} s)")]
    Stale { skew_s: i64, window_s: i64 },
    #[error("signature does not match the request")]
    Mismatch,
}

/// The exact string that is signed. Query parameters are sorted so that clients which build
/// the same query in another order still agree with the server.
pub fn canonical_string(req: &SignedRequest<'_>) -> String {
    let body_hash = hex::encode(digest::digest(&digest::SHA256, req.body));
    let mut params: Vec<&str> = req.query.split('&').filter(|p| !p.is_empty()).collect();
    params.sort_unstable();
    format!(
        "{SCHEME}\n{}\n{}\n{}\n{}\n{}\n{body_hash}",
        req.method.to_ascii_uppercase(),
        req.path,
        params.join("&"),
        req.timestamp,
        req.nonce,
    )
}

/// Base64url HMAC-SHA256 of the canonical string.
pub fn sign(secret: &DeviceSecret, req: &SignedRequest<'_>) -> String {
    let tag = hmac::sign(&secret.key(), canonical_string(req).as_bytes());
    URL_SAFE_NO_PAD.encode(tag.as_ref())
}

/// Checks nonce shape, clock skew against `now_unix`, then the signature (constant time).
/// Nonce *reuse* is the caller's job: it needs memory of nonces seen within the window.
pub fn verify(
    secret: &DeviceSecret,
    req: &SignedRequest<'_>,
    signature: &str,
    now_unix: i64,
    window_s: i64,
) -> Result<(), SignatureError> {
    if !nonce_is_well_formed(req.nonce) {
        return Err(SignatureError::BadNonce);
    }
    // `abs_diff`, not `(a - b).abs()`: a timestamp near `i64::MIN` overflowed the `abs`, and
    // in a release build the wrapped (negative) skew passed the window check.
    let within = u64::try_from(window_s).is_ok_and(|w| req.timestamp.abs_diff(now_unix) <= w);
    if !within {
        let skew_s = req.timestamp.saturating_sub(now_unix);
        return Err(SignatureError::Stale { skew_s, window_s });
    }
    let tag = URL_SAFE_NO_PAD
        .decode(signature.trim())
        .map_err(|_| SignatureError::BadEncoding)?;
    hmac::verify(&secret.key(), canonical_string(req).as_bytes(), &tag)
        .map_err(|_| SignatureError::Mismatch)
}

pub fn nonce_is_well_formed(nonce: &str) -> bool {
    (16..=64).contains(&nonce.len())
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(body: &'a [u8], nonce: &'a str) -> SignedRequest<'a> {
        SignedRequest {
            method: "POST",
            path: "/api/v1/device/events",
            query: "b=2&a=1",
            timestamp: 1_700_000_000,
            nonce,
            body,
        }
    }

    #[test]
    fn canonical_string_sorts_query_and_hashes_body() {
        let s = canonical_string(&request(b"", "0123456789abcdef"));
        assert_eq!(
            s,
            "ATTEND1-HMAC-SHA256\nPOST\n/api/v1/device/events\na=1&b=2\n1700000000\n\
             0123456789abcdef\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn signature_verifies_inside_window_and_fails_outside() {
        let secret = DeviceSecret::from_bytes([7; 32]);
        let req = request(b"{}", "0123456789abcdef");
        let sig = sign(&secret, &req);
        assert_eq!(verify(&secret, &req, &sig, 1_700_000_299, 300), Ok(()));
        assert_eq!(
            verify(&secret, &req, &sig, 1_700_000_301, 300),
            Err(SignatureError::Stale {
                skew_s: -301,
                window_s: 300
            })
        );
    }

    #[test]
    fn a_timestamp_at_the_end_of_the_range_is_stale_not_an_overflow() {
        let secret = DeviceSecret::from_bytes([7; 32]);
        for (timestamp, now) in [
            (i64::MIN, 1_700_000_000),
            (i64::MAX, -1),
            (i64::MIN, i64::MAX),
        ] {
            let req = SignedRequest {
                timestamp,
                ..request(b"{}", "0123456789abcdef")
            };
            let sig = sign(&secret, &req);
            assert!(
                matches!(
                    verify(&secret, &req, &sig, now, 300),
                    Err(SignatureError::Stale { .. })
                ),
                "{timestamp} against {now}"
            );
        }
    }

    #[test]
    fn wrong_key_is_a_mismatch() {
        let req = request(b"{}", "0123456789abcdef");
        let sig = sign(&DeviceSecret::from_bytes([1; 32]), &req);
        let other = DeviceSecret::from_bytes([2; 32]);
        assert_eq!(
            verify(&other, &req, &sig, 1_700_000_000, 300),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn short_nonce_is_refused_before_checking_the_mac() {
        let secret = DeviceSecret::from_bytes([1; 32]);
        let req = request(b"{}", "short");
        let sig = sign(&secret, &req);
        assert_eq!(
            verify(&secret, &req, &sig, 1_700_000_000, 300),
            Err(SignatureError::BadNonce)
        );
    }

    #[test]
    fn secret_round_trips_through_base64_and_debug_hides_it() {
        let secret = DeviceSecret::from_bytes([9; 32]);
        assert_eq!(
            DeviceSecret::from_base64(&secret.to_base64()),
            Ok(secret.clone())
        );
        assert!(!format!("{secret:?}").contains("CQkJ"));
        assert_eq!(
            DeviceSecret::from_base64("abc"),
            Err(SignatureError::BadSecret)
        );
    }
}
