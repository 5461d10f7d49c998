//! Face decisions at the station: the match and its liveness evidence on the punch, the site's
//! rules (refuse or flag), and the head turn they may ask for, ended by its outcome, by a key,
//! or by the station's own deadline.

use attend_device::kiosk::liveness::{Passive, PassiveFrame};
use attend_device::station::{FaceMatch, MessageKind, TURN_GRACE_MS};
use attend_protocol::events::{EventBody, PunchMethod};
use attend_protocol::face_policy::{
    ChallengeOutcome, LivenessEvidence, LivenessMode, LivenessPolicy, OnLivenessFailure,
};
use attend_protocol::roster::RosterDelta;
use attend_vision::liveness::challenge::{FailReason, Progress, Turn};

use super::{ANA, BRUNO, Rig, bodies, rig, type_keys};

fn face(score: f32) -> FaceMatch {
    FaceMatch {
        score,
        threshold: 0.6,
        model_id: "dlib-resnet-v1".into(),
        picture: Some(vec![0xFF, 0xD8, 0xFF, 0xE0]),
        descriptor: Some(vec![0.1; 4]),
    }
}

fn live(score: f32) -> Passive {
    Passive::Frames(vec![PassiveFrame {
        score: Some(score),
        scores: [("minifasnet-v2".to_owned(), score)].into(),
        reason: None,
    }])
}

/// The site's liveness rules, as a roster pull would bring them.
fn set_rules(r: &Rig, policy: LivenessPolicy) {
    let mut config = r
        .roster
        .lock()
        .expect("lock")
        .config()
        .expect("read")
        .expect("config");
    config.liveness = Some(policy);
    r.roster
        .lock()
        .expect("lock")
        .apply(&RosterDelta {
            config,
            ..RosterDelta::empty(2)
        })
        .expect("applied");
}

#[test]
fn face_punches_record_the_match_and_need_consent() {
    let mut r = rig();
    let m = r.station.on_face(ANA, face(0.41), &live(0.9), 1_000);
    assert_eq!(m.kind, MessageKind::Success);
    let m = r.station.on_face(BRUNO, face(0.3), &live(0.9), 1_000);
    assert_eq!(m.kind, MessageKind::Refused);
    assert!(m.text.contains("use your PIN"), "{}", m.text);
    match bodies(&r.outbox).as_slice() {
        [EventBody::Punch(p)] => {
            assert_eq!(p.method, PunchMethod::Face);
            assert_eq!(
                (p.score, p.threshold, p.model_id.as_deref()),
                (Some(0.41), Some(0.6), Some("dlib-resnet-v1"))
            );
        }
        other => panic!("expected one face punch, got {other:?}"),
    }
    // Repeats within the window are refused and write nothing.
    assert_eq!(
        r.station.on_face(ANA, face(0.4), &live(0.9), 5_000).kind,
        MessageKind::Refused
    );
    assert_eq!(bodies(&r.outbox).len(), 1);
}

#[test]
fn a_face_that_fails_the_liveness_check_is_refused_or_punched_for_review_as_the_site_says() {
    let mut r = rig();
    // No rules from the server yet: the passive check, failures flagged.
    let m = r.station.on_face(ANA, face(0.41), &live(0.2), 1_000);
    assert_eq!(m.kind, MessageKind::Success, "{}", m.text);
    match bodies(&r.outbox).as_slice() {
        [EventBody::Punch(p)] => {
            let evidence = p
                .liveness
                .as_ref()
                .expect("the punch says how sure the kiosk was");
            assert!(!evidence.live);
            assert_eq!(evidence.mode, LivenessMode::Passive);
            assert_eq!(evidence.score, Some(0.2));
            assert_eq!(evidence.scores.len(), 1);
            assert_eq!(evidence.scores[0].model, "minifasnet-v2");
            assert!((evidence.scores[0].p_real - 0.2).abs() < 1e-6);
        }
        other => panic!("expected one face punch, got {other:?}"),
    }

    set_rules(
        &r,
        LivenessPolicy {
            mode: LivenessMode::Passive,
            on_failure: OnLivenessFailure::Refuse,
            ..LivenessPolicy::for_new_site()
        },
    );
    let m = r.station.on_face(ANA, face(0.41), &live(0.2), 120_000);
    assert_eq!(m.kind, MessageKind::Refused);
    assert!(m.text.contains("Use your PIN"), "{}", m.text);
    assert!(m.text.contains("below 0.50"), "{}", m.text);
    assert_eq!(bodies(&r.outbox).len(), 1, "a refused face writes nothing");
    // The models missing is never a pass either.
    let m = r
        .station
        .on_face(ANA, face(0.41), &Passive::NotInstalled, 121_000);
    assert_eq!(m.kind, MessageKind::Refused);
    assert!(m.text.contains("not installed"), "{}", m.text);
    // A live face under the same rules punches, with its evidence.
    let m = r.station.on_face(ANA, face(0.41), &live(0.8), 122_000);
    assert_eq!(m.kind, MessageKind::Success, "{}", m.text);
    match bodies(&r.outbox).last() {
        Some(EventBody::Punch(p)) => assert!(p.liveness.as_ref().is_some_and(|e| e.live)),
        other => panic!("expected a face punch, got {other:?}"),
    }
}

