//! The head turn on the real models: a photo waved in front of the camera (one homography per
//! frame, [`attend_testkit::waved`]) is followed as a face from frame to frame and fails the turn;
//! another person's photo taking over fails it as another face. Needs `bash
//! scripts/setup-ort.sh`, `bash scripts/setup-models.sh` and `../shared/faces`.

use std::time::{Duration, Instant};

use attend_device::hw::{Frame, FrameFormat};
use attend_device::kiosk::decide::Decision;
use attend_device::recognize::{PICTURE_SIDE, Recognizer};
use attend_device::roster::Template;
use attend_protocol::ids::{EmployeeId, TemplateId};
use attend_testkit::waved::{Pose, render, wave};
use attend_vision::image::{self, RgbImage};
use attend_vision::liveness::challenge::{FailReason, Progress, Turn};

use crate::support::{photo, pipeline};

const OBAMA: EmployeeId = EmployeeId(uuid::Uuid::from_u128(1));
const FRAME: (u32, u32) = (640, 480);

fn load(path: &str) -> RgbImage {
    image::load(&photo(path)).expect("photo")
}

/// `photo` as the camera sees it at each pose, as frames a camera would hand out 100 ms apart.
fn frames(photo: &RgbImage, poses: &[Pose], from: Instant) -> Vec<Frame> {
    poses
        .iter()
        .enumerate()
        .map(|(i, pose)| Frame {
            format: FrameFormat::Rgb {
                width: FRAME.0,
                height: FRAME.1,
            },
            bytes: render(
                &photo.data,
                photo.width,
                photo.height,
                FRAME.0,
                FRAME.1,
                pose,
            ),
            captured_at: from + Duration::from_millis(100 * i as u64),
        })
        .collect()
}

/// A recognizer whose gallery holds Obama, shown `photo` facing the camera until it decides.
fn recognised(photo: &RgbImage, scale: f64) -> (Recognizer, Instant, Option<Vec<f32>>) {
    let p = pipeline();
    let enrol = crate::support::photo("examples/knn_examples/train/obama/obama.jpg");
    let template = Template {
        id: TemplateId(uuid::Uuid::from_u128(1)),
        employee_id: OBAMA,
        vector: p
            .embed_largest(&image::load(&enrol).expect("photo"), &enrol)
            .expect("embeds"),
    };
    let mut recognizer = Recognizer::new(p, 3, 0.05, false).expect("recognizer");
    recognizer.set_templates(&[template]);
    let start = Instant::now();
    let decided = frames(photo, &[Pose::facing(scale); 3], start)
        .iter()
        .find_map(|f| recognizer.on_frame(f).expect("frame").event);
    let event = decided.expect("the facing photo should be recognised");
    let descriptor = event.descriptor.clone();
    assert!(
        descriptor.is_some(),
        "the decision carries the face's descriptor"
    );
    match event.decision {
        Decision::Recognised { person, .. } => assert_eq!(person, OBAMA),
        other @ Decision::Unknown => panic!("the facing photo should be recognised: {other:?}"),
    }
    // The decision carries a small picture of the face, for sites that keep evidence.
    let picture = event.picture.expect("an evidence picture");
    let shown = image::decode(&picture, image::FrameFormat::Jpeg).expect("a JPEG");
    assert_eq!((shown.width, shown.height), (PICTURE_SIDE, PICTURE_SIDE));
    (recognizer, start + Duration::from_millis(300), descriptor)
}

/// The largest face's box in `photo`: centre x, centre y and width, in its pixels.
fn face_box(photo: &RgbImage) -> [f64; 3] {
    let faces = pipeline().faces(photo).expect("detects");
    let b = faces
        .iter()
        .map(|f| f.detection.bbox)
        .max_by(|a, b| a.area().total_cmp(&b.area()))
        .expect("a face");
    [
        f64::from(b.x + b.w / 2.0),
        f64::from(b.y + b.h / 2.0),
        f64::from(b.w),
    ]
}

/// Feeds `frames` to the running turn; the progress of each frame until a final one.
fn turn(recognizer: &mut Recognizer, frames: &[Frame]) -> Vec<Progress> {
    let mut seen = Vec::new();
    for f in frames {
        let outcome = recognizer.on_frame(f).expect("frame");
        assert!(
            outcome.event.is_none(),
            "no face decision while a turn runs"
        );
        let (id, progress) = outcome.turn.expect("a turn's frame reports its progress");
        assert_eq!(id, 7, "the progress names its turn");
        seen.push(progress);
        if progress.is_final() {
            break;
        }
    }
    seen
}

#[test]
fn a_waved_photo_is_followed_and_fails_the_turn_either_way() {
    let obama = load("tests/test_images/obama3.jpg");
    // The face about 150 px wide in a 640 px frame, as at a kiosk.
    let scale = 300.0 / f64::from(obama.width);
    for direction in [Turn::Left, Turn::Right] {
        let (mut recognizer, from, anchor) = recognised(&obama, scale);
        recognizer.start_turn(7, direction, 3_000, from, anchor);
        // Three still frames to start from, then the photo waved past the time limit.
        let poses = wave(scale, 3, 30, 25.0);
        let seen = turn(&mut recognizer, &frames(&obama, &poses, from));
        assert!(
            seen.iter().any(|p| matches!(p, Progress::Turning { .. })),
            "the photo's face was found and a start taken: {seen:?}"
        );
        let last = *seen.last().expect("frames");
        assert!(
            matches!(
                last,
                Progress::Failed(FailReason::TimedOut | FailReason::Flat)
            ),
            "{direction:?}: {seen:?}"
        );
        assert!(!recognizer.turn_running(), "a final outcome ends the turn");
    }
}

#[test]
fn another_persons_photo_taking_over_fails_the_turn() {
    let obama = load("tests/test_images/obama3.jpg");
    let biden = load("examples/knn_examples/train/biden/biden.jpg");
    let scale = 300.0 / f64::from(obama.width);
    let (mut recognizer, from, anchor) = recognised(&obama, scale);
    recognizer.start_turn(7, Turn::Left, 6_000, from, anchor);
    // Biden's photo held so that his face is where Obama's was, and as large.
    let (o, b) = (face_box(&obama), face_box(&biden));
    let biden_pose = Pose {
        dx: (o[0] - f64::from(obama.width) / 2.0) * scale
            - (b[0] - f64::from(biden.width) / 2.0) * scale * o[2] / b[2],
        dy: (o[1] - f64::from(obama.height) / 2.0) * scale
            - (b[1] - f64::from(biden.height) / 2.0) * scale * o[2] / b[2],
        ..Pose::facing(scale * o[2] / b[2])
    };
    let mut feed = frames(&obama, &[Pose::facing(scale); 2], from);
    feed.extend(frames(
        &biden,
        &[biden_pose; 6],
        from + Duration::from_millis(200),
    ));
    let seen = turn(&mut recognizer, &feed);
    assert!(
        matches!(
            seen.last(),
            Some(Progress::Failed(
                FailReason::OtherPerson | FailReason::LostFace
            ))
        ),
        "{seen:?}"
    );
    assert!(
        seen.contains(&Progress::Failed(FailReason::OtherPerson)),
        "the identity check catches the swap (the boxes overlap enough to be followed): {seen:?}"
    );
}
