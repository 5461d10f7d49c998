//! Passive liveness on the real models: parity with Minivision's golden outputs, false rejects on
//! every labelled real face, and the measurements the framing gate's limits come from
//! (`cargo test -p attend-vision --test real liveness -- --nocapture --test-threads 1` prints
//! them). The liveness models are read from ../shared/models, the photos from ../shared/faces.

mod false_rejects;
mod frames;
mod measure;
mod parity;

use std::path::PathBuf;
use std::sync::OnceLock;

use attend_testkit::{face_set, faces_dir, shared_models};
use attend_vision::image::{self, RgbImage};
use attend_vision::liveness::{BoxConvention, LivenessChecker, LivenessConfig};

use crate::support::pipeline;

pub const MODEL_FILES: [&str; 2] = [
    "2.7_80x80_MiniFASNetV2.onnx",
    "4_0_0_80x80_MiniFASNetV1SE.onnx",
];

pub fn config(convention: BoxConvention) -> LivenessConfig {
    let mut config = LivenessConfig::new(shared_models(&MODEL_FILES));
    config.box_convention = convention;
    config
}

/// The checker as shipped (default settings), loaded once per test binary.
pub fn checker() -> &'static LivenessChecker {
    static CHECKER: OnceLock<LivenessChecker> = OnceLock::new();
    CHECKER.get_or_init(|| {
        pipeline(); // loads ONNX Runtime the way the other real-model tests do
        LivenessChecker::load(&config(BoxConvention::Yunet))
            .unwrap_or_else(|e| panic!("loading the liveness models: {e}"))
    })
}

/// `../shared/faces/liveness-samples`, checked to hold what the tests read.
pub fn samples() -> PathBuf {
    let dir = faces_dir().join("liveness-samples");
    for file in [
        "image_T1.jpg",
        "image_F1.jpg",
        "image_F2.jpg",
        "golden/golden.json",
    ] {
        assert!(
            dir.join(file).is_file(),
            "liveness sample missing: expected {}",
            dir.join(file).display()
        );
    }
    dir
}

pub fn golden() -> serde_json::Value {
    let path = samples().join("golden/golden.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every labelled photo of both sets (their identities.csv), as `(set/file, path)`.
pub fn labelled_photos() -> Vec<(String, PathBuf)> {
    ["face_recognition", "deepface-dev"]
        .iter()
        .flat_map(|set| {
            let dir = face_set(set);
            let list = dir.join("identities.csv");
            let text = std::fs::read_to_string(&list)
                .unwrap_or_else(|e| panic!("labelled photos {}: {e}", list.display()));
            text.lines()
                .skip(1)
                .filter_map(|l| l.split(',').next().filter(|f| !f.trim().is_empty()))
                .map(|f| (format!("{set}/{f}"), dir.join(f.trim())))
                .collect::<Vec<_>>()
        })
        .collect()
}

pub fn load(path: &std::path::Path) -> RgbImage {
    image::load(path).unwrap_or_else(|e| panic!("{e}"))
}

/// Median of finite values (NaN when there are none).
pub fn median(values: &[f32]) -> f32 {
    let mut v: Vec<f32> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f32::NAN;
    }
    v.sort_by(f32::total_cmp);
    v[v.len() / 2]
}

/// Share of `values` below `threshold`.
pub fn share_below(values: &[f32], threshold: f32) -> f32 {
    values.iter().filter(|v| **v < threshold).count() as f32 / values.len().max(1) as f32
}
