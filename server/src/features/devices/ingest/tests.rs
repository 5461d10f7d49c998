use attend_protocol::events::{Event, EventBody};
use attend_protocol::ids::{EmployeeId, EquipmentId, SiteId};
use attend_protocol::roster::ConsentState;
use jiff::{SignedDuration, Timestamp};

use super::{EmployeeFacts, Membership, Pusher, UNCONFIRMED_KIOSK, Verdict, verdict};
use crate::db::StoreResult;

struct Org(Option<EmployeeFacts>);

impl Membership for Org {
    fn employee(&mut self, _: EmployeeId) -> StoreResult<Option<EmployeeFacts>> {
        Ok(self.0.clone())
    }
    fn has_equipment(&mut self, _: EquipmentId) -> StoreResult<bool> {
        Ok(true)
    }
}

fn now() -> Timestamp {
    Timestamp::from_second(1_800_000_000).expect("time")
}

fn site(n: u128) -> SiteId {
    SiteId::from(uuid::Uuid::from_u128(n))
}

fn active(home: Option<SiteId>) -> EmployeeFacts {
    EmployeeFacts {
        deleted: false,
        pending: false,
        consent: ConsentState::Granted,
        home_site: home,
        punch_sites: Vec::new(),
    }
}

fn punch_at(at: Timestamp) -> Event {
    serde_json::from_value(serde_json::json!({
        "event_id": uuid::Uuid::now_v7(), "seq": 1, "captured_at": at,
        "body": {"kind": "punch", "employee_id": uuid::Uuid::from_u128(9), "punch_type": "in", "method": "pin"}
    }))
    .expect("a punch")
}

fn pusher() -> Pusher {
    Pusher {
        site: site(1),
        confirmed: true,
        provisioned_at: Some(now() - SignedDuration::from_hours(24 * 30)),
        newest_sent: Some(now() - SignedDuration::from_hours(1)),
        received_at: now(),
        skew: SignedDuration::from_mins(5),
    }
}

fn of(event: &Event, facts: Option<EmployeeFacts>) -> Verdict {
    verdict(event, &pusher(), &mut Org(facts)).expect("rule")
}

fn held(v: &Verdict) -> bool {
    matches!(v, Verdict::Hold(..))
}

fn flagged(v: &Verdict) -> bool {
    matches!(v, Verdict::Store(Some(_)))
}

#[test]
fn a_punch_of_an_active_employee_at_their_site_is_stored() {
    assert_eq!(
        of(&punch_at(now()), Some(active(Some(site(1))))),
        Verdict::Store(None)
    );
    assert_eq!(
        of(&punch_at(now()), Some(active(None))),
        Verdict::Store(None)
    );
}

#[test]
fn punches_of_deleted_pending_or_elsewhere_assigned_employees_are_held_not_dropped() {
    let deleted = EmployeeFacts {
        deleted: true,
        ..active(None)
    };
    let pending = EmployeeFacts {
        pending: true,
        ..active(None)
    };
    let elsewhere = active(Some(site(2)));
    let listed = EmployeeFacts {
        punch_sites: vec![site(2), site(1)],
        ..active(Some(site(2)))
    };
    let unlisted = EmployeeFacts {
        punch_sites: vec![site(3)],
        ..active(Some(site(1)))
    };
    let event = punch_at(now());
    assert!(held(&of(&event, Some(deleted))));
    assert!(held(&of(&event, Some(pending))));
    assert!(held(&of(&event, Some(elsewhere))));
    assert_eq!(
        of(&event, Some(listed)),
        Verdict::Store(None),
        "a listed site"
    );
    assert!(
        held(&of(&event, Some(unlisted))),
        "the list replaces the home site"
    );
}

#[test]
fn events_dated_in_the_future_before_provisioning_or_long_before_what_was_sent_are_flagged() {
    let facts = Some(active(None));
    assert!(flagged(&of(
        &punch_at(now() + SignedDuration::from_hours(1)),
        facts.clone()
    )));
    assert!(flagged(&of(
        &punch_at(now() - SignedDuration::from_hours(24 * 31)),
        facts.clone()
    )));
    assert!(flagged(&of(
        &punch_at(now() - SignedDuration::from_hours(26)),
        facts.clone()
    )));
    // Offline for a while, but after what it sent before: real hours.
    assert_eq!(
        of(&punch_at(now() - SignedDuration::from_mins(50)), facts),
        Verdict::Store(None)
    );
}

