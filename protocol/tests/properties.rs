//! Property tests: every wire type survives JSON and back unchanged, and a signature over any
//! changed byte of the signed request fails to verify.

use attend_protocol::ack::{Ack, SyncPushResponse};
use attend_protocol::error::{ErrorBody, ErrorDetail, FieldError};
use attend_protocol::events::{
    CandidateTemplate, EnrolmentCandidate, EquipmentAction, EquipmentEvent, Event, EventBody,
    Heartbeat, Punch, PunchMethod, PunchType, StopReason, SyncPush, Versions,
};
use attend_protocol::face_policy::{
    ChallengeOutcome, FaceMatchRule, FaceMatchRules, LivenessEvidence, LivenessMode,
    LivenessPolicy, OnLivenessFailure, PassiveScore,
};
use attend_protocol::ids::{EmployeeId, EquipmentId, EventId, QualificationId, SessionId};
use attend_protocol::provision::{ProvisionRequest, ProvisionResponse};
use attend_protocol::roster::{
    ConsentState, DeviceConfig, EntityKind, HeldQualification, RosterDelta, RosterEmployee,
    RosterEquipment, RosterQualification, RosterTemplate, Tombstone,
};
use attend_protocol::signing::{DeviceSecret, SignedRequest, sign, verify};
use jiff::Timestamp;
use jiff::civil::Date;
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

fn uuid() -> impl Strategy<Value = Uuid> {
    any::<u128>().prop_map(Uuid::from_u128)
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    (0i64..4_102_444_800, 0i32..1_000_000_000)
        .prop_map(|(s, ns)| Timestamp::new(s, ns).expect("in range"))
}

fn date() -> impl Strategy<Value = Date> {
    (2000i16..2100, 1i8..=12, 1i8..=28).prop_map(|(y, m, d)| Date::new(y, m, d).expect("valid"))
}

fn finite_f32() -> impl Strategy<Value = f32> {
    prop::num::f32::NORMAL | prop::num::f32::ZERO
}

fn text() -> impl Strategy<Value = String> {
    ".{0,24}"
}

fn punch() -> impl Strategy<Value = Punch> {
    (
        uuid(),
        prop_oneof![
            Just(PunchType::In),
            Just(PunchType::Out),
            Just(PunchType::BreakStart),
            Just(PunchType::BreakEnd)
        ],
        prop_oneof![Just(PunchMethod::Face), Just(PunchMethod::Pin)],
        prop::option::of(finite_f32()),
        prop::option::of(finite_f32()),
        prop::option::of(text()),
        prop::option::of((any::<bool>(), 0u32..=100, prop::option::of(text()))),
    )
        .prop_map(
            |(e, punch_type, method, score, threshold, model_id, liveness)| Punch {
                employee_id: EmployeeId(e),
                punch_type,
                method,
                score,
                threshold,
                model_id,
                liveness: liveness.map(|(live, p, reason)| LivenessEvidence {
                    mode: LivenessMode::Adaptive,
                    live,
                    score: Some(p as f32 / 100.0),
                    scores: vec![PassiveScore {
                        model: "minifasnet-v2".to_owned(),
                        p_real: p as f32 / 100.0,
                    }],
                    challenge: if live {
                        ChallengeOutcome::Passed
                    } else {
                        ChallengeOutcome::Failed
                    },
                    reason,
                    picture_jpeg_base64: (p % 2 == 0).then(|| "/9j/4AAQSkZJRg==".to_owned()),
                }),
            },
        )
}

fn stop_reason() -> impl Strategy<Value = StopReason> {
    prop_oneof![
        Just(StopReason::CodeRetyped),
        Just(StopReason::StopKey),
        Just(StopReason::IdleTimeout),
        Just(StopReason::MaxTime),
        Just(StopReason::ClockOut),
        Just(StopReason::Shutdown),
        Just(StopReason::Recovered),
        Just(StopReason::LockedOut),
    ]
}

