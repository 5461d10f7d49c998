//! The station end to end on the device side: keys and faces → committed events and relays,
//! with the fake outputs recording every switch. Bad input is answered and writes nothing.
//!
//! - [`faces`]: face decisions, their liveness evidence and the head turn.

mod faces;

use std::sync::{Arc, Mutex};

use argon2::password_hash::{PasswordHasher as _, SaltString};
use attend_device::hw::{FakeOutputs, Key, ManualClock, OutputLog, SafeState};
use attend_device::outbox::Outbox;
use attend_device::roster::{RosterCache, TemplateKey};
use attend_device::station::{MessageKind, Station, StationSettings};
use attend_protocol::events::{EquipmentAction, EventBody, PunchMethod, PunchType, StopReason};
use attend_protocol::ids::{EmployeeId, EquipmentId, QualificationId};
use attend_protocol::roster::{
    ConsentState, DeviceConfig, HeldQualification, RosterDelta, RosterEmployee, RosterEquipment,
};

const ANA: EmployeeId = EmployeeId(uuid::Uuid::from_u128(1));
const BRUNO: EmployeeId = EmployeeId(uuid::Uuid::from_u128(2));
const LATHE: EquipmentId = EquipmentId(uuid::Uuid::from_u128(7));
const LATHE_Q: QualificationId = QualificationId(uuid::Uuid::from_u128(9));

fn hash(secret: &str) -> String {
    let salt = SaltString::from_b64("c2FsdHNhbHRzYWx0").expect("salt");
    argon2::Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .expect("hash")
        .to_string()
}

struct Rig {
    _dir: tempfile::TempDir,
    station: Station,
    outbox: Arc<Mutex<Outbox>>,
    roster: Arc<Mutex<RosterCache>>,
    log: OutputLog,
}

fn rig() -> Rig {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("state.db");
    let outbox = Arc::new(Mutex::new(Outbox::open(&db).expect("outbox")));
    let mut roster =
        RosterCache::open(&db, TemplateKey::from_bytes(&[3; 32]).expect("key")).expect("roster");
    let person = |id, number: &str, name: &str, consent| RosterEmployee {
        no_head_turn: false,
        id,
        employee_number: number.into(),
        display_name: name.into(),
        pin_hash: Some(hash("1234")),
        consent,
        qualifications: vec![HeldQualification {
            qualification_id: LATHE_Q,
            expires_on: None,
        }],
    };
    roster
        .apply(&RosterDelta {
            employees: vec![
                person(ANA, "1001", "Ana", ConsentState::Granted),
                person(BRUNO, "1002", "Bruno", ConsentState::Withdrawn),
            ],
            equipment: vec![RosterEquipment {
                id: LATHE,
                name: "Lathe".into(),
                activation_code_hash: hash("4711"),
                required_qualification: Some(LATHE_Q),
                relay_channel: 1,
                locked_out: false,
            }],
            config: DeviceConfig {
                timezone: "Europe/Lisbon".into(),
                ..DeviceConfig::default()
            },
            ..RosterDelta::empty(1)
        })
        .expect("roster applied");
    let outputs = FakeOutputs::new(
        vec![SafeState::Off, SafeState::Off],
        Arc::new(ManualClock::default()),
    );
    let log = outputs.log();
    let roster = Arc::new(Mutex::new(roster));
    let station = Station::new(
        &StationSettings::default(),
        outbox.clone(),
        roster.clone(),
        Box::new(outputs),
        Arc::new(tokio::sync::Notify::new()),
    );
    Rig {
        _dir: dir,
        station,
        outbox,
        roster,
        log,
    }
}

fn type_keys(station: &mut Station, keys: &str, now_ms: u64) -> attend_device::station::Message {
    let mut last = None;
    for c in keys.chars() {
        last = Some(station.on_key(Key::from_char(c).expect("key"), now_ms));
    }
    last.expect("at least one key")
}