/// The liveness evidence of the one punch in the outbox, which must be a face punch.
fn sole_evidence(r: &Rig) -> LivenessEvidence {
    match bodies(&r.outbox).as_slice() {
        [EventBody::Punch(p)] => p.liveness.clone().expect("the punch carries its evidence"),
        other => panic!("expected one face punch, got {other:?}"),
    }
}

/// The number of the first head turn a station asks for.
const ID: u64 = 1;

/// A rig whose site asks every face for a head turn, failures handled `on_failure`, and whose
/// coin always says `direction`.
fn turning_rig(on_failure: OnLivenessFailure, direction: Turn) -> Rig {
    let mut r = rig();
    set_rules(
        &r,
        LivenessPolicy {
            mode: LivenessMode::Challenge,
            on_failure,
            challenge_timeout_s: 5,
            ..LivenessPolicy::for_new_site()
        },
    );
    let bits = match direction {
        Turn::Left => 0,
        Turn::Right => 1,
    };
    r.station.set_coin(Box::new(move || bits));
    r
}

#[test]
fn a_head_turn_is_asked_for_and_its_pass_punches_with_the_evidence() {
    let mut r = turning_rig(OnLivenessFailure::Refuse, Turn::Right);
    let m = r.station.on_face(ANA, face(0.41), &live(0.95), 1_000);
    assert_eq!(m.kind, MessageKind::Turn, "{}", m.text);
    assert_eq!(m.text, "Ana, turn your head to your right");
    let ask = r.station.turn_asked().expect("a turn is pending");
    assert_eq!(
        (ask.direction, ask.timeout_ms, ask.asked_at_ms),
        (Turn::Right, 5_000, 1_000)
    );
    assert!(bodies(&r.outbox).is_empty(), "no punch before the turn");
    assert_eq!(ask.id, ID);
    assert_eq!(
        r.station.turn_anchor(),
        Some(&[0.1; 4][..]),
        "checked against the face that decided"
    );
    let other = Progress::Passed {
        residual: 0.1,
        turn: 0.12,
    };
    assert_eq!(
        r.station.on_turn(ID + 1, other, 1_500),
        None,
        "another turn's outcome ends nothing"
    );
    // Progress short of the end changes nothing.
    for progress in [Progress::Looking, Progress::Turning { fraction: 0.5 }] {
        assert_eq!(r.station.on_turn(ID, progress, 2_000), None);
    }
    assert!(r.station.turn_asked().is_some());
    let m = r
        .station
        .on_turn(
            ID,
            Progress::Passed {
                residual: 0.1,
                turn: 0.12,
            },
            2_500,
        )
        .expect("the pass ends the turn");
    assert_eq!(m.kind, MessageKind::Success, "{}", m.text);
    assert_eq!(r.station.turn_asked(), None);
    match bodies(&r.outbox).as_slice() {
        [EventBody::Punch(p)] => {
            assert_eq!(p.method, PunchMethod::Face);
            let evidence = p.liveness.as_ref().expect("evidence");
            assert!(evidence.live);
            assert_eq!(evidence.mode, LivenessMode::Challenge);
            assert_eq!(evidence.challenge, ChallengeOutcome::Passed);
            assert_eq!(evidence.score, Some(0.95));
        }
        other => panic!("expected one face punch, got {other:?}"),
    }
    // A late outcome of a turn no longer pending punches nothing more.
    assert_eq!(
        r.station
            .on_turn(ID, Progress::Failed(FailReason::Flat), 2_600),
        None
    );
    assert_eq!(bodies(&r.outbox).len(), 1);
}

