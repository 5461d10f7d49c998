//! The keypad's PIN slowdown through the station, on a real state file: the counts survive a
//! reboot, a wait ends, and an unknown number costs one verification. PINs are checked by a
//! counting stand-in for argon2 and time is a hand-moved wall clock, so nothing is timed.

use std::path::Path;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

use attend_device::hw::{FakeOutputs, Key, ManualClock, SafeState};
use attend_device::kiosk::pin::PinVerifier;
use attend_device::outbox::Outbox;
use attend_device::roster::{RosterCache, TemplateKey};
use attend_device::station::{Message, MessageKind, Station, StationSettings};
use attend_protocol::ids::EmployeeId;
use attend_protocol::roster::{ConsentState, RosterDelta, RosterEmployee};

/// Matches hashes written `fake:<pin>` and counts every call (each stands for one argon2 run).
struct Counting(Arc<AtomicUsize>);

impl PinVerifier for Counting {
    fn verify(&self, pin: &str, phc_hash: &str) -> bool {
        self.0.fetch_add(1, Ordering::SeqCst);
        phc_hash == format!("fake:{pin}")
    }
}

struct Kiosk {
    station: Station,
    outbox: Arc<Mutex<Outbox>>,
}

/// Opens the kiosk on `db` as a (re)start does, with the shared verifier count and clock.
fn boot(db: &Path, calls: &Arc<AtomicUsize>, wall_ms: &Arc<AtomicI64>) -> Kiosk {
    let outbox = Arc::new(Mutex::new(Outbox::open(db).expect("outbox")));
    let roster =
        RosterCache::open(db, TemplateKey::from_bytes(&[3; 32]).expect("key")).expect("roster");
    let outputs = FakeOutputs::new(vec![SafeState::Off], Arc::new(ManualClock::default()));
    let mut station = Station::new(
        &StationSettings::default(),
        outbox.clone(),
        Arc::new(Mutex::new(roster)),
        Box::new(outputs),
        Arc::new(tokio::sync::Notify::new()),
    );
    station.set_pin_verifier(Box::new(Counting(calls.clone())));
    let wall = wall_ms.clone();
    station.set_wall_clock(Box::new(move || wall.load(Ordering::SeqCst)));
    Kiosk { station, outbox }
}

fn with_ana(db: &Path) {
    let mut roster =
        RosterCache::open(db, TemplateKey::from_bytes(&[3; 32]).expect("key")).expect("roster");
    roster
        .apply(&RosterDelta {
            employees: vec![RosterEmployee {
                no_head_turn: false,
                id: EmployeeId(uuid::Uuid::from_u128(1)),
                employee_number: "1001".into(),
                display_name: "Ana".into(),
                pin_hash: Some("fake:1234".into()),
                consent: ConsentState::Granted,
                qualifications: vec![],
            }],
            ..RosterDelta::empty(1)
        })
        .expect("roster applied");
}

fn type_keys(station: &mut Station, keys: &str) -> Message {
    let mut last = None;
    for c in keys.chars() {
        last = Some(station.on_key(Key::from_char(c).expect("key"), 1_000));
    }
    last.expect("at least one key")
}

#[test]
fn wrong_pins_slow_the_number_down_across_a_reboot_until_the_wait_ends() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("state.db");
    with_ana(&db);
    let (calls, wall) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicI64::new(1_700_000_000_000)),
    );
    let mut kiosk = boot(&db, &calls, &wall);
    let answers: Vec<String> = (0..4)
        .map(|_| type_keys(&mut kiosk.station, "1001#0000#").text)
        .collect();
    assert_eq!(answers[..3], ["Wrong number or PIN"; 3]);
    assert_eq!(
        answers[3],
        "Wrong number or PIN: wait 30 s before the next try"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    drop(kiosk);

    // The plug is pulled and the kiosk boots again: the wait is still there, and a try during
    // it is answered without checking the PIN.
    let mut kiosk = boot(&db, &calls, &wall);
    let m = type_keys(&mut kiosk.station, "1001#1234#");
    assert_eq!(
        (m.kind, m.text.as_str()),
        (
            MessageKind::Refused,
            "Too many wrong PINs: try again in 30 s"
        )
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        4,
        "no verification during a wait"
    );
    assert_eq!(
        kiosk.outbox.lock().expect("lock").depth().expect("depth"),
        0
    );

    wall.fetch_add(30_000, Ordering::SeqCst);
    let m = type_keys(&mut kiosk.station, "1001#1234#");
    assert_eq!(m.kind, MessageKind::Success, "{m:?}");
    assert_eq!(
        kiosk.outbox.lock().expect("lock").depth().expect("depth"),
        1
    );
}

#[test]
fn an_unknown_number_at_the_keypad_costs_one_verification_and_answers_like_a_wrong_pin() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("state.db");
    with_ana(&db);
    let (calls, wall) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicI64::new(0)));
    let mut kiosk = boot(&db, &calls, &wall);
    let unknown = type_keys(&mut kiosk.station, "7777#1234#");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let wrong = type_keys(&mut kiosk.station, "1001#9999#");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(unknown, wrong);
}
