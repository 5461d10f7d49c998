//! Opening ONNX Runtime sessions for manifest models, with the file's sha256 checked first so a
//! truncated or swapped model fails loudly instead of producing wrong embeddings.

use std::path::Path;

use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;

use crate::VisionError;
use crate::manifest::ModelSpec;

pub mod prelu;

/// Verifies the model file and opens a session with `threads` intra-op threads. Eligible PRelu
/// nodes are run as `Max(x, slope · x)`, the same function faster ([`prelu`]).
pub fn open_session(
    models_dir: &Path,
    model: &ModelSpec,
    threads: usize,
) -> Result<Session, VisionError> {
    let path = models_dir.join(&model.file);
    let file_error = |reason: String| VisionError::ModelFile {
        id: model.id.clone(),
        path: path.clone(),
        reason,
    };
    let bytes = std::fs::read(&path).map_err(|e| {
        file_error(format!(
            "{e} (run `bash scripts/setup-models.sh`, or pass --models DIR)"
        ))
    })?;
    let actual = hex::encode(ring::digest::digest(&ring::digest::SHA256, &bytes));
    if !actual.eq_ignore_ascii_case(&model.sha256) {
        return Err(file_error(format!(
            "sha256 is {actual}, the manifest expects {}",
            model.sha256
        )));
    }
    let env = crate::runtime::environment(None)?;
    let err = |e: ort::Error| file_error(e.to_string());
    let rewritten = prelu::rewrite(&bytes);
    Session::builder(env)
        .map_err(err)?
        .with_optimization_level(GraphOptimizationLevel::Level3)
        .map_err(|e| err(e.into()))?
        .with_intra_threads(threads.max(1))
        .map_err(|e| err(e.into()))?
        .commit_from_memory(rewritten.as_deref().unwrap_or(&bytes))
        .map_err(err)
}

/// Runs `session` on one input tensor and copies out its first output as `f32`s. The lock is
/// held only for the run: a model's session serves one frame at a time.
pub fn run_first_output(
    session: &std::sync::Mutex<Session>,
    input: ort::value::Tensor<f32>,
) -> Result<Vec<f32>, VisionError> {
    let mut session = session
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let outputs = session
        .run(ort::inputs![input])
        .map_err(VisionError::runtime)?;
    let (_, data) = outputs[0]
        .try_extract_tensor::<f32>()
        .map_err(VisionError::runtime)?;
    Ok(data.to_vec())
}
