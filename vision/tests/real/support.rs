use std::path::PathBuf;
use std::sync::OnceLock;

use attend_vision::{FacePipeline, PipelineConfig};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn models_dir() -> PathBuf {
    let dir = repo_root().join(".cache/models");
    assert!(
        dir.join("dlib_face_recognition_resnet_model_v1.onnx")
            .is_file(),
        "models missing in {}: run `bash scripts/setup-models.sh` (it reads ../shared/models and PyPI)",
        dir.display()
    );
    dir
}

pub fn faces_dir(set: &str) -> PathBuf {
    let dir = repo_root().join("../shared/faces").join(set);
    assert!(
        dir.join("pairs.csv").is_file(),
        "labelled photos missing: expected {} (../shared/faces beside the repository)",
        dir.display()
    );
    dir
}

/// One pipeline per test binary: loading models is the slow part.
pub fn pipeline() -> &'static FacePipeline {
    static PIPELINE: OnceLock<FacePipeline> = OnceLock::new();
    PIPELINE.get_or_init(|| {
        attend_vision::runtime::resolve(None).unwrap_or_else(|e| panic!("{e}"));
        FacePipeline::load(&PipelineConfig::new(models_dir()))
            .unwrap_or_else(|e| panic!("loading the pipeline: {e}"))
    })
}

/// `(img_a, img_b, same)` rows of a pairs CSV.
pub fn pairs(set: &str) -> Vec<(String, String, bool)> {
    let text =
        std::fs::read_to_string(faces_dir(set).join("pairs.csv")).expect("pairs.csv readable");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (
                cells[0].to_owned(),
                cells[1].to_owned(),
                cells[2].trim() == "1",
            )
        })
        .collect()
}
