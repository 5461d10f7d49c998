//! The roster cache: deltas apply atomically with their cursor, tombstones remove rows (and a
//! deleted person's templates), and templates are sealed at rest under a private key file.

use std::os::unix::fs::PermissionsExt as _;

use attend_device::roster::{RosterCache, TemplateKey};
use attend_protocol::ids::{EmployeeId, TemplateId};
use attend_protocol::roster::{
    ConsentState, DeviceConfig, EntityKind, RosterDelta, RosterEmployee, RosterTemplate, Tombstone,
};

fn employee(n: u128, number: &str, consent: ConsentState) -> RosterEmployee {
    RosterEmployee {
        no_head_turn: false,
        id: EmployeeId(uuid::Uuid::from_u128(n)),
        employee_number: number.into(),
        display_name: format!("Person {n}"),
        pin_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        consent,
        qualifications: vec![],
    }
}

fn template(n: u128, employee: u128, value: f32) -> RosterTemplate {
    RosterTemplate {
        id: TemplateId(uuid::Uuid::from_u128(n)),
        employee_id: EmployeeId(uuid::Uuid::from_u128(employee)),
        model_id: "dlib-resnet-v1".into(),
        vector: vec![value; 128],
    }
}

fn delta(cursor: u64) -> RosterDelta {
    RosterDelta {
        config: DeviceConfig {
            timezone: "Europe/Lisbon".into(),
            ..DeviceConfig::default()
        },
        ..RosterDelta::empty(cursor)
    }
}

#[test]
fn a_delta_applies_with_its_cursor_and_templates_are_sealed_at_rest() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("state.db");
    let key = TemplateKey::load_or_create(&dir.path().join("template.key")).expect("key");
    let mut cache = RosterCache::open(&db, key).expect("opens");
    assert_eq!(cache.cursor().expect("cursor"), 0);
    let mut d = delta(17);
    d.employees = vec![
        employee(1, "1001", ConsentState::Granted),
        employee(2, "1002", ConsentState::Withdrawn),
    ];
    d.templates = vec![template(10, 1, 0.125), template(11, 2, 0.25)];
    cache.apply(&d).expect("applies");
    assert_eq!(cache.cursor().expect("cursor"), 17);
    assert_eq!(
        cache
            .employee_by_number("1002")
            .expect("query")
            .map(|e| e.display_name),
        Some("Person 2".into())
    );
    assert_eq!(
        cache.config().expect("config").map(|c| c.timezone),
        Some("Europe/Lisbon".into())
    );

    // Only consenting people's templates come back, decrypted exactly.
    let templates = cache.templates("dlib-resnet-v1").expect("templates");
    assert_eq!(templates.len(), 1);
    assert_eq!(templates[0].vector, vec![0.125; 128]);

    // On disk the vector's bytes do not appear.
    drop(cache);
    let raw = rusqlite::Connection::open(&db).expect("raw open");
    let sealed: Vec<u8> = raw
        .query_row(
            "SELECT sealed FROM roster_templates WHERE id = ?1",
            [uuid::Uuid::from_u128(10).to_string()],
            |r| r.get(0),
        )
        .expect("row");
    let plain: Vec<u8> = 0.125f32.to_le_bytes().repeat(4);
    assert!(
        !sealed.windows(plain.len()).any(|w| w == plain.as_slice()),
        "template stored in the clear"
    );
}

#[test]
fn tombstones_remove_people_and_their_templates() {
    let dir = tempfile::tempdir().expect("dir");
    let key = TemplateKey::load_or_create(&dir.path().join("k")).expect("key");
    let mut cache = RosterCache::open(&dir.path().join("s.db"), key).expect("opens");
    let mut d = delta(1);
    d.employees = vec![employee(1, "1001", ConsentState::Granted)];
    d.templates = vec![template(10, 1, 0.5)];
    cache.apply(&d).expect("applies");
    let mut d = delta(2);
    d.tombstones = vec![Tombstone {
        entity: EntityKind::Employee,
        id: uuid::Uuid::from_u128(1),
    }];
    cache.apply(&d).expect("applies");
    assert!(cache.employee_by_number("1001").expect("query").is_none());
    assert!(
        cache
            .templates("dlib-resnet-v1")
            .expect("templates")
            .is_empty()
    );
    assert_eq!(cache.cursor().expect("cursor"), 2);
}

