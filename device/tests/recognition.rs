//! Recognition on the real models: photos replayed by the `dir:` camera are recognised after
//! the required agreeing frames, and a person missing from the gallery is answered "unknown".
//! Needs `bash scripts/setup-ort.sh`, `bash scripts/setup-models.sh` and `../shared/faces`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use attend_device::hw::{DirCamera, DirSpec, ManualClock};
use attend_device::kiosk::decide::Decision;
use attend_device::recognize::{Recognizer, run};
use attend_device::roster::Template;
use attend_protocol::ids::{EmployeeId, TemplateId};
use attend_vision::{FacePipeline, PipelineConfig, image};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn faces() -> PathBuf {
    let dir = repo().join("../shared/faces/face_recognition");
    assert!(
        dir.is_dir(),
        "labelled photos missing: expected {} (../shared beside the repository)",
        dir.display()
    );
    dir
}

fn pipeline() -> Arc<FacePipeline> {
    let models = repo().join(".cache/models");
    assert!(
        models.is_dir(),
        "models missing in {}: run `bash scripts/setup-models.sh`",
        models.display()
    );
    Arc::new(FacePipeline::load(&PipelineConfig::new(models)).unwrap_or_else(|e| panic!("{e}")))
}

const OBAMA: EmployeeId = EmployeeId(uuid::Uuid::from_u128(1));
const BIDEN: EmployeeId = EmployeeId(uuid::Uuid::from_u128(2));

fn template(p: &FacePipeline, person: EmployeeId, photo: &str, n: u128) -> Template {
    let path = faces().join(photo);
    let img = image::load(&path).expect("photo");
    Template {
        id: TemplateId(uuid::Uuid::from_u128(n)),
        employee_id: person,
        vector: p.embed_largest(&img, &path).expect("embeds"),
    }
}

/// A folder with `copies` copies of one photo, replayed as camera frames.
fn replay(photo: &str, copies: usize) -> (tempfile::TempDir, DirCamera) {
    let dir = tempfile::tempdir().expect("dir");
    for i in 0..copies {
        std::fs::copy(
            faces().join(photo),
            dir.path().join(format!("frame{i:02}.jpg")),
        )
        .expect("copy");
    }
    let spec = DirSpec {
        path: dir.path().to_owned(),
        fps: 1_000.0,
        looping: false,
    };
    let camera = DirCamera::open(&spec, Arc::new(ManualClock::default())).expect("dir camera");
    (dir, camera)
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
    let (_dir, mut camera) = replay("tests/test_images/obama3.jpg", 5);
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
    let (_dir, mut camera) = replay("tests/test_images/obama3.jpg", 4);
    assert_eq!(
        decisions(&mut recognizer, &mut camera),
        vec![Decision::Unknown]
    );
}
