//! One anti-spoofing model on ONNX Runtime: an 80×80 crop in, its logits and P(real) out.

use std::path::Path;
use std::sync::Mutex;

use ort::session::Session;
use ort::value::Tensor;

use crate::VisionError;
use crate::detect::to_nchw;
use crate::image::RgbImage;
use crate::manifest::LivenessModel;
use crate::session::{open_session, run_first_output};

#[derive(Debug)]
pub struct AntiSpoofModel {
    session: Mutex<Session>,
    model: LivenessModel,
}

impl AntiSpoofModel {
    /// Verifies the file's sha256 and opens it with `threads` intra-op threads.
    pub fn load(
        models_dir: &Path,
        model: &LivenessModel,
        threads: usize,
    ) -> Result<Self, VisionError> {
        Ok(Self {
            session: Mutex::new(open_session(models_dir, &model.spec, threads)?),
            model: model.clone(),
        })
    }

    pub fn id(&self) -> &str {
        &self.model.spec.id
    }

    pub fn crop_scale(&self) -> f32 {
        self.model.liveness.crop_scale
    }

    /// The input size `(width, height)` crops are resized to.
    pub fn input_size(&self) -> (u32, u32) {
        (self.model.spec.input.width, self.model.spec.input.height)
    }

    /// The model's logits for one crop already at the input size, fed as the manifest says
    /// (raw BGR 0..255 for MiniFASNet).
    pub fn logits(&self, crop: &RgbImage) -> Result<Vec<f32>, VisionError> {
        let input = &self.model.spec.input;
        if (crop.width, crop.height) != self.input_size() {
            return Err(VisionError::Model(format!(
                "crop is {}x{}, model `{}` takes {}x{}",
                crop.width,
                crop.height,
                self.id(),
                input.width,
                input.height
            )));
        }
        let (w, h) = (input.width as usize, input.height as usize);
        let tensor = Tensor::from_array(([1usize, 3, h, w], to_nchw(crop, input, w, h)))
            .map_err(VisionError::runtime)?;
        let logits = run_first_output(&self.session, tensor)?;
        if logits.len() != self.model.liveness.classes {
            return Err(VisionError::Model(format!(
                "model `{}` produced {} logits, the manifest says {}",
                self.id(),
                logits.len(),
                self.model.liveness.classes
            )));
        }
        Ok(logits)
    }

    /// P(real): the softmax of `logits` at the manifest's live class.
    pub fn p_real(&self, logits: &[f32]) -> f32 {
        softmax(logits)
            .get(self.model.liveness.live_class)
            .copied()
            .unwrap_or(0.0)
    }
}

/// Softmax, shifted by the largest logit so large logits do not overflow.
pub fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = logits.iter().map(|l| (l - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.iter().map(|e| e / sum).collect()
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact values are the point of these tests
mod tests {
    use super::*;

    #[test]
    fn softmax_matches_the_golden_probabilities_and_survives_large_logits() {
        // golden.json, T1 through RetinaFace, MiniFASNetV2: softmax [0.00014, 0.99022, 0.00964].
        let p = softmax(&[-4.36359, 4.49658, -0.13583]);
        for (got, want) in p.iter().zip([0.00014, 0.99022, 0.00964]) {
            assert!((got - want).abs() < 1e-5, "{p:?}");
        }
        let big = softmax(&[1000.0, 1000.0, -1000.0]);
        assert!((big[0] - 0.5).abs() < 1e-6 && big[2] == 0.0, "{big:?}");
    }
}
