use super::synthetic::{Camera, FRAME_MS, NECK, Pose, Rng, START_FACE_PX, Subject, observe};
use super::*;

const T0: u64 = 10_000;

/// A noise-free frame of the subject in the middle of the frame, turned `yaw_deg` (positive:
/// the person's left) and moved `dx_px` sideways.
fn frame(subject: Subject, yaw_deg: f64, dx_px: f64, at_ms: u64) -> Observation {
    let camera = Camera::kiosk();
    let depth = camera.distance_for_face_width(START_FACE_PX);
    let pose = Pose {
        yaw: yaw_deg.to_radians(),
        pitch: 0.0,
        roll: 0.0,
        origin: camera.unproject(320.0 + dx_px, 220.0, depth),
    };
    let pivot = match subject {
        Subject::Head => NECK,
        Subject::Photo => [0.0, 35.0, 0.0],
    };
    observe(&camera, subject, &pose, pivot, at_ms, 0.0, &mut Rng::new(1))
}

/// Frontal frames the default start is the mean of.
const LEAD: usize = 3;

/// [`LEAD`] frontal frames, then `frames` frames turning evenly to `to_deg`.
fn turn(subject: Subject, to_deg: f64, frames: u32) -> Vec<Observation> {
    let yaws = (1..=frames).map(|i| to_deg * f64::from(i) / f64::from(frames));
    std::iter::repeat_n(0.0, LEAD)
        .chain(yaws)
        .zip(0u64..)
        .map(|(yaw, i)| frame(subject, yaw, 0.0, T0 + i * FRAME_MS))
        .collect()
}

fn feed(challenge: &mut Challenge, frames: &[Observation]) -> Vec<Progress> {
    frames.iter().map(|f| challenge.observe(f)).collect()
}

fn start() -> Challenge {
    Challenge::new(Turn::Left, ChallengeConfig::default(), T0)
}

/// A challenge that has its start: [`LEAD`] frontal frames were fed.
fn started() -> Challenge {
    let mut c = start();
    let seen = feed(&mut c, &turn(Subject::Head, 0.0, 0));
    assert_eq!(seen[LEAD - 1], Progress::Turning { fraction: 0.0 });
    c
}

#[test]
fn a_head_turning_the_asked_way_shows_progress_then_passes() {
    let mut c = start();
    let seen = feed(&mut c, &turn(Subject::Head, 20.0, 10));
    assert_eq!(seen[..LEAD - 1], [Progress::Looking; LEAD - 1]);
    assert_eq!(seen[LEAD - 1], Progress::Turning { fraction: 0.0 });
    let fractions: Vec<f32> = seen
        .iter()
        .filter_map(|p| match p {
            Progress::Turning { fraction } => Some(*fraction),
            _ => None,
        })
        .collect();
    assert!(fractions.windows(2).all(|w| w[0] <= w[1]), "{fractions:?}");
    assert!(
        fractions.iter().any(|&f| f > 0.3 && f < 1.0),
        "{fractions:?}"
    );
    let Progress::Passed { residual, turn } = c.progress() else {
        panic!("{:?}", c.progress());
    };
    assert!(residual >= c.config().min_residual && turn >= c.config().min_turn);
}

#[test]
fn a_photo_turned_as_a_plane_makes_no_progress_and_times_out() {
    let mut c = start();
    let seen = feed(&mut c, &turn(Subject::Photo, 25.0, 10));
    assert!(
        seen[LEAD - 1..]
            .iter()
            .all(|p| matches!(p, Progress::Turning { fraction } if *fraction < 0.2)),
        "{seen:?}"
    );
    assert_eq!(
        c.tick(T0 + c.config().timeout_ms),
        Progress::Failed(FailReason::TimedOut)
    );
}

#[test]
fn a_turn_without_enough_residual_fails_as_flat() {
    // No head reaches this residual: the turn is seen, the relief is not.
    let config = ChallengeConfig {
        min_residual: 10.0,
        ..ChallengeConfig::default()
    };
    let mut c = Challenge::new(Turn::Left, config, T0);
    feed(&mut c, &turn(Subject::Head, 20.0, 10));
    assert_eq!(c.progress(), Progress::Failed(FailReason::Flat));
}