fn bodies(outbox: &Arc<Mutex<Outbox>>) -> Vec<EventBody> {
    outbox
        .lock()
        .expect("lock")
        .peek(100)
        .expect("peek")
        .into_iter()
        .map(|e| e.body)
        .collect()
}

#[test]
fn a_pin_punch_is_committed_and_welcomed() {
    let mut r = rig();
    let m = type_keys(&mut r.station, "1001#1234#", 1_000);
    assert_eq!(m.kind, MessageKind::Success, "{m:?}");
    assert!(
        m.text.starts_with("Welcome, Ana — clocked in "),
        "{}",
        m.text
    );
    match bodies(&r.outbox).as_slice() {
        [EventBody::Punch(p)] => {
            assert_eq!(
                (p.employee_id, p.punch_type, p.method),
                (ANA, PunchType::In, PunchMethod::Pin)
            );
            assert!(p.score.is_none());
        }
        other => panic!("expected one punch, got {other:?}"),
    }
}

#[test]
fn bad_keypad_sequences_and_unknown_codes_are_answered_and_write_nothing() {
    let mut r = rig();
    for keys in ["#", "1001#12#", "9999#1234#", "1001#9999#", "D"] {
        let m = type_keys(&mut r.station, keys, 1_000);
        assert_eq!(m.kind, MessageKind::Refused, "{keys}: {m:?}");
    }
    assert!(bodies(&r.outbox).is_empty());
    type_keys(&mut r.station, "1001#1234#", 2_000);
    let m = type_keys(&mut r.station, "5555#", 3_000);
    assert_eq!(
        (m.kind, m.text.as_str()),
        (MessageKind::Refused, "Unknown machine code")
    );
    assert_eq!(bodies(&r.outbox).len(), 1, "only the punch was written");
    assert!(r.log.relay_history(1).iter().all(|on| !on));
}

#[test]
fn a_machine_starts_after_the_record_and_stops_with_its_reason() {
    let mut r = rig();
    type_keys(&mut r.station, "1001#1234#", 1_000);
    let m = type_keys(&mut r.station, "4711#", 2_000);
    assert_eq!(
        (m.kind, m.text.as_str()),
        (MessageKind::Success, "Lathe started")
    );
    assert!(r.station.outputs().relay(1));
    let m = r.station.on_key(Key::F4, 3_000);
    assert_eq!(
        (m.kind, m.text.as_str()),
        (MessageKind::Success, "Machine stopped")
    );
    assert!(!r.station.outputs().relay(1));
    let events = bodies(&r.outbox);
    let equipment: Vec<_> = events
        .iter()
        .filter_map(|b| {
            if let EventBody::Equipment(e) = b {
                Some((e.action, e.stop_reason))
            } else {
                None
            }
        })
        .collect();
    assert_eq!(
        equipment,
        vec![
            (EquipmentAction::Start, None),
            (EquipmentAction::Stop, Some(StopReason::StopKey))
        ]
    );
    // The relay went on exactly once and off again (after the start was committed).
    assert_eq!(
        r.log.relay_history(1).into_iter().filter(|on| *on).count(),
        1
    );
}

#[test]
fn a_hold_from_the_roster_stops_a_running_machine() {
    let mut r = rig();
    type_keys(&mut r.station, "1001#1234#", 1_000);
    type_keys(&mut r.station, "4711#", 2_000);
    assert!(r.station.outputs().relay(1));
    assert!(
        r.station.tick(3_000).is_empty(),
        "no hold yet: nothing happens"
    );
    // A manager locks the lathe out; the next roster pull brings the hold.
    let locked = RosterEquipment {
        id: LATHE,
        name: "Lathe".into(),
        activation_code_hash: hash("4711"),
        required_qualification: Some(LATHE_Q),
        relay_channel: 1,
        locked_out: true,
    };
    let config = r
        .roster
        .lock()
        .expect("lock")
        .config()
        .expect("config")
        .expect("some");
    r.roster
        .lock()
        .expect("lock")
        .apply(&RosterDelta {
            cursor: 2,
            more: false,
            employees: vec![],
            templates: vec![],
            equipment: vec![locked],
            qualifications: vec![],
            tombstones: vec![],
            config,
        })
        .expect("applied");
    let notices = r.station.tick(4_000);
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].kind, MessageKind::Warning);
    assert!(!r.station.outputs().relay(1), "the relay is off");
    assert!(
        matches!(bodies(&r.outbox).last(), Some(EventBody::Equipment(e)) if e.stop_reason == Some(StopReason::LockedOut)),
        "{:?}",
        bodies(&r.outbox)
    );
    assert!(r.station.tick(5_000).is_empty(), "stopped once");
}

