//! Request signing (`attend_protocol::signing`): the canonical string, signing and verification
//! of arbitrary requests and arbitrary signature headers.
//!
//! Input: `METHOD \0 PATH \0 QUERY \0 TIMESTAMP \0 NONCE \0 SIGNATURE \0 BODY` (the body is the
//! rest and may hold NUL bytes; a missing field is empty). The seeds in `fuzz/corpus/signing/`
//! are real signed kiosk requests under [`SECRET`].
//!
//! Asserted, besides never panicking:
//! - `verify` answers exactly as its contract says, checked in order: a malformed nonce is
//!   `BadNonce`; a timestamp more than the window from the server clock is `Stale` (computed
//!   here without overflow); and the request verifies only when the header is, trimmed, the
//!   very signature `sign` makes (so no second encoding of a valid signature is accepted).
//! - A request signed with `sign` verifies at its own timestamp, and stops verifying when a
//!   single byte of its body (the first, middle or last: the fuzzer varies which byte that is)
//!   or of its path changes, or its timestamp does.
//! - The canonical string does not depend on the order of the query parameters.
//! - A secret that parses from base64url prints back as the same text.

#![no_main]

use attend_protocol::signing::{
    DeviceSecret, SignatureError, SignedRequest, canonical_string, nonce_is_well_formed, sign,
    verify,
};
use libfuzzer_sys::fuzz_target;

/// The key the seeds were signed with.
const SECRET: [u8; 32] = [0x5a; 32];
/// The server's default window.
const WINDOW_S: i64 = 300;
/// A server clock to check the window against (2023-11-14), besides the request's own time.
const SERVER_NOW: i64 = 1_700_000_000;

fuzz_target!(|data: &[u8]| {
    let mut fields = data.splitn(7, |b| *b == 0);
    let mut text = || std::str::from_utf8(fields.next().unwrap_or_default()).ok();
    let (Some(method), Some(path), Some(query), Some(timestamp), Some(nonce), Some(signature)) =
        (text(), text(), text(), text(), text(), text())
    else {
        return;
    };
    let body = fields.next().unwrap_or_default();
    let Ok(timestamp) = timestamp.trim().parse::<i64>() else {
        return;
    };
    let req = SignedRequest {
        method,
        path,
        query,
        timestamp,
        nonce,
        body,
    };
    let secret = DeviceSecret::from_bytes(SECRET);

    // The header as it came, against the request's own clock and against a fixed server clock.
    for now in [timestamp, SERVER_NOW] {
        check_verify(&secret, &req, signature, now);
    }

    let good = sign(&secret, &req);
    let at_own_time = verify(&secret, &req, &good, timestamp, WINDOW_S);
    if !nonce_is_well_formed(nonce) {
        assert_eq!(at_own_time, Err(SignatureError::BadNonce));
        return;
    }
    assert_eq!(at_own_time, Ok(()), "a fresh signature fails: {req:?}");

    for i in [0, body.len() / 2, body.len().saturating_sub(1)] {
        if let Some(changed) = with_byte_changed(body, i) {
            let req = SignedRequest {
                body: &changed,
                ..req
            };
            let answer = verify(&secret, &req, &good, timestamp, WINDOW_S);
            assert_eq!(answer, Err(SignatureError::Mismatch), "body byte {i}");
        }
    }
    for i in [0, path.len().saturating_sub(1)] {
        let changed = with_byte_changed(path.as_bytes(), i).and_then(|p| String::from_utf8(p).ok());
        if let Some(changed) = changed {
            let req = SignedRequest {
                path: &changed,
                ..req
            };
            let answer = verify(&secret, &req, &good, timestamp, WINDOW_S);
            assert_eq!(answer, Err(SignatureError::Mismatch), "path byte {i}");
        }
    }
    if let Some(later) = timestamp.checked_add(1) {
        let req = SignedRequest {
            timestamp: later,
            ..req
        };
        let answer = verify(&secret, &req, &good, later, WINDOW_S);
        assert_eq!(answer, Err(SignatureError::Mismatch), "timestamp + 1");
    }

    let mut params: Vec<&str> = query.split('&').collect();
    params.reverse();
    let reordered = params.join("&");
    assert_eq!(
        canonical_string(&req),
        canonical_string(&SignedRequest {
            query: &reordered,
            ..req
        }),
        "query order changed the canonical string"
    );

    if let Ok(parsed) = DeviceSecret::from_base64(signature) {
        assert_eq!(parsed.to_base64(), signature.trim());
    }
});

/// Checks `verify`'s answer against its documented contract, in its order: nonce shape, then
/// the window (computed here in `i128`, so it cannot overflow), then the signature, which must
/// be the very text `sign` makes (trimmed): any other header is refused as a mismatch or as
/// bad base64url.
fn check_verify(secret: &DeviceSecret, req: &SignedRequest<'_>, signature: &str, now: i64) {
    let answer = verify(secret, req, signature, now, WINDOW_S);
    // Formatted only when an assertion fails.
    let context = || format!("verify({req:?}, {signature:?}, now {now})");
    if !nonce_is_well_formed(req.nonce) {
        assert_eq!(answer, Err(SignatureError::BadNonce), "{}", context());
    } else if (i128::from(req.timestamp) - i128::from(now)).abs() > i128::from(WINDOW_S) {
        let stale = SignatureError::Stale {
            skew_s: req.timestamp.saturating_sub(now),
            window_s: WINDOW_S,
        };
        assert_eq!(answer, Err(stale), "{}", context());
    } else if signature.trim() == sign(secret, req) {
        assert_eq!(answer, Ok(()), "{}", context());
    } else {
        assert!(
            matches!(
                answer,
                Err(SignatureError::Mismatch | SignatureError::BadEncoding)
            ),
            "{}: {answer:?}",
            context()
        );
    }
}

/// `bytes` with the byte at `i` replaced by a different one, or `None` past the end.
fn with_byte_changed(bytes: &[u8], i: usize) -> Option<Vec<u8>> {
    let mut changed = bytes.to_vec();
    let b = changed.get_mut(i)?;
    *b = b.wrapping_add(1);
    Some(changed)
}