#[test]
fn an_enrolment_capture_without_consent_is_refused_and_other_organisations_employees_too() {
    let candidate = attend_protocol::events::EnrolmentCandidate::new(
        EmployeeId::from(uuid::Uuid::from_u128(9)),
        "dlib-resnet-v1".into(),
        [(vec![0.5; 128], 0.9)],
        None,
    );
    let capture = Event {
        body: EventBody::EnrolmentCandidate(candidate),
        ..punch_at(now())
    };
    for consent in [ConsentState::NotAsked, ConsentState::Withdrawn] {
        let facts = EmployeeFacts {
            consent,
            ..active(None)
        };
        assert!(matches!(of(&capture, Some(facts)), Verdict::Reject(r) if r.contains("consent")));
    }
    assert!(
        matches!(of(&punch_at(now()), None), Verdict::Reject(r) if r.contains("not an employee"))
    );
}

fn unconfirmed(event: &Event, facts: EmployeeFacts) -> Verdict {
    let pusher = Pusher {
        confirmed: false,
        ..pusher()
    };
    verdict(event, &pusher, &mut Org(Some(facts))).expect("rule")
}

#[test]
fn an_unconfirmed_kiosk_s_punches_are_held_for_that_reason_alone_or_with_the_other() {
    let event = punch_at(now());
    assert_eq!(
        unconfirmed(&event, active(Some(site(1)))),
        Verdict::Hold(UNCONFIRMED_KIOSK.into(), None)
    );
    // Held for another reason too: confirming the kiosk must not release it.
    assert_eq!(
        unconfirmed(&event, active(Some(site(2)))),
        Verdict::Hold(
            format!("{UNCONFIRMED_KIOSK}; the employee may not punch at this kiosk's site"),
            None
        )
    );
}

#[test]
fn an_unconfirmed_kiosk_s_enrolment_capture_is_refused_and_its_heartbeat_stored() {
    let candidate = attend_protocol::events::EnrolmentCandidate::new(
        EmployeeId::from(uuid::Uuid::from_u128(9)),
        "dlib-resnet-v1".into(),
        [(vec![0.5; 128], 0.9)],
        None,
    );
    let capture = Event {
        body: EventBody::EnrolmentCandidate(candidate),
        ..punch_at(now())
    };
    assert!(
        matches!(unconfirmed(&capture, active(None)), Verdict::Reject(r) if r.contains(UNCONFIRMED_KIOSK))
    );
    let beat: Event = serde_json::from_value(serde_json::json!({
        "event_id": uuid::Uuid::now_v7(), "seq": 2, "captured_at": now(),
        "body": {"kind": "heartbeat", "versions": {"attendd": "0.1.0"}, "queue_depth": 0, "clock_offset_ms": 0}
    }))
    .expect("a heartbeat");
    assert_eq!(unconfirmed(&beat, active(None)), Verdict::Store(None));
}

fn face_punch(at: Timestamp, liveness: serde_json::Value) -> Event {
    let mut json = serde_json::json!({
        "event_id": uuid::Uuid::now_v7(), "seq": 1, "captured_at": at,
        "body": {"kind": "punch", "employee_id": uuid::Uuid::from_u128(9), "punch_type": "in",
                 "method": "face", "score": 0.3, "threshold": 0.6, "model_id": "dlib-resnet-v1"}
    });
    if !liveness.is_null() {
        json["body"]["liveness"] = liveness;
    }
    serde_json::from_value(json).expect("a face punch")
}

