//! A signed request is used once. A kiosk's push spends its nonce in the same transaction that
//! stores the batch (one database trip fewer than a separate nonce write), so these tests pin
//! what that must keep: copies sent together store the batch once, a copy that gets past the
//! first check is still refused by the write, a refused batch's nonce is spent all the same,
//! and a roster pull's nonce is spent too.

use std::str::FromStr;

use attend_protocol::events::Event;
use attend_protocol::ids::DeviceId;
use attend_server::features::devices::ReceivedEvent;
use attend_server::features::devices::store::NonceUse;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{SignOpts, provisioned_device, punch, spawn_app, world};

/// Signing options that make every request sent with them an exact copy: one nonce, one time.
fn copies_of(nonce: &str) -> SignOpts {
    SignOpts {
        nonce: Some(nonce.into()),
        timestamp: Some(jiff::Timestamp::now().as_second()),
        ..SignOpts::default()
    }
}

fn is_replay(body: &serde_json::Value) -> bool {
    body["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("replay"))
}

#[tokio::test]
async fn copies_of_one_push_sent_at_once_store_it_once_and_refuse_the_others_as_replays() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let body = serde_json::to_vec(&json!({"events": [punch(&w.a.employee, 1)]})).expect("json");
    let opts = copies_of("sent-eight-times-0123");
    let copies = (0..8).map(|_| {
        app.signed(
            &device,
            Method::POST,
            "/api/v1/device/events",
            body.clone(),
            opts.clone(),
        )
    });
    let replies = futures_util::future::join_all(copies).await;
    let ok = replies
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    let replays = replies
        .iter()
        .filter(|r| r.status == StatusCode::UNAUTHORIZED && is_replay(&r.body))
        .count();
    assert_eq!(
        (ok, replays),
        (1, 7),
        "{:?}",
        replies.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    assert_eq!(app.stored_events(&w.a.admin).await, 1);
}

/// The read on the first check saw the nonce unused, but the original committed since: the
/// batch's own transaction must refuse it and store nothing (driven through the store, since
/// over HTTP the race is a matter of luck).
#[tokio::test]
async fn a_copy_that_passed_the_first_check_is_refused_by_the_write_and_stores_nothing() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let devices = &app.stores.devices;
    let id = DeviceId::from_str(&device.id).expect("device id");
    let nonce = NonceUse {
        nonce: "raced-past-the-read-0123".into(),
        ip: Some("192.0.2.7".into()),
        at: jiff::Timestamp::now(),
        window_s: 300,
    };
    let signer = devices
        .signer(id, &nonce)
        .await
        .expect("read")
        .expect("the device");
    assert!(!signer.nonce_seen);
    // The original, committed between the copy's read and its write.
    assert!(devices.remember_nonce(id, &nonce).await.expect("write"));
    let batch = || {
        let raw = punch(&w.a.employee, 1).to_string();
        let event: Event = serde_json::from_str(&raw).expect("event");
        vec![ReceivedEvent { event, raw }]
    };
    let skew = jiff::SignedDuration::from_mins(5);
    let refused = devices
        .ingest(&signer.device, &nonce, batch(), skew)
        .await
        .expect("ran");
    assert!(refused.is_none(), "a spent nonce stored {refused:?}");
    assert_eq!(app.stored_events(&w.a.admin).await, 0);
    // And the next read sees it: the replay is refused before its body is read.
    assert!(
        devices
            .signer(id, &nonce)
            .await
            .expect("read")
            .expect("the device")
            .nonce_seen
    );

    let fresh = NonceUse {
        nonce: "a-fresh-one-0123456789".into(),
        ..nonce
    };
    let acks = devices
        .ingest(&signer.device, &fresh, batch(), skew)
        .await
        .expect("ran")
        .expect("a fresh nonce stores the batch");
    assert_eq!(acks.len(), 1);
    assert_eq!(app.stored_events(&w.a.admin).await, 1);
}

#[tokio::test]
async fn a_replayed_roster_pull_is_refused() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let opts = copies_of("pulled-twice-0123456789");
    let pull = || {
        app.signed(
            &device,
            Method::GET,
            "/api/v1/device/roster?since=0",
            Vec::new(),
            opts.clone(),
        )
    };
    let first = pull().await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let again = pull().await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED, "{}", again.body);
    assert!(is_replay(&again.body), "{}", again.body);
}

#[tokio::test]
async fn a_refused_batch_spends_its_nonce_so_a_copy_is_a_replay() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let opts = copies_of("refused-then-replayed-01");
    let send = || {
        app.signed(
            &device,
            Method::POST,
            "/api/v1/device/events",
            br#"{"events": [{"seq": "not a number"}]}"#.to_vec(),
            opts.clone(),
        )
    };
    let first = send().await;
    assert_eq!(
        first.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        first.body
    );
    let copy = send().await;
    assert_eq!(copy.status, StatusCode::UNAUTHORIZED, "{}", copy.body);
    assert!(is_replay(&copy.body), "{}", copy.body);
}
