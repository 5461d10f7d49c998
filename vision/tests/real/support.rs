//! The pipeline and the labelled pairs the real-model tests share. Paths to the models and the
//! photos come from attend-testkit.

use std::sync::OnceLock;

use attend_testkit::{face_set, models_dir};
use attend_vision::{FacePipeline, PipelineConfig};

/// One pipeline per test binary: loading models is the slow part.
pub fn pipeline() -> &'static FacePipeline {
    static PIPELINE: OnceLock<FacePipeline> = OnceLock::new();
    PIPELINE.get_or_init(|| {
        attend_vision::runtime::resolve(None).unwrap_or_else(|e| panic!("{e}"));
        FacePipeline::load(&PipelineConfig::new(models_dir()))
            .unwrap_or_else(|e| panic!("loading the pipeline: {e}"))
    })
}

/// `(img_a, img_b, same)` rows of a set's pairs CSV.
pub fn pairs(set: &str) -> Vec<(String, String, bool)> {
    let path = face_set(set).join("pairs.csv");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("labelled pairs {}: {e}", path.display()));
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
