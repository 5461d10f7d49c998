//! Face detection on ONNX Runtime. The frame is scaled (and padded) to the model's input,
//! normalised as the manifest says, run, decoded ([`yunet`]), filtered by NMS ([`nms`]) and
//! mapped back to frame pixels.

pub mod centerface;
pub mod nms;
pub mod ultraface;
pub mod yunet;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use ort::session::Session;
use ort::value::Tensor;
use serde::Serialize;

pub use nms::BBox;

use crate::VisionError;
use crate::image::RgbImage;
use crate::manifest::{Channels, DetectorKind, DetectorSpec, InputSpec, ModelSpec};
use crate::session::open_session;

/// One detected face in frame pixels. Landmarks (YuNet order): right eye, left eye (as seen
/// in the image: left, then right), nose tip, right mouth corner, left mouth corner.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Detection {
    pub bbox: BBox,
    pub score: f32,
    pub landmarks: Option<[[f32; 2]; 5]>,
}

#[derive(Debug)]
pub struct Detector {
    session: Mutex<Session>,
    model: ModelSpec,
    spec: DetectorSpec,
    /// Longest side the frame is scaled to before detection (dynamic-input models).
    max_side: u32,
    /// Longest side of [`Detector::detect_coarse_first`]'s first look (dynamic-input models).
    coarse_side: u32,
}

/// How a frame was placed into the model input: `input = frame * scale`, top-left aligned.
#[derive(Clone, Copy, Debug)]
struct Placement {
    scale: f32,
    width: usize,
    height: usize,
}

impl Detector {
    pub fn load(
        models_dir: &Path,
        model: &ModelSpec,
        spec: &DetectorSpec,
        threads: usize,
    ) -> Result<Self, VisionError> {
        let session = open_session(models_dir, model, threads)?;
        Ok(Self {
            session: Mutex::new(session),
            model: model.clone(),
            spec: spec.clone(),
            max_side: 640,
            coarse_side: 640,
        })
    }

    /// Frames are scaled so their longest side is at most `max_side` before detection (only for
    /// models with a dynamic input; fixed-input models are letterboxed to their size).
    pub fn with_max_side(mut self, max_side: u32) -> Self {
        self.max_side = max_side.max(32);
        self
    }

    /// The first look of [`Detector::detect_coarse_first`] scales frames to at most
    /// `coarse_side` on their longest side (dynamic-input models; capped at `max_side`).
    pub fn with_coarse_side(mut self, coarse_side: u32) -> Self {
        self.coarse_side = coarse_side.max(32);
        self
    }

    pub fn model_id(&self) -> &str {
        &self.model.id
    }

    fn placement(&self, width: u32, height: u32, max_side: u32) -> Placement {
        let input = &self.model.input;
        if input.dynamic {
            let scale = (max_side as f32 / width.max(height) as f32).min(1.0);
            let round32 = |v: f32| ((v.ceil() as usize).div_ceil(32) * 32).max(32);
            Placement {
                scale,
                width: round32(width as f32 * scale),
                height: round32(height as f32 * scale),
            }
        } else {
            let scale =
                (input.width as f32 / width as f32).min(input.height as f32 / height as f32);
            Placement {
                scale,
                width: input.width as usize,
                height: input.height as usize,
            }
        }
    }

    /// Faces in the frame, best first, detected at up to `max_side` (the full detail the
    /// landmarks need for enrolment photos and head turns).
    pub fn detect(&self, frame: &RgbImage) -> Result<Vec<Detection>, VisionError> {
        self.detect_at(frame, self.max_side)
    }

    /// Faces in the frame, best first, looking at only as many pixels as a face near the camera
    /// needs: first with the frame scaled to `coarse_side` (a quarter of the pixels of 640×480
    /// at 320, where YuNet still finds faces from about 20 px of the frame up), and only when
    /// that finds nothing, as [`Detector::detect`] (a face farther away). What a kiosk does with
    /// every frame; the landmarks are coarser, which the labelled pairs show costs no match
    /// (vision/tests/real/detect_scale.rs).
    pub fn detect_coarse_first(&self, frame: &RgbImage) -> Result<Vec<Detection>, VisionError> {
        let coarse = self.coarse_side.min(self.max_side);
        if !self.model.input.dynamic || coarse >= self.max_side {
            return self.detect(frame);
        }
        let found = self.detect_at(frame, coarse)?;
        if found.is_empty() && frame.width.max(frame.height) > coarse {
            return self.detect(frame);
        }
        Ok(found)
    }