fn body() -> impl Strategy<Value = EventBody> {
    prop_oneof![
        punch().prop_map(EventBody::Punch),
        (uuid(), uuid(), uuid(), prop::option::of(stop_reason())).prop_map(|(s, q, e, r)| {
            EventBody::Equipment(EquipmentEvent {
                session_id: SessionId(s),
                equipment_id: EquipmentId(q),
                employee_id: EmployeeId(e),
                action: if r.is_some() {
                    EquipmentAction::Stop
                } else {
                    EquipmentAction::Start
                },
                stop_reason: r,
            })
        }),
        (
            text(),
            prop::option::of(text()),
            prop::collection::vec(text(), 0..3),
            any::<u64>(),
            any::<i64>(),
            (0u64..3, prop::option::of(text()))
        )
            .prop_map(
                |(a, v, models, queue_depth, clock_offset_ms, (set_aside, set_aside_reason))| {
                    EventBody::Heartbeat(Heartbeat {
                        versions: Versions {
                            attendd: a,
                            vision: v,
                            models,
                            os: None,
                        },
                        queue_depth,
                        clock_offset_ms,
                        uptime_s: 0,
                        set_aside,
                        set_aside_reason,
                    })
                }
            ),
        (
            uuid(),
            text(),
            prop::collection::vec(
                (prop::collection::vec(finite_f32(), 0..8), finite_f32()),
                0..3
            ),
            prop::option::of("[A-Za-z0-9+/]{0,40}")
        )
            .prop_map(|(e, model_id, ts, thumb)| {
                EventBody::EnrolmentCandidate(EnrolmentCandidate {
                    employee_id: EmployeeId(e),
                    model_id,
                    templates: ts
                        .into_iter()
                        .map(|(vector, quality)| CandidateTemplate { vector, quality })
                        .collect(),
                    thumbnail_jpeg_base64: thumb,
                })
            }),
    ]
}

fn event() -> impl Strategy<Value = Event> {
    (uuid(), any::<u64>(), timestamp(), any::<bool>(), body()).prop_map(
        |(id, seq, captured_at, clock_suspect, body)| Event {
            event_id: EventId(id),
            seq,
            captured_at,
            clock_suspect,
            body,
        },
    )
}

/// Face-match rules made from two numbers: none, one or two models.
fn face_match(w: u32, a: u32) -> FaceMatchRules {
    let all = [
        FaceMatchRule {
            model: "dlib-resnet-v1".into(),
            threshold: (w % 100) as f32 / 100.0,
            margin: (a % 50) as f32 / 100.0,
        },
        FaceMatchRule {
            model: "sface-2021dec".into(),
            threshold: (a % 100) as f32 / 100.0,
            margin: 0.0,
        },
    ];
    FaceMatchRules {
        models: all.into_iter().take((a % 3) as usize).collect(),
    }
}

/// Liveness rules made from two numbers, every mode and outcome reachable.
fn liveness(w: u32, a: u32) -> LivenessPolicy {
    LivenessPolicy {
        mode: [
            LivenessMode::Off,
            LivenessMode::Passive,
            LivenessMode::Challenge,
            LivenessMode::Adaptive,
        ][(a % 4) as usize],
        pass_score: (w % 101) as f32 / 100.0,
        challenge_below: (a % 101) as f32 / 100.0,
        on_failure: if w.is_multiple_of(2) {
            OnLivenessFailure::Flag
        } else {
            OnLivenessFailure::Refuse
        },
        challenge_timeout_s: 3 + a % 58,
        evidence_thumbnails: a.is_multiple_of(3),
    }
}