#[test]
fn clocking_out_or_shutting_down_stops_running_machines() {
    let mut r = rig();
    type_keys(&mut r.station, "1001#1234#", 1_000);
    type_keys(&mut r.station, "4711#", 2_000);
    // Out after the repeat window: the lathe stops with reason clock_out.
    let m = type_keys(&mut r.station, "1001#1234#", 120_000);
    assert!(m.text.contains("clocked out"), "{}", m.text);
    assert!(!r.station.outputs().relay(1));
    let last = bodies(&r.outbox);
    assert!(
        matches!(last.last(), Some(EventBody::Equipment(e)) if e.stop_reason == Some(StopReason::ClockOut)),
        "{last:?}"
    );

    type_keys(&mut r.station, "1001#1234#", 300_000);
    type_keys(&mut r.station, "4711#", 301_000);
    r.station.shutdown();
    assert!(!r.station.outputs().relay(1));
    assert!(
        matches!(bodies(&r.outbox).last(), Some(EventBody::Equipment(e)) if e.stop_reason == Some(StopReason::Shutdown))
    );
}

#[test]
fn after_a_crash_a_running_machine_is_closed_as_recovered_and_presence_is_kept() {
    let r = rig();
    let Rig {
        _dir: dir,
        mut station,
        outbox,
        roster,
        log,
    } = r;
    type_keys(&mut station, "1001#1234#", 1_000);
    type_keys(&mut station, "4711#", 2_000);
    assert!(station.outputs().relay(1));
    assert_eq!(log.relay_history(1).last(), Some(&true));
    // The process dies: no shutdown, no stop recorded. A new station opens the same state.
    drop(station);
    let outputs = FakeOutputs::new(
        vec![SafeState::Off, SafeState::Off],
        Arc::new(ManualClock::default()),
    );
    let after = outputs.log();
    let mut station = Station::new(
        &StationSettings::default(),
        outbox.clone(),
        roster,
        Box::new(outputs),
        Arc::new(tokio::sync::Notify::new()),
    );
    assert!(
        !station.outputs().relay(1),
        "the relay stays off after recovery"
    );
    assert!(after.relay_history(1).iter().all(|on| !on));
    assert!(
        matches!(bodies(&outbox).last(), Some(EventBody::Equipment(e)) if e.stop_reason == Some(StopReason::Recovered)),
        "{:?}",
        bodies(&outbox).last()
    );
    // Ana was clocked in before the crash, so her next punch clocks her out.
    let m = type_keys(&mut station, "1001#1234#", 120_000);
    assert!(m.text.contains("clocked out"), "{}", m.text);
    // A second restart finds nothing left to recover.
    drop(station);
    let outputs = FakeOutputs::new(
        vec![SafeState::Off, SafeState::Off],
        Arc::new(ManualClock::default()),
    );
    let before = bodies(&outbox).len();
    let _station = Station::new(
        &StationSettings::default(),
        outbox.clone(),
        Arc::new(Mutex::new(
            RosterCache::open(
                &dir.path().join("state.db"),
                TemplateKey::from_bytes(&[3; 32]).expect("key"),
            )
            .expect("roster"),
        )),
        Box::new(outputs),
        Arc::new(tokio::sync::Notify::new()),
    );
    assert_eq!(bodies(&outbox).len(), before);
}
