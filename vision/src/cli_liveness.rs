//! `attend-vision liveness`: one JSON line per image with the passive liveness verdict of its
//! largest face.

use std::io::Write as _;
use std::path::PathBuf;

use attend_vision::detect::Detector;
use attend_vision::image;
use attend_vision::liveness::{
    BoxConvention, DEFAULT_THRESHOLD, GateMode, LivenessChecker, LivenessConfig,
};
use attend_vision::manifest::{Manifest, Role};
use clap::Args;
use serde_json::json;

#[derive(Args, Debug)]
pub struct LivenessArgs {
    /// Directory with the detector and liveness model files (../shared/models has them).
    #[arg(long, default_value = ".cache/models")]
    models: PathBuf,
    /// Model manifest (default: the one built in).
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// Detector id from the manifest (default: the manifest's first detector).
    #[arg(long)]
    detector: Option<String>,
    /// Intra-op threads per model.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// ONNX Runtime library (default: ORT_DYLIB_PATH, then .cache/onnxruntime/<arch>/).
    #[arg(long)]
    ort_lib: Option<PathBuf>,
    /// Score the largest face even when the framing gate would refuse it.
    #[arg(long)]
    no_gate: bool,
    /// Fused P(real) at or above which a face is live.
    #[arg(long, default_value_t = DEFAULT_THRESHOLD)]
    threshold: f32,
    /// Face box the crops are scaled from: yunet (as detected) or retinaface (upstream's).
    #[arg(long, default_value = "yunet")]
    box_convention: BoxConvention,
    #[arg(required = true)]
    images: Vec<PathBuf>,
}

pub fn run(args: &LivenessArgs) -> anyhow::Result<()> {
    attend_vision::runtime::environment(args.ort_lib.as_deref())?;
    let manifest = match &args.manifest {
        Some(path) => Manifest::load(path)?,
        None => Manifest::bundled()?,
    };
    let detector_id = match &args.detector {
        Some(id) => id.clone(),
        None => manifest
            .default_id(Role::Detector)
            .ok_or_else(|| anyhow::anyhow!("the manifest has no detector"))?
            .to_owned(),
    };
    let (model, spec) = manifest.detector(&detector_id)?;
    let detector = Detector::load(&args.models, &model, &spec, args.threads)?;
    let mut config = LivenessConfig::new(&args.models);
    config.manifest.clone_from(&args.manifest);
    config.threads = args.threads;
    config.threshold = args.threshold;
    config.box_convention = args.box_convention;
    let checker = LivenessChecker::load(&config)?;
    let mode = if args.no_gate {
        GateMode::Bypass
    } else {
        GateMode::Enforce
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for path in &args.images {
        let frame = image::load(path)?;
        let faces = detector.detect(&frame)?;
        let v = checker.check(&frame, &faces, mode)?;
        writeln!(
            out,
            "{}",
            json!({
                "image": path,
                "faces": faces.len(),
                "live": v.live,
                "score": v.score,
                "scores": v.scores,
                "reason": v.reason,
                "hint": v.hint,
                "threshold": checker.threshold(),
                "framing": v.framing,
            })
        )?;
    }
    Ok(())
}
