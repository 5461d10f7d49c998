//! What the real-model tests share: one face pipeline per test binary (loading the models is the
//! slow part, above all under qemu) and a `dir:` camera replaying labelled photos.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use attend_device::hw::{DirCamera, DirSpec, ManualClock};
use attend_vision::{FacePipeline, PipelineConfig};

/// A photo of `../shared/faces/face_recognition`, by its path inside the set.
pub fn photo(path: &str) -> PathBuf {
    attend_testkit::face_set("face_recognition").join(path)
}

/// The pipeline on the converted models, loaded once for the whole binary.
pub fn pipeline() -> Arc<FacePipeline> {
    static PIPELINE: OnceLock<Arc<FacePipeline>> = OnceLock::new();
    PIPELINE
        .get_or_init(|| {
            let config = PipelineConfig::new(attend_testkit::models_dir());
            Arc::new(FacePipeline::load(&config).unwrap_or_else(|e| panic!("{e}")))
        })
        .clone()
}

/// A camera replaying `photos` (paths inside `face_recognition`) in order as fast as it is read;
/// with `looping` it starts over, otherwise the camera ends after the last one. The folder it
/// reads lives as long as the returned `TempDir`.
pub fn replay(photos: &[&str], looping: bool) -> (tempfile::TempDir, DirCamera) {
    let dir = tempfile::tempdir().expect("dir");
    for (i, p) in photos.iter().enumerate() {
        std::fs::copy(photo(p), dir.path().join(format!("frame{i:02}.jpg"))).expect("copy");
    }
    let spec = DirSpec {
        path: dir.path().to_owned(),
        fps: 1_000.0,
        looping,
    };
    let camera = DirCamera::open(&spec, Arc::new(ManualClock::default())).expect("dir camera");
    (dir, camera)
}
