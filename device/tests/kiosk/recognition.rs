//! Recognition on the real models: photos replayed by the `dir:` camera are recognised after
//! the required agreeing frames, and a person missing from the gallery is answered "unknown".
//! Needs `bash scripts/setup-ort.sh`, `bash scripts/setup-models.sh` and `../shared/faces`.

use std::sync::atomic::AtomicBool;

use attend_device::hw::DirCamera;
use attend_device::kiosk::decide::Decision;
use attend_device::recognize::{Recognizer, run};
use attend_device::roster::Template;
use attend_protocol::ids::{EmployeeId, TemplateId};
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