#[test]
fn a_failed_turn_is_refused_or_flagged_as_the_site_says() {
    let mut r = turning_rig(OnLivenessFailure::Refuse, Turn::Left);
    let m = r.station.on_face(ANA, face(0.41), &live(0.95), 1_000);
    assert_eq!(m.text, "Ana, turn your head to your left");
    let m = r
        .station
        .on_turn(ID, Progress::Failed(FailReason::Flat), 3_000)
        .expect("ended");
    assert_eq!(m.kind, MessageKind::Refused);
    assert!(m.text.contains("flat picture"), "{}", m.text);
    assert!(m.text.contains("Use your PIN"), "{}", m.text);
    assert!(
        bodies(&r.outbox).is_empty(),
        "a refused face writes nothing"
    );

    let mut r = turning_rig(OnLivenessFailure::Flag, Turn::Left);
    r.station.on_face(ANA, face(0.41), &live(0.95), 1_000);
    let m = r
        .station
        .on_turn(ID, Progress::Failed(FailReason::OtherPerson), 3_000)
        .expect("ended");
    assert_eq!(
        m.kind,
        MessageKind::Success,
        "flagged, not refused: {}",
        m.text
    );
    let evidence = sole_evidence(&r);
    assert!(!evidence.live, "the server flags it for review");
    assert_eq!(evidence.challenge, ChallengeOutcome::Failed);
    assert!(
        evidence
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("another face"))
    );
}

#[test]
fn a_key_ends_the_turn_and_the_station_times_out_a_turn_whose_outcome_never_came() {
    let mut r = turning_rig(OnLivenessFailure::Flag, Turn::Left);
    r.station.on_face(ANA, face(0.41), &live(0.95), 1_000);
    let m = type_keys(&mut r.station, "1001#1234#", 2_000);
    assert_eq!(
        m.kind,
        MessageKind::Success,
        "the PIN is one key away: {}",
        m.text
    );
    assert_eq!(r.station.turn_asked(), None, "the key ended the turn");
    assert_eq!(
        r.station.on_turn(
            ID,
            Progress::Passed {
                residual: 0.1,
                turn: 0.1
            },
            2_100
        ),
        None,
        "the turn's late pass punches nothing"
    );
    match bodies(&r.outbox).as_slice() {
        [EventBody::Punch(p)] => assert_eq!(p.method, PunchMethod::Pin),
        other => panic!("expected the PIN punch alone, got {other:?}"),
    }

    let mut r = turning_rig(OnLivenessFailure::Flag, Turn::Right);
    r.station.on_face(ANA, face(0.41), &live(0.95), 10_000);
    let due = 10_000 + 5_000 + TURN_GRACE_MS;
    assert_eq!(r.station.expire_turn(due - 1), None);
    let m = r.station.expire_turn(due).expect("overdue");
    assert_eq!(m.kind, MessageKind::Success, "{}", m.text);
    let evidence = sole_evidence(&r);
    assert_eq!(evidence.challenge, ChallengeOutcome::Failed);
    assert!(
        evidence
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("in time"))
    );
    assert_eq!(
        r.station.expire_turn(due + 10_000),
        None,
        "nothing left to expire"
    );
}

#[test]
fn a_person_marked_as_unable_to_turn_is_not_asked() {
    let mut r = turning_rig(OnLivenessFailure::Refuse, Turn::Left);
    let mut ana = r
        .roster
        .lock()
        .expect("lock")
        .employee(ANA)
        .expect("read")
        .expect("Ana");
    ana.no_head_turn = true;
    let config = r
        .roster
        .lock()
        .expect("lock")
        .config()
        .expect("read")
        .expect("config");
    r.roster
        .lock()
        .expect("lock")
        .apply(&RosterDelta {
            employees: vec![ana],
            config,
            ..RosterDelta::empty(3)
        })
        .expect("applied");
    let m = r.station.on_face(ANA, face(0.41), &live(0.95), 1_000);
    assert_eq!(m.kind, MessageKind::Success, "{}", m.text);
    assert_eq!(r.station.turn_asked(), None);
    match bodies(&r.outbox).as_slice() {
        [EventBody::Punch(p)] => assert_eq!(
            p.liveness.as_ref().map(|e| (e.live, e.challenge)),
            Some((true, ChallengeOutcome::Excused))
        ),
        other => panic!("expected one face punch, got {other:?}"),
    }
}

#[test]
fn the_face_picture_is_kept_only_where_the_site_keeps_evidence_pictures() {
    use base64::Engine as _;
    let picture = |r: &Rig| match bodies(&r.outbox).last() {
        Some(EventBody::Punch(p)) => p
            .liveness
            .as_ref()
            .and_then(|e| e.picture_jpeg_base64.clone()),
        other => panic!("expected a face punch, got {other:?}"),
    };
    let mut r = rig();
    r.station.on_face(ANA, face(0.41), &live(0.9), 1_000);
    assert_eq!(picture(&r), None, "not kept by default");

    let mut r = rig();
    set_rules(
        &r,
        LivenessPolicy {
            mode: LivenessMode::Passive,
            evidence_thumbnails: true,
            ..LivenessPolicy::for_new_site()
        },
    );
    r.station.on_face(ANA, face(0.41), &live(0.9), 1_000);
    let kept = picture(&r).expect("kept with the punch");
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(kept)
            .expect("base64"),
        [0xFF, 0xD8, 0xFF, 0xE0]
    );
}
