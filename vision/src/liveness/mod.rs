//! Passive liveness (anti-spoofing): is the face in front of the camera a person, or a printed
//! photo or a screen held up to it? Two of Minivision's MiniFASNet models each judge one crop of
//! the frame around the face; their P(real) are averaged.
//!
//! - [`crop`]: the crop box (the face box scaled 2.7× or 4.0× about its centre, clamped to the
//!   frame as upstream's code does); [`resize`]: OpenCV's INTER_LINEAR to 80×80, to the bit.
//! - [`model`]: one model: raw BGR 0..255 in, logits out, softmax, class 1 is real.
//! - [`gate`]: the framing gate: which faces are scored at all.
//!
//! Invariants:
//! - Only a scored face can be live: a face the gate refuses, or no face, gives `live: None`
//!   with the reason, never `Some(true)`. The gate never makes a spoof pass, it only declines to
//!   judge (and `--no-gate` scores anyway, for measuring).
//! - The crop and the resize are upstream's arithmetic exactly: from the golden 80×80 crops each
//!   model's logits are within 1e-3 of golden.json, and from the JPEGs the crop boxes are
//!   golden.json's (tests/real/liveness).
//! - Frames are upright (EXIF orientation applied by [`crate::image`]): the models were trained
//!   on upright faces.
//! - Scoring a frame is deterministic; no model runs without its manifest sha256.
//! - The sessions have their own thread budget ([`LivenessConfig::threads`], default 1), apart
//!   from the recognition models'.
//!
//! The numbers, from `cargo test -p attend-vision --test real liveness -- --nocapture` on
//! ../shared/faces (both labelled sets, every face framed in a 640×480 frame at a chosen face
//! width, the canvas around a photo filled by repeating its edge pixels):
//! (see the Measurements section below, filled in from that output.)

pub mod crop;
pub mod gate;
pub mod model;
pub mod resize;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

pub use crop::{BoxConvention, CropBox};
pub use gate::{Framing, GateLimits, Hint, Refusal};
pub use model::AntiSpoofModel;

use crate::VisionError;
use crate::detect::{BBox, Detection};
use crate::image::RgbImage;
use crate::manifest::{Manifest, Role};

/// Fused P(real) at or above which a scored face is live.
pub const DEFAULT_THRESHOLD: f32 = 0.5;

#[derive(Clone, Debug)]
pub struct LivenessConfig {
    /// Directory holding the model files named in the manifest.
    pub models_dir: PathBuf,
    /// A manifest file; `None` uses the one built into the binary.
    pub manifest: Option<PathBuf>,
    /// Manifest ids of the models to fuse; `None`: every liveness model in the manifest.
    pub models: Option<Vec<String>>,
    /// Intra-op threads per liveness session.
    pub threads: usize,
    /// Fused P(real) at or above which a scored face is live.
    pub threshold: f32,
    pub box_convention: BoxConvention,
    pub gate: GateLimits,
}

impl LivenessConfig {
    pub fn new(models_dir: impl Into<PathBuf>) -> Self {
        Self {
            models_dir: models_dir.into(),
            manifest: None,
            models: None,
            threads: 1,
            threshold: DEFAULT_THRESHOLD,
            box_convention: BoxConvention::default(),
            gate: GateLimits::default(),
        }
    }
}

/// One model's judgement of one face.
#[derive(Clone, Debug, Serialize)]
pub struct ModelScore {
    pub model: String,
    pub crop: CropBox,
    /// The crop scale used: the model's, or less when the crop was clamped to the frame.
    pub scale: f32,
    pub logits: Vec<f32>,
    pub p_real: f32,
}

/// Every model's judgement of one face, and their mean P(real).
#[derive(Clone, Debug, Serialize)]
pub struct FaceScore {
    pub p_real: f32,
    pub models: Vec<ModelScore>,
}

/// The answer for one frame.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    /// `None` when no face was scored.
    pub live: Option<bool>,
    /// Fused P(real) of the face scored.
    pub score: Option<f32>,
    /// Each model's P(real), by manifest id.
    pub scores: BTreeMap<String, f32>,
    /// Why nothing was scored, or why a face was scored although the gate refuses it.
    pub reason: Option<String>,
    pub hint: Option<Hint>,
    /// The face judged (the largest in view) and its framing measures.
    pub face: Option<Detection>,
    pub framing: Option<Framing>,
}