fn roster() -> impl Strategy<Value = RosterDelta> {
    let employee = (
        uuid(),
        text(),
        text(),
        prop::option::of(text()),
        prop::collection::vec((uuid(), prop::option::of(date())), 0..3),
        any::<bool>(),
    )
        .prop_map(
            |(id, number, name, pin_hash, quals, no_head_turn)| RosterEmployee {
                id: EmployeeId(id),
                employee_number: number,
                display_name: name,
                pin_hash,
                consent: ConsentState::Granted,
                qualifications: quals
                    .into_iter()
                    .map(|(q, expires_on)| HeldQualification {
                        qualification_id: QualificationId(q),
                        expires_on,
                    })
                    .collect(),
                no_head_turn,
            },
        );
    let template = (
        uuid(),
        uuid(),
        text(),
        prop::collection::vec(finite_f32(), 0..16),
    )
        .prop_map(|(id, e, model_id, vector)| RosterTemplate {
            id: attend_protocol::ids::TemplateId(id),
            employee_id: EmployeeId(e),
            model_id,
            vector,
        });
    let equipment = (
        uuid(),
        text(),
        text(),
        prop::option::of(uuid()),
        any::<u8>(),
        any::<bool>(),
    )
        .prop_map(
            |(id, name, hash, q, relay_channel, locked_out)| RosterEquipment {
                id: EquipmentId(id),
                name,
                activation_code_hash: hash,
                required_qualification: q.map(QualificationId),
                relay_channel,
                locked_out,
            },
        );
    let tombstone = (
        prop_oneof![
            Just(EntityKind::Employee),
            Just(EntityKind::Template),
            Just(EntityKind::Equipment),
            Just(EntityKind::Qualification)
        ],
        uuid(),
    )
        .prop_map(|(entity, id)| Tombstone { entity, id });
    (
        any::<u64>(),
        any::<bool>(),
        prop::collection::vec(employee, 0..3),
        prop::collection::vec(template, 0..3),
        prop::collection::vec(equipment, 0..3),
        prop::collection::vec((uuid(), text()), 0..3),
        prop::collection::vec(tombstone, 0..3),
        (text(), any::<bool>(), any::<u32>(), any::<u32>()),
    )
        .prop_map(
            |(
                cursor,
                more,
                employees,
                templates,
                equipment,
                quals,
                tombstones,
                (tz, enabled, w, a),
            )| {
                RosterDelta {
                    cursor,
                    more,
                    employees,
                    templates,
                    equipment,
                    qualifications: quals
                        .into_iter()
                        .map(|(id, name)| RosterQualification {
                            id: QualificationId(id),
                            name,
                        })
                        .collect(),
                    tombstones,
                    config: DeviceConfig {
                        timezone: tz,
                        enabled,
                        punch_repeat_window_s: w,
                        pin_max_attempts: a,
                        heartbeat_interval_s: w / 2,
                        max_clock_offset_s: a / 2,
                        awaiting_confirmation: !enabled,
                        liveness: enabled.then(|| liveness(w, a)),
                        face_match: (w % 3 != 0).then(|| face_match(w, a)),
                    },
                }
            },
        )
}

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let json = serde_json::to_string(value).expect("serialises");
    let back: T = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(&back, value, "round trip changed the value: {json}");
}

