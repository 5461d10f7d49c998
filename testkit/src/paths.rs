//! Where the tests find what git does not hold. Models and labelled photos live in `../shared`
//! beside the repository (CI provides it); the models the tests load are the converted ones that
//! `scripts/setup-models.sh` writes to `.cache/models` from `../shared/models`.

use std::path::{Path, PathBuf};

/// The workspace root (this crate sits one level below it).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("attend-testkit sits inside the workspace")
        .to_owned()
}

/// `../shared` beside the repository.
pub fn shared_dir() -> PathBuf {
    let root = repo_root();
    let dir = root.parent().unwrap_or(&root).join("shared");
    assert!(
        dir.is_dir(),
        "{} not found: the models and labelled photos the tests need live in ../shared beside \
         the repository",
        dir.display()
    );
    dir
}

/// The converted models (`.cache/models`), checked to hold the face descriptor, the one model
/// that has no download and must be converted.
pub fn models_dir() -> PathBuf {
    let dir = repo_root().join(".cache/models");
    assert!(
        dir.join("dlib_face_recognition_resnet_model_v1.onnx")
            .is_file(),
        "models missing in {}: run `bash scripts/setup-ort.sh` and `bash scripts/setup-models.sh` \
         (they read ../shared/models and PyPI)",
        dir.display()
    );
    dir
}

/// `../shared/models`, checked to hold each of `files`: the models used straight from there
/// (the liveness models, which no setup script converts) are named when missing.
pub fn shared_models(files: &[&str]) -> PathBuf {
    let dir = shared_dir().join("models");
    for file in files {
        assert!(
            dir.join(file).is_file(),
            "model file missing: expected {} (../shared/models beside the repository)",
            dir.join(file).display()
        );
    }
    dir
}

/// `../shared/faces`: the labelled photo sets.
pub fn faces_dir() -> PathBuf {
    let dir = shared_dir().join("faces");
    assert!(
        dir.is_dir(),
        "labelled photos missing: expected {} (../shared beside the repository)",
        dir.display()
    );
    dir
}

/// One labelled photo set, e.g. `face_recognition` or `deepface-dev`.
pub fn face_set(name: &str) -> PathBuf {
    let dir = faces_dir().join(name);
    assert!(
        dir.is_dir(),
        "labelled photos missing: expected {} (../shared/faces beside the repository)",
        dir.display()
    );
    dir
}

/// Photos of one person that the demo kiosk replays as its camera; `DEMO_PHOTOS` in
/// scripts/lib.sh names the same folder for the demo scripts.
pub fn demo_photos() -> PathBuf {
    let dir = face_set("face_recognition").join("examples/knn_examples/train/obama");
    assert!(dir.is_dir(), "demo photos missing: {}", dir.display());
    dir
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_root_is_the_workspace() {
        let manifest =
            std::fs::read_to_string(repo_root().join("Cargo.toml")).expect("root Cargo.toml");
        assert!(manifest.contains("[workspace]"), "{manifest}");
        assert!(repo_root().join("scripts/lib.sh").is_file());
    }
}
