//! A PIN punch typed at a real attendd reaches a real server; a wrong PIN, a bad keypad
//! sequence and an unknown machine code each get a clear message and write nothing.

use std::sync::Arc;

use attend_device::hw::{FakeOutputs, Key, ManualClock};
use attend_device::station::{MessageKind, Station, StationSettings};
use attend_e2e::{Kiosk, demo_server, events, punches};
use attend_testkit::eventually;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pin_punch_reaches_the_server_and_bad_input_writes_nothing() {
    let (_server_dir, server, seed) = demo_server().await;
    let kiosk = Kiosk::provision(&server, &seed.provisioning_code).await;
    eventually("the roster reaches the kiosk", async || {
        kiosk.employee_count() == 4
    })
    .await;

    let outputs = FakeOutputs::new(vec![], Arc::new(ManualClock::default()));
    let mut station = Station::new(
        &StationSettings::default(),
        kiosk.outbox.clone(),
        kiosk.roster.clone(),
        Box::new(outputs),
        kiosk.wake.clone(),
    );
    let mut type_keys = |keys: &str| {
        let mut last = None;
        for c in keys.chars() {
            last = Some(station.on_key(Key::from_char(c).expect("key"), 1_000));
        }
        last.expect("a key")
    };

    // The demo seeds employee 1001 (Ana Silva) with PIN 1234.
    let depth = || kiosk.outbox.lock().expect("lock").depth().expect("depth");
    for (keys, says) in [
        ("1001#9999#", "Wrong number or PIN"),
        ("7777#1234#", "Wrong number or PIN"),
        ("#", "type your employee number first"),
        ("D", "identify yourself before pressing stop"),
    ] {
        let m = type_keys(keys);
        assert_eq!(m.kind, MessageKind::Refused, "{keys}: {m:?}");
        assert!(m.text.contains(says), "{keys}: {}", m.text);
        assert_eq!(depth(), 0, "{keys} wrote something");
    }
    let right = type_keys("1001#1234#");
    assert_eq!(right.kind, MessageKind::Success, "{right:?}");
    assert!(
        right.text.starts_with("Welcome, Ana Silva — clocked in"),
        "{}",
        right.text
    );

    eventually("the punch reaches the server", async || {
        punches(&server.stores).await.0 == 1
    })
    .await;
    eventually("the kiosk applies the ack", async || depth() == 0).await;
    // Identified, Ana types a code no machine has: refused, nothing queued, nothing synced.
    let unknown = type_keys("9999#");
    assert_eq!(
        (unknown.kind, unknown.text.as_str()),
        (MessageKind::Refused, "Unknown machine code")
    );
    assert_eq!(depth(), 0, "an unknown machine code wrote something");
    let stored = events(&server.stores, "punch").await;
    assert_eq!(stored.len(), 1, "only the good punch was stored");
    assert_eq!(stored[0].payload["body"]["method"], "pin");
    assert_eq!(stored[0].payload["body"]["punch_type"], "in");
    kiosk.stop().await;
    server.stop().await;
}
