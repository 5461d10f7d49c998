//! attend-vision: the kiosk's performance-critical face pipeline, on ONNX Runtime.
//!
//! Module map:
//! - [`runtime`]: finds and loads `libonnxruntime.so` (config → `ORT_DYLIB_PATH` → project cache).
//! - [`manifest`]: the model manifest: sources, hashes, input specs, templates, metrics.
//! - [`session`]: verified model files → ONNX Runtime sessions (PRelu run as `Max`: [`session::prelu`]).
//! - [`image`]: frame decoding (JPEG/MJPEG, PNG, YUYV, RGB/BGR) and SIMD resizing.
//! - [`detect`]: face detection (YuNet decoding, NMS).
//! - [`align`]: similarity transform from five landmarks and chip warping.
//! - [`embed`]: face descriptors from aligned chips.
//! - [`quality`]: enrolment gates (size, blur, pose, one face).
//! - [`liveness`]: anti-spoofing: is the face a person or a photo/screen held up? (passive
//!   models, and the active head-turn challenge in [`liveness::challenge`]).
//! - [`enrol`]: several images → templates with quality scores and a thumbnail.
//! - [`pipeline`]: frame → faces with descriptors.
//! - [`matcher`]: 1:N search over a gallery (f32 and int8 SIMD kernels), threshold and margin.
//! - [`bench`]: our side of the reference benchmarks (`attend-vision bench`).

pub mod align;
pub mod bench;
pub mod detect;
pub mod embed;
pub mod enrol;
pub mod image;
pub mod liveness;
pub mod manifest;
pub mod matcher;
pub mod pipeline;
pub mod quality;
pub mod runtime;
pub mod session;

use std::path::PathBuf;

pub use pipeline::{EnrolmentCapture, Face, FacePipeline, PipelineConfig};

/// Everything the pipeline can fail with; messages say what to do.
#[derive(Debug, thiserror::Error)]
pub enum VisionError {
    #[error(transparent)]
    Runtime(#[from] runtime::RuntimeError),
    #[error(transparent)]
    Manifest(#[from] manifest::ManifestError),
    #[error(transparent)]
    Image(#[from] image::ImageError),
    #[error("model `{id}` at {path}: {reason}")]
    ModelFile {
        id: String,
        path: PathBuf,
        reason: String,
    },
    #[error("inference failed: {0}")]
    Inference(String),
    #[error("model output is not as the manifest describes: {0}")]
    Model(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("no face found in {0}")]
    NoFace(String),
}

impl VisionError {
    pub(crate) fn runtime(e: ort::Error) -> Self {
        Self::Inference(e.to_string())
    }
}