proptest! {
    #[test]
    fn sync_push_round_trips(events in prop::collection::vec(event(), 0..8)) {
        round_trip(&SyncPush { events });
    }

    #[test]
    fn acks_round_trip(ids in prop::collection::vec((uuid(), 0u8..3, text()), 0..8), now in timestamp()) {
        let acks = ids.into_iter().map(|(id, s, reason)| match s {
            0 => Ack::accepted(EventId(id)),
            1 => Ack::duplicate(EventId(id)),
            _ => Ack::rejected(EventId(id), reason),
        }).collect();
        round_trip(&SyncPushResponse { acks, server_time: now });
    }

    #[test]
    fn roster_delta_round_trips(delta in roster()) {
        round_trip(&delta);
    }

    #[test]
    fn provisioning_round_trips(code in text(), v in prop::option::of(text()), ids in (uuid(), uuid(), uuid()), tz in text(), now in timestamp(), key in any::<[u8; 32]>()) {
        round_trip(&ProvisionRequest { code, attendd_version: v });
        round_trip(&ProvisionResponse {
            device_id: ids.0.into(),
            device_secret: DeviceSecret::from_bytes(key).to_base64(),
            org_id: ids.1.into(),
            site_id: ids.2.into(),
            site_timezone: tz,
            server_time: now,
        });
    }

    #[test]
    fn error_body_round_trips(code in text(), message in text(), fields in prop::collection::vec((text(), text()), 0..4), rid in text()) {
        round_trip(&ErrorBody { error: ErrorDetail {
            code,
            message,
            details: fields.into_iter().map(|(f, m)| FieldError::new(f, m)).collect(),
            request_id: rid,
        }});
    }

    #[test]
    fn a_signature_over_any_changed_byte_fails(
        key in any::<[u8; 32]>(),
        body in prop::collection::vec(any::<u8>(), 0..256),
        query in "[a-z0-9=&]{0,20}",
        ts in 1_600_000_000i64..1_900_000_000,
        nonce in "[A-Za-z0-9_-]{16,32}",
        field in 0usize..6,
        pos in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let secret = DeviceSecret::from_bytes(key);
        let method = "POST".to_string();
        let path = "/api/v1/device/events".to_string();
        let original = SignedRequest { method: &method, path: &path, query: &query, timestamp: ts, nonce: &nonce, body: &body };
        let sig = sign(&secret, &original);
        prop_assert!(verify(&secret, &original, &sig, ts, 300).is_ok());

        // Change exactly one byte of one signed field (or shift the timestamp by one second).
        let mut parts = [method.clone().into_bytes(), path.clone().into_bytes(), query.clone().into_bytes(), nonce.clone().into_bytes(), body.clone()];
        let (mut ts2, mut changed) = (ts, true);
        if field == 5 {
            ts2 = ts + 1;
        } else {
            let bytes = &mut parts[field];
            if bytes.is_empty() {
                bytes.push(b'x');
            } else {
                let i = pos.index(bytes.len());
                // Keep text fields ASCII-alphanumeric so only the byte's value differs.
                let replacement = if field == 4 { bytes[i] ^ flip } else if bytes[i] == b'z' { b'y' } else { b'z' };
                changed = replacement != bytes[i];
                bytes[i] = replacement;
            }
        }
        let text = |b: &Vec<u8>| String::from_utf8(b.clone()).expect("ascii");
        let (m, p, q, n) = (text(&parts[0]), text(&parts[1]), text(&parts[2]), text(&parts[3]));
        let tampered = SignedRequest { method: &m, path: &p, query: &q, timestamp: ts2, nonce: &n, body: &parts[4] };
        // Upper/lower case of the method is normalised by design; skip those equivalent changes.
        let equivalent = field == 0 && m.eq_ignore_ascii_case(&method);
        let reordered_query = field == 2 && {
            let mut a: Vec<&str> = q.split('&').filter(|s| !s.is_empty()).collect();
            let mut b: Vec<&str> = query.split('&').filter(|s| !s.is_empty()).collect();
            a.sort_unstable(); b.sort_unstable(); a == b
        };
        if changed && !equivalent && !reordered_query {
            prop_assert!(verify(&secret, &tampered, &sig, ts, 300).is_err());
        }
    }
}

#[test]
fn a_batch_with_fields_this_version_does_not_know_still_parses() {
    let json = r#"{"events":[],"extra":1}"#;
    let push: SyncPush = serde_json::from_str(json).expect("an unknown batch field is ignored");
    assert!(push.events.is_empty());
}

#[test]
fn an_event_with_unknown_fields_at_every_level_still_parses() {
    let json = r#"{"event_id":"0190f5a0-0000-7000-8000-000000000000","seq":1,
        "captured_at":"2026-01-01T08:00:00Z","priority":"high",
        "body":{"kind":"punch","employee_id":"0190f5a0-0000-7000-8000-000000000001",
                "punch_type":"in","method":"pin","colour":"red"}}"#;
    let event: Event = serde_json::from_str(json).expect("unknown fields are ignored");
    assert!(matches!(event.body, EventBody::Punch(p) if p.punch_type == PunchType::In));
}