    fn detect_at(&self, frame: &RgbImage, max_side: u32) -> Result<Vec<Detection>, VisionError> {
        let place = self.placement(frame.width, frame.height, max_side);
        let (w, h) = (
            ((frame.width as f32 * place.scale).round() as u32).max(1),
            ((frame.height as f32 * place.scale).round() as u32).max(1),
        );
        let scaled = frame.resized(w.min(place.width as u32), h.min(place.height as u32));
        let tensor = to_nchw(&scaled, &self.model.input, place.width, place.height);
        let input = Tensor::from_array(([1usize, 3, place.height, place.width], tensor))
            .map_err(VisionError::runtime)?;
        let (names, outputs) = {
            let mut session = self
                .session
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let names: Vec<String> = session
                .outputs()
                .iter()
                .map(|o| o.name().to_owned())
                .collect();
            let outputs = session
                .run(ort::inputs![input])
                .map_err(VisionError::runtime)?;
            let mut map = HashMap::new();
            for name in &names {
                let (_, data) = outputs[name.as_str()]
                    .try_extract_tensor::<f32>()
                    .map_err(VisionError::runtime)?;
                map.insert(name.clone(), data.to_vec());
            }
            (names, map)
        };
        let candidates = self
            .decode(&names, &outputs, place)
            .map_err(VisionError::Model)?;
        let boxes: Vec<BBox> = candidates.iter().map(|d| d.bbox).collect();
        let scores: Vec<f32> = candidates.iter().map(|d| d.score).collect();
        let inv = 1.0 / place.scale;
        Ok(nms::nms(&boxes, &scores, self.spec.nms_iou)
            .into_iter()
            .map(|i| {
                let d = &candidates[i];
                Detection {
                    bbox: BBox {
                        x: d.bbox.x * inv,
                        y: d.bbox.y * inv,
                        w: d.bbox.w * inv,
                        h: d.bbox.h * inv,
                    },
                    score: d.score,
                    landmarks: d.landmarks.map(|l| l.map(|p| [p[0] * inv, p[1] * inv])),
                }
            })
            .collect())
    }
}

impl Detector {
    /// Candidates in input pixels, by the manifest's decoder kind.
    fn decode(
        &self,
        names: &[String],
        outputs: &HashMap<String, Vec<f32>>,
        place: Placement,
    ) -> Result<Vec<Detection>, String> {
        let (w, h, threshold) = (place.width, place.height, self.spec.score_threshold);
        let by_name = |n: &str| {
            outputs
                .get(n)
                .map(Vec::as_slice)
                .ok_or_else(|| format!("output `{n}` is missing"))
        };
        // CenterFace's outputs are numbered, not named: take them in the model's order.
        let by_index = |i: usize| {
            names
                .get(i)
                .map_or_else(|| Err(format!("output #{i} is missing")), |n| by_name(n))
        };
        match self.spec.kind {
            DetectorKind::Yunet => yunet::decode(outputs, w, h, threshold),
            DetectorKind::Ultraface => {
                ultraface::decode(by_name("scores")?, by_name("boxes")?, w, h, threshold)
            }
            DetectorKind::Centerface => {
                let out = centerface::Outputs {
                    heatmap: by_index(0)?,
                    scale: by_index(1)?,
                    offset: by_index(2)?,
                    landmarks: by_index(3)?,
                };
                centerface::decode(&out, w, h, threshold)
            }
        }
    }
}

/// Planar `(pixel − mean) / std` in the model's channel order, zero-padded to `width`×`height`.
pub fn to_nchw(img: &RgbImage, input: &InputSpec, width: usize, height: usize) -> Vec<f32> {
    let plane = width * height;
    let mut out = vec![0f32; plane * 3];
    let order = match input.channels {
        Channels::Rgb => [0, 1, 2],
        Channels::Bgr => [2, 1, 0],
    };
    let scale = input.std.map(|s| 1.0 / s);
    for y in 0..(img.height as usize).min(height) {
        for x in 0..(img.width as usize).min(width) {
            let p = &img.data[(y * img.width as usize + x) * 3..][..3];
            for (c, &src) in order.iter().enumerate() {
                out[c * plane + y * width + x] = (f32::from(p[src]) - input.mean[c]) * scale[c];
            }
        }
    }
    out
}
