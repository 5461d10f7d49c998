//! The sync push as the server receives it (`POST /api/v1/device/events`), and the acks the
//! kiosk reads back, parsed from arbitrary bytes.
//!
//! Asserted, besides never panicking (parsing, or the server's per-event `check_event`):
//! - the server's two parses agree: it reads the batch with each event kept as raw JSON (stored
//!   verbatim) and parses each event alone, and explains failures with a typed parse of the
//!   whole body; both give the same events, and only the typed one accepts more, and only text
//!   that is not UTF-8 in fields it ignores (see `refused_only_for_its_encoding`);
//! - every event the server accepts serialises and parses back unchanged, and so does every
//!   event whose numbers are finite, and every ack answer;
//! - an event with fields added by a newer kiosk, at every level, parses to the same event.

#![no_main]

use attend_fuzz::{assert_round_trips, refused_only_for_its_encoding, with_unknown_fields};
use attend_protocol::ack::SyncPushResponse;
use attend_protocol::events::{Event, EventBody, SyncPush};
use attend_protocol::validate::check_event;
use libfuzzer_sys::fuzz_target;
use serde_json::value::RawValue;

/// The server's first parse (`RawPush` in `server/src/features/devices/api.rs`): the events
/// stay raw JSON, borrowed from the body.
#[derive(serde::Deserialize)]
struct RawPush<'a> {
    #[serde(borrow)]
    events: Vec<&'a RawValue>,
}

fuzz_target!(|data: &[u8]| {
    let typed = serde_json::from_slice::<SyncPush>(data);
    let raw = serde_json::from_slice::<RawPush<'_>>(data)
        .ok()
        .and_then(|raw| {
            raw.events
                .iter()
                .map(|r| serde_json::from_str::<Event>(r.get()).ok())
                .collect::<Option<Vec<Event>>>()
        });
    match (&typed, &raw) {
        (Ok(push), Some(events)) => assert_eq!(&push.events, events, "the parses disagree"),
        (Err(_), None) => {}
        (Err(e), Some(_)) => panic!("only the raw parse accepts this: {e}"),
        // The server then answers 400 with "the body could not be parsed".
        (Ok(_), None) => assert!(
            refused_only_for_its_encoding(data),
            "only the typed parse accepts this"
        ),
    }

    if let Ok(push) = &typed {
        for event in &push.events {
            let accepted = check_event(event).is_ok();
            if accepted || all_finite(event) {
                assert_round_trips(event);
            }
        }
        if push.events.iter().all(all_finite) {
            assert_round_trips(push);
            if let Some(newer) = with_unknown_fields(data) {
                let parsed = serde_json::from_slice::<SyncPush>(&newer);
                let newer = String::from_utf8_lossy(&newer);
                assert_eq!(parsed.as_ref().ok(), Some(push), "{newer}");
            }
        }
    }

    if let Ok(answer) = serde_json::from_slice::<SyncPushResponse>(data) {
        assert_round_trips(&answer);
    }
});

/// JSON has no infinities: a number too big for an `f32` parses as one and cannot come back.
fn all_finite(event: &Event) -> bool {
    match &event.body {
        EventBody::Punch(p) => {
            let liveness = p
                .liveness
                .iter()
                .flat_map(|l| l.score.iter().chain(l.scores.iter().map(|s| &s.p_real)));
            [p.score, p.threshold]
                .iter()
                .flatten()
                .chain(liveness)
                .all(|v| v.is_finite())
        }
        EventBody::EnrolmentCandidate(c) => c
            .templates
            .iter()
            .all(|t| t.quality.is_finite() && t.vector.iter().all(|v| v.is_finite())),
        EventBody::Equipment(_) | EventBody::Heartbeat(_) => true,
    }
}