/// Whether the framing gate decides which faces are scored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GateMode {
    Enforce,
    /// Score the largest face whatever its framing (measurements, and the parity samples).
    Bypass,
}

#[derive(Debug)]
pub struct LivenessChecker {
    models: Vec<AntiSpoofModel>,
    threshold: f32,
    box_convention: BoxConvention,
    gate: GateLimits,
}

impl LivenessChecker {
    pub fn load(config: &LivenessConfig) -> Result<Self, VisionError> {
        let manifest = match &config.manifest {
            Some(path) => Manifest::load(path)?,
            None => Manifest::bundled()?,
        };
        let ids: Vec<String> = match &config.models {
            Some(ids) => ids.clone(),
            None => manifest
                .ids(Role::Liveness)
                .into_iter()
                .map(str::to_owned)
                .collect(),
        };
        if ids.is_empty() {
            return Err(VisionError::Model(
                "the manifest has no liveness model".into(),
            ));
        }
        let models = ids
            .iter()
            .map(|id| {
                AntiSpoofModel::load(&config.models_dir, &manifest.liveness(id)?, config.threads)
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            models,
            threshold: config.threshold,
            box_convention: config.box_convention,
            gate: config.gate.clone(),
        })
    }

    pub fn models(&self) -> &[AntiSpoofModel] {
        &self.models
    }

    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    pub fn gate(&self) -> &GateLimits {
        &self.gate
    }

    /// Each model's crop box and scale for a face, `None` for an empty box.
    pub fn crop_boxes(&self, frame: &RgbImage, face: &BBox) -> Option<Vec<(CropBox, f32)>> {
        let size = (frame.width, frame.height);
        let face = crop::face_box(face, self.box_convention);
        self.models
            .iter()
            .map(|m| {
                let scale = f64::from(m.crop_scale());
                let used = crop::effective_scale(size, face, scale) as f32;
                crop::crop_box(size, face, scale).map(|c| (c, used))
            })
            .collect()
    }

    /// Scores one face, whatever its framing.
    pub fn score(&self, frame: &RgbImage, face: &BBox) -> Result<FaceScore, VisionError> {
        let crops = self
            .crop_boxes(frame, face)
            .ok_or_else(|| VisionError::Model(format!("face box {face:?} is empty")))?;
        let mut models = Vec::with_capacity(self.models.len());
        for (m, (crop, scale)) in self.models.iter().zip(crops) {
            let (w, h) = m.input_size();
            let logits = m.logits(&resize::resize_linear(frame, crop, w, h))?;
            models.push(ModelScore {
                model: m.id().to_owned(),
                crop,
                scale,
                p_real: m.p_real(&logits),
                logits,
            });
        }
        let p_real = models.iter().map(|s| s.p_real).sum::<f32>() / models.len() as f32;
        Ok(FaceScore { p_real, models })
    }

    /// Judges the largest face of a frame (the person at the kiosk is the one nearest to it).
    pub fn check(
        &self,
        frame: &RgbImage,
        detections: &[Detection],
        mode: GateMode,
    ) -> Result<Verdict, VisionError> {
        let mut verdict = Verdict {
            live: None,
            score: None,
            scores: BTreeMap::new(),
            reason: None,
            hint: None,
            face: None,
            framing: None,
        };
        let Some(face) = detections
            .iter()
            .max_by(|a, b| a.bbox.area().total_cmp(&b.bbox.area()))
        else {
            verdict.reason = Some("no face in view".into());
            return Ok(verdict);
        };
        let framing = Framing::measure(frame, face);
        let refusal = self.gate.judge(&framing);
        verdict.face = Some(face.clone());
        verdict.framing = Some(framing);
        if let Some(refusal) = refusal {
            verdict.hint = Some(refusal.hint);
            if mode == GateMode::Enforce {
                verdict.reason = Some(refusal.reason);
                return Ok(verdict);
            }
            verdict.reason = Some(format!(
                "scored although the framing gate refuses it: {}",
                refusal.reason
            ));
        }
        let score = self.score(frame, &face.bbox)?;
        verdict.live = Some(score.p_real >= self.threshold);
        verdict.score = Some(score.p_real);
        verdict.scores = score
            .models
            .iter()
            .map(|s| (s.model.clone(), s.p_real))
            .collect();
        Ok(verdict)
    }
}