#[test]
fn an_unknown_event_kind_is_still_refused() {
    // A kind this version cannot store must not be read as another: the event is refused, and
    // the kiosk sets it aside until the server is upgraded.
    let json = r#"{"event_id":"0190f5a0-0000-7000-8000-000000000000","seq":1,
        "captured_at":"2026-01-01T08:00:00Z","body":{"kind":"door_opened"}}"#;
    let err = serde_json::from_str::<Event>(json).expect_err("unknown kind");
    assert!(err.to_string().contains("door_opened"), "{err}");
}

#[test]
fn a_heartbeat_with_nothing_set_aside_is_what_an_older_server_expects() {
    let beat = Heartbeat {
        versions: Versions {
            attendd: "1".into(),
            vision: None,
            models: vec![],
            os: None,
        },
        queue_depth: 3,
        clock_offset_ms: 0,
        uptime_s: 9,
        set_aside: 0,
        set_aside_reason: None,
    };
    let json = serde_json::to_value(&beat).expect("json");
    let mut keys: Vec<&str> = json
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["clock_offset_ms", "queue_depth", "uptime_s", "versions"]
    );
    let older: Heartbeat =
        serde_json::from_str(r#"{"versions":{"attendd":"1"},"queue_depth":3,"clock_offset_ms":0}"#)
            .expect("a heartbeat from an older kiosk parses");
    assert_eq!((older.set_aside, older.set_aside_reason), (0, None));
}

#[test]
fn a_roster_with_fields_this_kiosk_does_not_know_still_parses() {
    let json = r#"{"cursor":4,"more":false,"shards":[1],
        "employees":[{"id":"0190f5a0-0000-7000-8000-000000000001","employee_number":"1001",
            "display_name":"Ana","consent":"granted","badge":"blue",
            "qualifications":[{"qualification_id":"0190f5a0-0000-7000-8000-000000000002","level":3}]}],
        "templates":[],"equipment":[],"qualifications":[],
        "tombstones":[{"entity":"employee","id":"0190f5a0-0000-7000-8000-000000000003","why":"x"}],
        "config":{"timezone":"UTC","enabled":true,"punch_repeat_window_s":60,"pin_max_attempts":5,
            "heartbeat_interval_s":60,"max_clock_offset_s":120,"theme":"dark"}}"#;
    let delta: RosterDelta = serde_json::from_str(json).expect("unknown fields are ignored");
    assert_eq!(delta.employees[0].employee_number, "1001");
    assert_eq!(delta.tombstones.len(), 1);
    assert!(
        !delta.config.awaiting_confirmation,
        "an older server's kiosks are confirmed"
    );
}

#[test]
fn liveness_rules_and_the_head_turn_mark_are_optional_both_ways() {
    // An older server sends neither: the kiosk keeps its default, nobody is marked.
    let older = r#"{"cursor":1,"more":false,"employees":[{"id":"0190f5a0-0000-7000-8000-000000000001",
        "employee_number":"1001","display_name":"Ana","consent":"granted"}],
        "templates":[],"equipment":[],"qualifications":[],"tombstones":[],
        "config":{"timezone":"UTC","enabled":true,"punch_repeat_window_s":60,"pin_max_attempts":5,
            "heartbeat_interval_s":60,"max_clock_offset_s":120}}"#;
    let delta: RosterDelta = serde_json::from_str(older).expect("an older server's roster");
    assert_eq!(delta.config.liveness, None);
    assert!(!delta.employees[0].no_head_turn);
    // A newer server's are sent only when there is something to say, so an unmarked person and
    // a config without rules are byte for byte what older kiosks always got.
    let plain = serde_json::to_value(&delta).expect("json");
    assert!(plain["config"].get("liveness").is_none(), "{plain}");
    assert!(
        plain["employees"][0].get("no_head_turn").is_none(),
        "{plain}"
    );
    // And what a newer server sends reads back whole.
    let mut newer = delta.clone();
    newer.config.liveness = Some(LivenessPolicy::for_new_site());
    newer.employees[0].no_head_turn = true;
    let json = serde_json::to_value(&newer).expect("json");
    assert_eq!(json["config"]["liveness"]["mode"], "adaptive");
    assert_eq!(json["employees"][0]["no_head_turn"], true);
    round_trip(&newer);
    // A still newer server's rules with a field this kiosk does not know: ignored.
    let mut newest = json.clone();
    newest["config"]["liveness"]["blink"] = serde_json::json!(true);
    newest["employees"][0]["liveness_note"] = serde_json::json!("uses a wheelchair");
    let parsed: RosterDelta = serde_json::from_value(newest).expect("parses");
    assert_eq!(parsed.config.liveness, Some(LivenessPolicy::for_new_site()));
    assert!(parsed.employees[0].no_head_turn);
}