#[test]
fn a_face_punch_whose_liveness_check_failed_is_flagged_with_why_and_one_that_passed_is_not() {
    let facts = || Some(active(Some(site(1))));
    let failed = serde_json::json!({"mode": "adaptive", "live": false, "score": 0.31,
        "scores": [{"model": "minifasnet-v2", "p_real": 0.3}, {"model": "minifasnet-v1se", "p_real": 0.32}], "challenge": "failed",
        "reason": "no parallax: a flat picture"});
    match of(&face_punch(now(), failed.clone()), facts()) {
        Verdict::Store(Some(flag)) => assert!(
            flag.contains("liveness check failed: no parallax"),
            "{flag}"
        ),
        other => panic!("not flagged: {other:?}"),
    }
    let passed = serde_json::json!({"mode": "passive", "live": true, "score": 0.97,
        "challenge": "not_asked"});
    assert_eq!(
        of(&face_punch(now(), passed), facts()),
        Verdict::Store(None)
    );
    // An older kiosk's face punch says nothing of liveness: stored as before.
    assert_eq!(
        of(&face_punch(now(), serde_json::Value::Null), facts()),
        Verdict::Store(None)
    );
    // Both suspicions at once: both reasons.
    let future = now() + SignedDuration::from_hours(2);
    match of(&face_punch(future, failed), facts()) {
        Verdict::Store(Some(flag)) => {
            assert!(
                flag.contains("after it was received") && flag.contains("liveness"),
                "{flag}"
            );
        }
        other => panic!("not flagged: {other:?}"),
    }
}

#[test]
fn liveness_evidence_out_of_range_is_refused_naming_the_field() {
    let facts = || Some(active(Some(site(1))));
    for (evidence, field) in [
        (
            serde_json::json!({"mode": "passive", "live": true, "score": 1.5, "challenge": "not_asked"}),
            "body.liveness.score",
        ),
        (
            serde_json::json!({"mode": "passive", "live": true, "challenge": "not_asked",
                "scores": [{"model": "a", "p_real": 0.1}, {"model": "b", "p_real": 0.2},
                    {"model": "c", "p_real": 0.3}, {"model": "d", "p_real": 0.4},
                    {"model": "e", "p_real": 0.5}]}),
            "body.liveness.scores",
        ),
        (
            serde_json::json!({"mode": "passive", "live": false, "challenge": "failed",
                "reason": "x".repeat(201)}),
            "body.liveness.reason",
        ),
    ] {
        match of(&face_punch(now(), evidence), facts()) {
            Verdict::Reject(reason) => assert!(reason.starts_with(field), "{reason}"),
            other => panic!("{field}: not refused: {other:?}"),
        }
    }
}

/// A held punch keeps its flag, so releasing it later (confirming the kiosk) leaves it flagged.
#[test]
fn a_held_face_punch_that_failed_its_liveness_check_stays_flagged() {
    let failed = serde_json::json!({"mode": "passive", "live": false, "score": 0.2,
        "challenge": "not_asked", "reason": "passive score 0.20 below 0.50"});
    match unconfirmed(&face_punch(now(), failed), active(Some(site(1)))) {
        Verdict::Hold(reason, Some(flag)) => {
            assert_eq!(reason, UNCONFIRMED_KIOSK);
            assert!(flag.contains("liveness check failed"), "{flag}");
        }
        other => panic!("held and flagged expected: {other:?}"),
    }
}

#[test]
fn a_picture_the_site_does_not_keep_is_not_stored_and_anything_else_is_kept_verbatim() {
    let raw = serde_json::json!({
        "event_id": uuid::Uuid::now_v7(), "seq": 1, "captured_at": now(),
        "body": {"kind": "punch", "employee_id": uuid::Uuid::from_u128(9), "punch_type": "in",
                 "method": "face", "score": 0.4, "threshold": 0.6, "model_id": "dlib-resnet-v1",
                 "liveness": {"mode": "passive", "live": true, "challenge": "not_asked",
                              "picture_jpeg_base64": "/9j/4AAQ", "a_later_field": 1}}
    })
    .to_string();
    let event: Event = serde_json::from_str(&raw).expect("a punch");
    assert_eq!(super::stored_payload(&event, raw.clone(), true), raw);
    let stored: serde_json::Value =
        serde_json::from_str(&super::stored_payload(&event, raw.clone(), false)).expect("JSON");
    let liveness = &stored["body"]["liveness"];
    assert!(liveness.get("picture_jpeg_base64").is_none(), "{stored}");
    assert_eq!(
        liveness["a_later_field"], 1,
        "what the kiosk sent is kept: {stored}"
    );
    assert_eq!(stored["body"]["score"], 0.4);
    // Without a picture nothing is rewritten.
    let plain = punch_at(now());
    let plain_raw = serde_json::to_string(&plain).expect("JSON");
    assert_eq!(
        super::stored_payload(&plain, plain_raw.clone(), false),
        plain_raw
    );
}