#[test]
fn turning_the_other_way_fails_as_wrong_way() {
    let mut c = Challenge::new(Turn::Right, ChallengeConfig::default(), T0);
    feed(&mut c, &turn(Subject::Head, 20.0, 10));
    assert_eq!(c.progress(), Progress::Failed(FailReason::WrongWay));
    // And asked left, a turn to the right is wrong too.
    let mut c = start();
    feed(&mut c, &turn(Subject::Head, -20.0, 10));
    assert_eq!(c.progress(), Progress::Failed(FailReason::WrongWay));
}

#[test]
fn a_turned_face_is_no_start_and_the_challenge_keeps_looking() {
    let mut c = start();
    for i in 0..5 {
        assert_eq!(
            c.observe(&frame(Subject::Head, 25.0, 0.0, T0 + i * FRAME_MS)),
            Progress::Looking
        );
    }
    // The frontal frames must come in a row: a turned one starts the count again.
    let frontal = |i: u64| frame(Subject::Head, 0.0, 0.0, T0 + i * FRAME_MS);
    for i in 5..5 + LEAD as u64 - 1 {
        assert_eq!(c.observe(&frontal(i)), Progress::Looking);
    }
    let turned = frame(Subject::Head, 25.0, 0.0, T0 + 7 * FRAME_MS);
    assert_eq!(c.observe(&turned), Progress::Looking);
    for i in 8..8 + LEAD as u64 - 1 {
        assert_eq!(c.observe(&frontal(i)), Progress::Looking);
    }
    assert_eq!(
        c.observe(&frontal(8 + LEAD as u64 - 1)),
        Progress::Turning { fraction: 0.0 }
    );
}

#[test]
fn another_person_mid_challenge_fails_as_other_person() {
    let mut frames = turn(Subject::Head, 20.0, 10);
    for f in &mut frames {
        f.identity_distance = Some(0.3);
    }
    // The face is swapped two frames into the turn: same place, same pose, another descriptor.
    frames[LEAD + 1].identity_distance = Some(0.9);
    let mut c = start();
    let seen = feed(&mut c, &frames);
    assert!(matches!(seen[LEAD], Progress::Turning { .. }), "{seen:?}");
    assert_eq!(seen[LEAD + 1], Progress::Failed(FailReason::OtherPerson));
    assert_eq!(c.progress(), Progress::Failed(FailReason::OtherPerson));
    // A distance that is not a number is no proof of the same person either.
    let mut c = start();
    let mut odd = frame(Subject::Head, 0.0, 0.0, T0);
    odd.identity_distance = Some(f32::NAN);
    assert_eq!(c.observe(&odd), Progress::Failed(FailReason::OtherPerson));
}

#[test]
fn a_face_jumping_elsewhere_fails_as_lost_face() {
    let mut c = started();
    let later = |i: u64| T0 + (LEAD as u64 + i) * FRAME_MS;
    // A few pixels a frame is the same face.
    assert!(matches!(
        c.observe(&frame(Subject::Head, 2.0, 6.0, later(0))),
        Progress::Turning { .. }
    ));
    assert_eq!(
        c.observe(&frame(Subject::Head, 4.0, 160.0, later(1))),
        Progress::Failed(FailReason::LostFace)
    );
}

#[test]
fn too_many_frames_in_a_row_without_a_face_fail_as_lost_face() {
    let config = ChallengeConfig::default();
    let limit = u64::from(config.max_missed_frames);
    let mut c = Challenge::new(Turn::Left, config, T0);
    c.observe(&frame(Subject::Head, 0.0, 0.0, T0));
    // One short of the limit, then the face is back: the count starts again.
    for i in 1..limit {
        assert!(!c.no_face(T0 + i * FRAME_MS).is_final());
    }
    c.observe(&frame(Subject::Head, 1.0, 0.0, T0 + limit * FRAME_MS));
    for i in 1..limit {
        assert!(!c.no_face(T0 + (limit + i) * FRAME_MS).is_final());
    }
    // Landmarks that measure nothing count as a frame without a face.
    let mut blind = frame(Subject::Head, 1.0, 0.0, T0 + 2 * limit * FRAME_MS);
    blind.landmarks[1] = blind.landmarks[0];
    assert_eq!(c.observe(&blind), Progress::Failed(FailReason::LostFace));
}

