//! The roster delta as the kiosk receives it (`GET /api/v1/device/roster`), parsed from
//! arbitrary bytes.
//!
//! Asserted, besides never panicking:
//! - a delta whose template vectors are finite serialises and parses back unchanged (JSON has
//!   no infinities: a number too big for an `f32` parses as one and cannot come back);
//! - a delta with fields added by a newer server, at every level, parses to the same delta (the
//!   kiosk ignores what it does not know, so an upgraded server never stops older kiosks);
//! - what parses is JSON, but for the text of ignored fields (see
//!   `refused_only_for_its_encoding`).

#![no_main]

use attend_fuzz::{assert_round_trips, refused_only_for_its_encoding, with_unknown_fields};
use attend_protocol::roster::RosterDelta;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(delta) = serde_json::from_slice::<RosterDelta>(data) else {
        return;
    };
    if delta
        .templates
        .iter()
        .all(|t| t.vector.iter().all(|v| v.is_finite()))
    {
        assert_round_trips(&delta);
    }
    let Some(newer) = with_unknown_fields(data) else {
        assert!(
            refused_only_for_its_encoding(data),
            "parses typed, not strict"
        );
        return;
    };
    let parsed = serde_json::from_slice::<RosterDelta>(&newer);
    assert_eq!(
        parsed.as_ref().ok(),
        Some(&delta),
        "{}",
        String::from_utf8_lossy(&newer)
    );
});
