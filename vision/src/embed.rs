//! Face embedding on ONNX Runtime: an aligned chip in, the model's descriptor out, normalised as
//! the manifest says (dlib's ResNet is used raw with a Euclidean threshold; SFace is
//! L2-normalised and compared by cosine).

use std::path::Path;
use std::sync::Mutex;

use ort::session::Session;
use ort::value::Tensor;

use crate::VisionError;
use crate::detect::to_nchw;
use crate::image::RgbImage;
use crate::manifest::EmbedderModel;
use crate::session::{open_session, run_first_output};

#[derive(Debug)]
pub struct Embedder {
    session: Mutex<Session>,
    model: EmbedderModel,
}

impl Embedder {
    pub fn load(
        models_dir: &Path,
        model: &EmbedderModel,
        threads: usize,
    ) -> Result<Self, VisionError> {
        let session = open_session(models_dir, &model.spec, threads)?;
        Ok(Self {
            session: Mutex::new(session),
            model: model.clone(),
        })
    }

    pub fn model(&self) -> &EmbedderModel {
        &self.model
    }

    /// The descriptor of one aligned chip (its size must be the model's input size).
    pub fn embed(&self, chip: &RgbImage) -> Result<Vec<f32>, VisionError> {
        let input = &self.model.spec.input;
        if (chip.width, chip.height) != (input.width, input.height) {
            return Err(VisionError::Model(format!(
                "chip is {}x{}, model `{}` takes {}x{}",
                chip.width, chip.height, self.model.spec.id, input.width, input.height
            )));
        }
        let (w, h) = (input.width as usize, input.height as usize);
        let tensor = Tensor::from_array(([1usize, 3, h, w], to_nchw(chip, input, w, h)))
            .map_err(VisionError::runtime)?;
        let mut vector = run_first_output(&self.session, tensor)?;
        if vector.len() != self.model.embedder.dim {
            return Err(VisionError::Model(format!(
                "model `{}` produced {} values, the manifest says {}",
                self.model.spec.id,
                vector.len(),
                self.model.embedder.dim
            )));
        }
        if self.model.embedder.l2_normalise {
            l2_normalise(&mut vector);
        }
        Ok(vector)
    }
}

pub fn l2_normalise(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for x in v.iter_mut() {
            *x /= norm;
        }
    }
}
