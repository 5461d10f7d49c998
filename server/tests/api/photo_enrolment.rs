//! The server's face pipeline for uploaded photos, on the real models: a missing model is an
//! error naming what failed, and once the operator puts the files in place the next upload
//! works without a restart; bad files and too few good photos are explained per photo.

use std::path::Path;

use attend_server::config::VisionSettings;
use attend_server::features::enrolment::photos::{Faces, PhotoError};

fn shared_photo(name: &str) -> (String, Vec<u8>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/faces/deepface-dev")
        .join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "labelled photo {} missing ({e}): ../shared beside the repository",
            path.display()
        )
    });
    (name.to_owned(), bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_put_in_place_after_a_failed_load_are_used_without_a_restart() {
    let cache = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.cache/models");
    assert!(
        cache.is_dir(),
        "models missing in {}: run `bash scripts/setup-models.sh`",
        cache.display()
    );
    let dir = tempfile::tempdir().expect("dir");
    let faces = Faces::new(Some(VisionSettings {
        models_dir: dir.path().to_owned(),
        ort_library: None,
        embedder: None,
    }));
    let employee = attend_protocol::ids::EmployeeId(uuid::Uuid::now_v7());
    let photos = || {
        vec![
            shared_photo("img1.jpg"),
            shared_photo("img2.jpg"),
            ("notes.txt".to_owned(), b"not an image".to_vec()),
        ]
    };
    match faces.enrol(employee, photos()).await {
        Err(PhotoError::Models(why)) => assert!(why.contains("face_detection_yunet"), "{why}"),
        other => panic!("expected a model error, got {other:?}"),
    }
    for file in [
        "face_detection_yunet_2023mar.onnx",
        "dlib_face_recognition_resnet_model_v1.onnx",
    ] {
        std::fs::copy(cache.join(file), dir.path().join(file)).expect("copied");
    }
    let (verdicts, candidate) = faces
        .enrol(employee, photos())
        .await
        .expect("models load now");
    assert_eq!(
        verdicts.iter().map(|v| v.accepted).collect::<Vec<_>>(),
        [true, true, false]
    );
    assert_eq!(verdicts[2].problems, ["not a JPEG or PNG image"]);
    let candidate = candidate.expect("two good photos are enough");
    assert_eq!(
        (candidate.templates.len(), candidate.model_id.as_str()),
        (2, "dlib-resnet-v1")
    );
    assert!(candidate.thumbnail_jpeg_base64.is_some());

    // One good photo is not enough, and nothing is built.
    let (_, one) = faces
        .enrol(employee, vec![shared_photo("img1.jpg")])
        .await
        .expect("judged");
    assert!(
        matches!(one, Err(PhotoError::TooFew { accepted: 1 })),
        "{one:?}"
    );
    assert!(matches!(
        faces.enrol(employee, Vec::new()).await,
        Err(PhotoError::Count)
    ));
}