#[test]
fn face_match_rules_are_optional_and_a_newer_servers_additions_are_ignored() {
    // An older server sends none: the kiosk keeps its own values; none is sent back as none.
    let older = r#"{"cursor":1,"more":false,"employees":[],"templates":[],"equipment":[],
        "qualifications":[],"tombstones":[],
        "config":{"timezone":"UTC","enabled":true,"punch_repeat_window_s":60,"pin_max_attempts":5,
            "heartbeat_interval_s":60,"max_clock_offset_s":120}}"#;
    let delta: RosterDelta = serde_json::from_str(older).expect("an older server's roster");
    assert_eq!(delta.config.face_match, None);
    let plain = serde_json::to_value(&delta).expect("json");
    assert!(plain["config"].get("face_match").is_none(), "{plain}");
    // A new site's rules go out as a list of {model, threshold, margin} and read back whole.
    let mut newer = delta.clone();
    newer.config.face_match = Some(FaceMatchRules::for_new_site());
    let json = serde_json::to_value(&newer).expect("json");
    assert_eq!(
        json["config"]["face_match"]["models"][0]["model"],
        "dlib-resnet-v1"
    );
    round_trip(&newer);
    // A still newer server says more at every level: this kiosk reads what it knows.
    let mut newest = json.clone();
    newest["config"]["face_match"]["strict_hours"] = serde_json::json!([22, 6]);
    newest["config"]["face_match"]["models"][0]["frames"] = serde_json::json!(5);
    let parsed: RosterDelta = serde_json::from_value(newest).expect("parses");
    assert_eq!(
        parsed.config.face_match,
        Some(FaceMatchRules::for_new_site())
    );
    let rules = parsed.config.face_match.expect("rules");
    let rule = rules.rule_for("dlib-resnet-v1").expect("dlib's rule");
    assert_eq!((rule.threshold, rule.margin), (0.45, 0.11));
    assert!(
        rules.rule_for("sface-2021dec").is_none(),
        "SFace keeps the kiosk's own"
    );
}

#[test]
fn a_new_site_gets_the_head_turn_when_in_doubt_and_an_upgraded_one_only_the_passive_check() {
    let new = LivenessPolicy::for_new_site();
    let upgraded = LivenessPolicy::for_upgraded_site();
    assert_eq!(
        (new.mode, new.on_failure),
        (LivenessMode::Adaptive, OnLivenessFailure::Flag)
    );
    assert_eq!(
        (upgraded.mode, upgraded.on_failure),
        (LivenessMode::Passive, OnLivenessFailure::Flag)
    );
    assert!(new.pass_score <= new.challenge_below);
}

#[test]
fn a_confirmed_kiosk_s_config_is_what_older_kiosks_always_had() {
    let confirmed = serde_json::to_value(DeviceConfig::default()).expect("json");
    assert!(
        confirmed.get("awaiting_confirmation").is_none(),
        "{confirmed}"
    );
    let waiting = DeviceConfig {
        awaiting_confirmation: true,
        ..DeviceConfig::default()
    };
    let json = serde_json::to_value(&waiting).expect("json");
    assert_eq!(json["awaiting_confirmation"], true);
}

#[test]
fn the_provisioning_request_still_refuses_unknown_fields() {
    let err =
        serde_json::from_str::<ProvisionRequest>(r#"{"code":"X","extra":1}"#).expect_err("strict");
    assert!(err.to_string().contains("unknown field `extra`"), "{err}");
}
