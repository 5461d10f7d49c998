//! `attendd enroll` on the real models: clear portraits become an enrolment candidate with
//! quality scores; a group photo never does, and the error says why.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use attend_device::enroll::{EnrollError, capture};
use attend_device::hw::{DirCamera, DirSpec, ManualClock};
use attend_protocol::events::EventBody;
use attend_protocol::ids::EmployeeId;
use attend_vision::quality::QualityLimits;
use attend_vision::{FacePipeline, PipelineConfig};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn faces() -> PathBuf {
    let dir = repo().join("../shared/faces/face_recognition");
    assert!(
        dir.is_dir(),
        "labelled photos missing: {} (../shared beside the repository)",
        dir.display()
    );
    dir
}

fn pipeline() -> FacePipeline {
    let models = repo().join(".cache/models");
    assert!(
        models.is_dir(),
        "models missing in {}: run `bash scripts/setup-models.sh`",
        models.display()
    );
    FacePipeline::load(&PipelineConfig::new(models)).unwrap_or_else(|e| panic!("{e}"))
}

fn camera(photos: &[&str]) -> (tempfile::TempDir, DirCamera) {
    let dir = tempfile::tempdir().expect("dir");
    for (i, p) in photos.iter().enumerate() {
        std::fs::copy(faces().join(p), dir.path().join(format!("f{i:02}.jpg"))).expect("copy");
    }
    let spec = DirSpec {
        path: dir.path().to_owned(),
        fps: 1_000.0,
        looping: true,
    };
    let cam = DirCamera::open(&spec, Arc::new(ManualClock::default())).expect("camera");
    (dir, cam)
}

#[test]
fn clear_portraits_become_a_candidate_with_quality_scores() {
    let p = pipeline();
    let (_d, mut cam) = camera(&[
        "examples/knn_examples/train/obama/obama.jpg",
        "examples/knn_examples/train/obama/obama2.jpg",
    ]);
    let who = EmployeeId(uuid::Uuid::from_u128(5));
    let body =
        capture(&mut cam, &p, who, &QualityLimits::default(), 3, 20, |_| {}).expect("enrols");
    let EventBody::EnrolmentCandidate(c) = body else {
        panic!("not a candidate")
    };
    assert_eq!(c.employee_id, who);
    assert_eq!(c.model_id, "dlib-resnet-v1");
    assert_eq!(c.templates.len(), 3);
    assert!(
        c.templates
            .iter()
            .all(|t| t.vector.len() == 128 && (0.0..=1.0).contains(&t.quality))
    );
}

#[test]
fn a_group_photo_never_enrols_and_the_error_says_why() {
    let p = pipeline();
    let (_d, mut cam) = camera(&["examples/two_people.jpg"]);
    let err = capture(
        &mut cam,
        &p,
        EmployeeId(uuid::Uuid::from_u128(5)),
        &QualityLimits::default(),
        2,
        4,
        |_| {},
    )
    .expect_err("refused");
    match &err {
        EnrollError::NotEnough {
            got: 0,
            wanted: 2,
            tried: 4,
            last,
        } => assert!(last.contains("exactly one face"), "{last}"),
        other => panic!("unexpected: {other}"),
    }
}