#[test]
fn the_deadline_fails_the_attempt_with_or_without_a_frame() {
    let timeout = ChallengeConfig::default().timeout_ms;
    let mut c = start();
    assert_eq!(c.tick(T0 + timeout - 1), Progress::Looking);
    assert_eq!(c.tick(T0 + timeout), Progress::Failed(FailReason::TimedOut));
    // A frame that arrives after the deadline cannot pass, however good it is.
    let mut c = start();
    let mut frames = turn(Subject::Head, 20.0, 10);
    for f in &mut frames[LEAD..] {
        f.at_ms += timeout;
    }
    let seen = feed(&mut c, &frames);
    assert!(matches!(seen[LEAD - 1], Progress::Turning { .. }));
    assert_eq!(seen[LEAD], Progress::Failed(FailReason::TimedOut));
    let mut c = start();
    assert_eq!(
        c.no_face(T0 + timeout),
        Progress::Failed(FailReason::TimedOut)
    );
}

#[test]
fn a_passed_attempt_stays_passed() {
    let mut c = start();
    feed(&mut c, &turn(Subject::Head, 20.0, 10));
    let passed = c.progress();
    assert!(matches!(passed, Progress::Passed { .. }), "{passed:?}");
    let mut stranger = frame(Subject::Head, 0.0, 200.0, T0 + 30 * FRAME_MS);
    stranger.identity_distance = Some(5.0);
    assert_eq!(c.observe(&stranger), passed);
    for i in 0..10 {
        assert_eq!(c.no_face(T0 + (31 + i) * FRAME_MS), passed);
    }
    assert_eq!(c.tick(u64::MAX), passed);
}

#[test]
fn a_failed_attempt_stays_failed() {
    let mut c = start();
    let mut swapped = frame(Subject::Head, 0.0, 0.0, T0);
    swapped.identity_distance = Some(5.0);
    c.observe(&swapped);
    let failed = Progress::Failed(FailReason::OtherPerson);
    assert_eq!(c.progress(), failed);
    // A perfect turn afterwards changes nothing, nor does the clock.
    let frames = turn(Subject::Head, 20.0, 10);
    assert_eq!(feed(&mut c, &frames), vec![failed; frames.len()]);
    assert_eq!(c.tick(u64::MAX), failed);
}

#[test]
fn the_direction_comes_from_the_callers_bits() {
    assert_eq!(Turn::random(0), Turn::Left);
    assert_eq!(Turn::random(1), Turn::Right);
    assert_eq!(Turn::random(0xdead_beef), Turn::Right);
    assert_ne!(Turn::Left.text(), Turn::Right.text());
}

#[test]
fn progress_serialises_for_the_kiosk_screen() {
    let json = |p: Progress| serde_json::to_string(&p).expect("serialisable");
    assert_eq!(json(Progress::Looking), r#"{"state":"looking"}"#);
    assert_eq!(
        json(Progress::Turning { fraction: 0.5 }),
        r#"{"state":"turning","detail":{"fraction":0.5}}"#
    );
    assert_eq!(
        json(Progress::Failed(FailReason::Flat)),
        r#"{"state":"failed","detail":"flat"}"#
    );
}

proptest::proptest! {
    /// Random frames (any pose, any place, any identity distance), missed frames and ticks, in
    /// any order: a decision never changes, progress stays in 0..=1, and a pass carries medians
    /// that meet the limits.
    #[test]
    fn whatever_is_fed_a_decision_is_final_and_a_pass_meets_the_limits(
        events in proptest::collection::vec(
            (0u8..4, -30.0f64..30.0, -40.0f64..40.0, 0.0f32..1.0),
            0..60,
        ),
        left: bool,
    ) {
        let config = ChallengeConfig::default();
        let direction = if left { Turn::Left } else { Turn::Right };
        let mut c = Challenge::new(direction, config.clone(), T0);
        let mut decided = None;
        for (i, &(kind, yaw, dx, distance)) in events.iter().enumerate() {
            // Five events a second: the later ones are past the deadline.
            let at = T0 + (i as u64 + 1) * 200;
            let p = match kind {
                0 => c.no_face(at),
                1 => c.tick(at),
                _ => {
                    let mut f = frame(Subject::Head, yaw, dx, at);
                    f.identity_distance = (kind == 3).then_some(distance);
                    c.observe(&f)
                }
            };
            if let Some(d) = decided {
                proptest::prop_assert_eq!(p, d);
            }
            match p {
                Progress::Turning { fraction } => {
                    proptest::prop_assert!((0.0..=1.0).contains(&fraction));
                }
                Progress::Passed { residual, turn } => {
                    proptest::prop_assert!(residual >= config.min_residual);
                    proptest::prop_assert!(turn >= config.min_turn);
                }
                Progress::Looking | Progress::Failed(_) => {}
            }
            if p.is_final() {
                decided = Some(p);
            }
        }
    }
}