#[test]
fn the_key_file_is_private_and_a_readable_or_wrong_key_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("template.key");
    TemplateKey::load_or_create(&path).expect("created");
    assert_eq!(
        std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777,
        0o600
    );

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let err = TemplateKey::load_or_create(&path).expect_err("too open");
    assert!(err.to_string().contains("chmod 600"), "{err}");

    // Templates sealed under one key do not open under another.
    let db = dir.path().join("s.db");
    let mut cache =
        RosterCache::open(&db, TemplateKey::from_bytes(&[1; 32]).expect("key")).expect("opens");
    let mut d = delta(1);
    d.employees = vec![employee(1, "1001", ConsentState::Granted)];
    d.templates = vec![template(10, 1, 0.5)];
    cache.apply(&d).expect("applies");
    drop(cache);
    let other =
        RosterCache::open(&db, TemplateKey::from_bytes(&[2; 32]).expect("key")).expect("opens");
    let err = other.templates("dlib-resnet-v1").expect_err("wrong key");
    assert!(err.to_string().contains("cannot be decrypted"), "{err}");
}

#[test]
fn a_roster_from_a_newer_server_with_fields_this_kiosk_does_not_know_is_applied() {
    // Fields a later server adds, at every level the kiosk reads: the kiosk parses the answer
    // with the protocol types (as `SyncClient::roster` does) and applies it.
    let json = r#"{"cursor":7,"more":false,"page_hint":500,
        "employees":[{"id":"00000000-0000-0000-0000-000000000001","employee_number":"1001",
            "display_name":"Ana","consent":"granted","shift_colour":"blue",
            "qualifications":[{"qualification_id":"00000000-0000-0000-0000-000000000009","level":2}]}],
        "templates":[{"id":"00000000-0000-0000-0000-000000000005","employee_id":"00000000-0000-0000-0000-000000000001",
            "model_id":"dlib-resnet-v1","vector":[0.5,0.5],"quality":0.9}],
        "equipment":[],"qualifications":[{"id":"00000000-0000-0000-0000-000000000009","name":"Lathe","renew_every_days":365}],
        "tombstones":[],
        "config":{"timezone":"Europe/Lisbon","enabled":true,"punch_repeat_window_s":60,"pin_max_attempts":5,
            "heartbeat_interval_s":60,"max_clock_offset_s":120,"screen_theme":"dark"}}"#;
    let delta: RosterDelta = serde_json::from_str(json).expect("the kiosk's parser accepts it");
    let dir = tempfile::tempdir().expect("dir");
    let key = TemplateKey::from_bytes(&[7; 32]).expect("key");
    let mut cache = RosterCache::open(&dir.path().join("state.db"), key).expect("opens");
    cache.apply(&delta).expect("applies");
    assert_eq!(cache.cursor().expect("cursor"), 7);
    let ana = cache
        .employee_by_number("1001")
        .expect("read")
        .expect("Ana is cached");
    assert_eq!(ana.display_name, "Ana");
    assert_eq!(
        cache.templates("dlib-resnet-v1").expect("templates").len(),
        1
    );
}

#[test]
fn the_site_s_liveness_rules_and_who_cannot_turn_their_head_are_kept() {
    let dir = tempfile::tempdir().expect("dir");
    let key = TemplateKey::load_or_create(&dir.path().join("template.key")).expect("key");
    let mut cache = RosterCache::open(&dir.path().join("state.db"), key).expect("opens");
    let mut d = delta(3);
    d.config.liveness = Some(attend_protocol::face_policy::LivenessPolicy::for_new_site());
    d.employees = vec![
        RosterEmployee {
            no_head_turn: true,
            ..employee(1, "1001", ConsentState::Granted)
        },
        employee(2, "1002", ConsentState::Granted),
    ];
    cache.apply(&d).expect("applies");
    let marked = |number: &str| {
        cache
            .employee_by_number(number)
            .expect("read")
            .expect("known")
            .no_head_turn
    };
    assert!(marked("1001"));
    assert!(!marked("1002"));
    assert_eq!(
        cache.config().expect("read").expect("stored").liveness,
        d.config.liveness
    );
}

/// A kiosk upgraded to the version that knows the head-turn mark pulls its roster again from
/// the start, so people marked while it did not know the field are marked on it too.
#[test]
fn the_upgrade_that_adds_the_head_turn_mark_pulls_the_roster_again() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("state.db");
    let old = rusqlite::Connection::open(&path).expect("open");
    let before_mark = &attend_device::outbox::store::MIGRATIONS[..5];
    for (n, sql) in before_mark.iter().enumerate() {
        old.execute_batch(sql).expect("older schema");
        old.pragma_update(None, "user_version", n + 1)
            .expect("version");
    }
    old.execute_batch("INSERT INTO kv (key, value) VALUES ('roster_cursor', '41')")
        .expect("a cursor");
    drop(old);
    let key = TemplateKey::load_or_create(&dir.path().join("template.key")).expect("key");
    let cache = RosterCache::open(&path, key).expect("upgrades");
    assert_eq!(cache.cursor().expect("cursor"), 0);
}
