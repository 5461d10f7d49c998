//! Recognition on the real models: photos replayed by the `dir:` camera are recognised after
//! the required agreeing frames, and a person missing from the gallery is answered "unknown".
//! Needs `bash scripts/setup-ort.sh`, `bash scripts/setup-models.sh` and `../shared/faces`.

use std::sync::atomic::AtomicBool;

use attend_device::hw::DirCamera;
use attend_device::kiosk::decide::Decision;
use attend_device::kiosk::liveness::Passive;
use attend_device::recognize::{Recognizer, run};
use attend_device::roster::Template;
use attend_protocol::ids::{EmployeeId, TemplateId};
use attend_vision::liveness::{LivenessChecker, LivenessConfig};
use attend_vision::{FacePipeline, image};

use crate::support::{pipeline, replay};

const OBAMA: EmployeeId = EmployeeId(uuid::Uuid::from_u128(1));
const BIDEN: EmployeeId = EmployeeId(uuid::Uuid::from_u128(2));

fn template(p: &FacePipeline, person: EmployeeId, photo: &str, n: u128) -> Template {
    let path = crate::support::photo(photo);
    let img = image::load(&path).expect("photo");
    Template {
        id: TemplateId(uuid::Uuid::from_u128(n)),
        employee_id: person,
        vector: p.embed_largest(&img, &path).expect("embeds"),
    }
}

fn decisions(recognizer: &mut Recognizer, camera: &mut DirCamera) -> Vec<Decision<EmployeeId>> {
    let mut out = Vec::new();
    // The camera ends after the last photo; that error ends the loop.
    let _ = run(
        camera,
        recognizer,
        &AtomicBool::new(false),
        |o| out.extend(o.event.map(|e| e.decision)),
        |_| {},
    );
    out
}

#[test]
fn an_enrolled_person_is_recognised_once_after_three_agreeing_frames() {
    let p = pipeline();
    let gallery = [
        template(&p, OBAMA, "examples/knn_examples/train/obama/obama.jpg", 1),
        template(&p, OBAMA, "examples/knn_examples/train/obama/obama2.jpg", 2),
        template(&p, BIDEN, "examples/knn_examples/train/biden/biden.jpg", 3),
    ];
    let mut recognizer = Recognizer::new(p, 3, 0.05, true).expect("recognizer");
    assert_eq!(recognizer.set_templates(&gallery), 3);
    let (_dir, mut camera) = replay(&["tests/test_images/obama3.jpg"; 5], false);
    let got = decisions(&mut recognizer, &mut camera);
    assert_eq!(got.len(), 1, "{got:?}");
    match got[0] {
        Decision::Recognised { person, score } => {
            assert_eq!(person, OBAMA);
            assert!(score < 0.6, "score {score}");
        }
        Decision::Unknown => panic!("obama was not recognised"),
    }
}

#[test]
fn a_person_missing_from_the_gallery_is_unknown() {
    let p = pipeline();
    let gallery = [template(
        &p,
        BIDEN,
        "examples/knn_examples/train/biden/biden.jpg",
        3,
    )];
    let mut recognizer = Recognizer::new(p, 3, 0.0, false).expect("recognizer");
    recognizer.set_templates(&gallery);
    let (_dir, mut camera) = replay(&["tests/test_images/obama3.jpg"; 4], false);
    assert_eq!(
        decisions(&mut recognizer, &mut camera),
        vec![Decision::Unknown]
    );
}

/// With the liveness models loaded, a decision carries the passive check of each frame that
/// agreed on the person: a score, or the framing gate's reason for giving none.
#[test]
fn a_decision_carries_the_passive_check_of_the_frames_behind_it() {
    let p = pipeline();
    let gallery = [template(
        &p,
        OBAMA,
        "examples/knn_examples/train/obama/obama.jpg",
        1,
    )];
    let models = attend_testkit::shared_models(&[
        "2.7_80x80_MiniFASNetV2.onnx",
        "4_0_0_80x80_MiniFASNetV1SE.onnx",
    ]);
    let checker = LivenessChecker::load(&LivenessConfig::new(models))
        .unwrap_or_else(|e| panic!("loading the liveness models: {e}"));
    let mut recognizer = Recognizer::new(p, 3, 0.05, true)
        .expect("recognizer")
        .with_liveness(checker);
    recognizer.set_templates(&gallery);
    let (_dir, mut camera) = replay(&["tests/test_images/obama3.jpg"; 4], false);
    let mut events = Vec::new();
    let _ = run(
        &mut camera,
        &mut recognizer,
        &AtomicBool::new(false),
        |o| events.extend(o.event),
        |_| {},
    );
    let [event] = events.as_slice() else {
        panic!("one decision expected: {events:?}");
    };
    let Passive::Frames(frames) = &event.passive else {
        panic!("the models were loaded: {:?}", event.passive);
    };
    assert_eq!(frames.len(), 3, "{frames:?}");
    for f in frames {
        match f.score {
            Some(s) => assert!((0.0..=1.0).contains(&s), "{f:?}"),
            None => assert!(f.reason.is_some(), "no score and no reason: {f:?}"),
        }
        assert_eq!(f.scores.len(), usize::from(f.score.is_some()) * 2, "{f:?}");
    }
}
