//! The SQLite outbox on its own, on real files: durability, batches capped by bytes, and events
//! set aside and released across reopening.

use attend_device::outbox::Outbox;
use attend_protocol::events::SyncPush;
use jiff::Timestamp;

use crate::outbox_model::{Odd, draft};

fn outbox() -> (tempfile::TempDir, Outbox) {
    let dir = tempfile::tempdir().expect("dir");
    let outbox = Outbox::open(&dir.path().join("state.db")).expect("opens");
    (dir, outbox)
}

#[test]
fn an_event_is_durable_as_soon_as_enqueue_returns() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("outbox.db");
    let d = draft(1, None);
    {
        let mut outbox = Outbox::open(&path).expect("opens");
        assert_eq!(outbox.enqueue(&d).expect("enqueue"), 1);
        // Dropped without any further call: as if the process died here.
    }
    let outbox = Outbox::open(&path).expect("reopens");
    let events = outbox.peek(10).expect("peek");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_id, d.event_id);
    assert_eq!(events[0].body, d.body);
    assert_eq!(events[0].seq, 1);
}

#[test]
fn the_same_event_cannot_be_enqueued_twice() {
    let (_dir, mut outbox) = outbox();
    let d = draft(1, None);
    outbox.enqueue(&d).expect("first");
    let err = outbox.enqueue(&d).expect_err("second");
    assert!(err.to_string().contains("already in the outbox"), "{err}");
    assert_eq!(outbox.depth().expect("depth"), 1);
}

#[test]
fn a_batch_stops_before_the_byte_cap_and_its_body_fits_under_it() {
    let (_dir, mut outbox) = outbox();
    for n in 0..50 {
        outbox.enqueue(&draft(n, None)).expect("enqueue");
    }
    let all = outbox.peek_batch(50, usize::MAX).expect("peek");
    assert_eq!(all.len(), 50);
    let cap = 2_000;
    let batch = outbox.peek_batch(50, cap).expect("peek");
    let body = serde_json::to_vec(&SyncPush {
        events: batch.clone(),
    })
    .expect("json");
    assert!(body.len() <= cap, "{} bytes over the {cap} cap", body.len());
    let one_more = serde_json::to_vec(&SyncPush {
        events: all[..=batch.len()].to_vec(),
    })
    .expect("json");
    // The cap counts one comma per event, one more than the body has: that is all the slack.
    assert!(
        one_more.len() + batch.len() + 1 > cap,
        "one more event would have fitted"
    );
    assert_eq!(batch, all[..batch.len()], "oldest first");
}

#[test]
fn an_event_over_the_byte_cap_still_goes_alone() {
    let (_dir, mut outbox) = outbox();
    outbox
        .enqueue(&draft(1, Some(Odd::Oversized)))
        .expect("enqueue");
    outbox.enqueue(&draft(2, None)).expect("enqueue");
    let batch = outbox.peek_batch(10, 100).expect("peek");
    assert_eq!(
        batch.len(),
        1,
        "the oldest event alone, so it gets an answer"
    );
}

#[test]
fn a_set_aside_event_survives_reopening_and_returns_to_its_place_for_another_server() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("state.db");
    let drafts: Vec<_> = (1..=3).map(|n| draft(n, None)).collect();
    {
        let mut outbox = Outbox::open(&path).expect("opens");
        for d in &drafts {
            outbox.enqueue(d).expect("enqueue");
        }
        let moved = outbox
            .set_aside(
                drafts[1].event_id,
                422,
                "events[0].body.colour: unknown field",
                Some("1.4.0"),
                Timestamp::now(),
            )
            .expect("set aside");
        assert!(moved);
        assert!(
            !outbox
                .set_aside(
                    drafts[1].event_id,
                    422,
                    "again",
                    Some("1.4.0"),
                    Timestamp::now()
                )
                .expect("twice"),
            "an event already aside is not in the queue"
        );
    }
    let mut outbox = Outbox::open(&path).expect("reopens");
    let queued: Vec<_> = outbox
        .peek(10)
        .expect("peek")
        .iter()
        .map(|e| e.event_id)
        .collect();
    assert_eq!(queued, [drafts[0].event_id, drafts[2].event_id]);
    let aside = outbox.set_aside_events().expect("aside");
    assert_eq!(aside.len(), 1);
    assert_eq!(
        (aside[0].event_id, aside[0].seq, aside[0].status),
        (drafts[1].event_id, 2, 422)
    );
    assert_eq!(aside[0].server_version.as_deref(), Some("1.4.0"));
    let summary = outbox.set_aside_summary().expect("summary");
    assert_eq!(summary.count, 1);
    assert_eq!(
        summary.latest.as_deref(),
        Some("422: events[0].body.colour: unknown field")
    );

    assert_eq!(
        outbox
            .release_set_aside(Some("1.4.0"))
            .expect("same server"),
        0
    );
    assert_eq!(
        outbox.release_set_aside(Some("1.5.0")).expect("new server"),
        1
    );
    let queued: Vec<_> = outbox
        .peek(10)
        .expect("peek")
        .iter()
        .map(|e| (e.seq, e.event_id))
        .collect();
    assert_eq!(
        queued,
        drafts
            .iter()
            .zip(1..)
            .map(|(d, seq)| (seq, d.event_id))
            .collect::<Vec<_>>()
    );
    assert_eq!(outbox.set_aside_summary().expect("summary").count, 0);
    // A new event still gets a higher seq than any before it.
    assert_eq!(outbox.enqueue(&draft(9, None)).expect("enqueue"), 4);
}

#[test]
fn events_set_aside_by_a_server_that_named_no_version_return_for_one_that_does() {
    let (_dir, mut outbox) = outbox();
    let d = draft(1, None);
    outbox.enqueue(&d).expect("enqueue");
    outbox
        .set_aside(d.event_id, 413, "too large", None, Timestamp::now())
        .expect("aside");
    assert_eq!(outbox.release_set_aside(None).expect("same"), 0);
    assert_eq!(outbox.release_set_aside(Some("1.5.0")).expect("named"), 1);
    assert_eq!(outbox.depth().expect("depth"), 1);
}
