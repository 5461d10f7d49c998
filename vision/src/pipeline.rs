//! The whole path from a frame to descriptors: detect → align (landmarks onto the embedder's
//! template) → embed. Model choice, sizes and normalisation all come from the manifest.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::VisionError;
use crate::align::align;
use crate::detect::{Detection, Detector};
use crate::embed::Embedder;
use crate::image::RgbImage;
use crate::manifest::{Manifest, Metric, Role};
use crate::quality::{QualityLimits, QualityReport, assess};

#[derive(Clone, Debug)]
pub struct PipelineConfig {
    /// Directory holding the model files named in the manifest.
    pub models_dir: PathBuf,
    /// A manifest file; `None` uses the one built into the binary.
    pub manifest: Option<PathBuf>,
    /// Manifest ids; `None` picks the manifest's first model of the role.
    pub detector: Option<String>,
    pub embedder: Option<String>,
    /// Intra-op threads per model.
    pub threads: usize,
    /// Longest frame side fed to a dynamic-input detector.
    pub detect_max_side: u32,
    /// Longest frame side of the first look at a kiosk frame ([`FacePipeline::faces_coarse_first`]).
    pub detect_coarse_side: u32,
    /// ONNX Runtime library to load; `None` tries `ORT_DYLIB_PATH`, then the project cache.
    pub ort_library: Option<PathBuf>,
}

impl PipelineConfig {
    pub fn new(models_dir: impl Into<PathBuf>) -> Self {
        Self {
            models_dir: models_dir.into(),
            manifest: None,
            detector: None,
            embedder: None,
            threads: 1,
            detect_max_side: 640,
            detect_coarse_side: 320,
            ort_library: None,
        }
    }
}

/// A detected face and, when it has landmarks, its descriptor.
#[derive(Clone, Debug, Serialize)]
pub struct Face {
    #[serde(flatten)]
    pub detection: Detection,
    pub embedding: Option<Vec<f32>>,
}

/// One enrolment frame as judged by the quality gates.
#[derive(Clone, Debug)]
pub struct EnrolmentCapture {
    pub report: QualityReport,
    /// The descriptor, present exactly when every gate passed.
    pub embedding: Option<Vec<f32>>,
    /// The aligned face chip of the best detection, if it had landmarks.
    pub chip: Option<RgbImage>,
}

#[derive(Debug)]
pub struct FacePipeline {
    detector: Detector,
    embedder: Embedder,
}

impl FacePipeline {
    pub fn load(config: &PipelineConfig) -> Result<Self, VisionError> {
        // Load the runtime first, from the configured library if there is one.
        crate::runtime::environment(config.ort_library.as_deref())?;
        let manifest = match &config.manifest {
            Some(path) => Manifest::load(path)?,
            None => Manifest::bundled()?,
        };
        let pick = |wanted: &Option<String>, role| {
            wanted
                .clone()
                .or_else(|| manifest.default_id(role).map(str::to_owned))
                .ok_or_else(|| VisionError::Model(format!("the manifest has no {role:?} model")))
        };
        let detector_id = match &config.detector {
            Some(id) => id.clone(),
            None => installed_default_detector(&manifest, &config.models_dir)?,
        };
        let (detector_model, detector_spec) = manifest.detector(&detector_id)?;
        let embedder_model = manifest.embedder(&pick(&config.embedder, Role::Embedder)?)?;
        let detector = Detector::load(
            &config.models_dir,
            &detector_model,
            &detector_spec,
            config.threads,
        )?
        .with_max_side(config.detect_max_side)
        .with_coarse_side(config.detect_coarse_side);
        let embedder = Embedder::load(&config.models_dir, &embedder_model, config.threads)?;
        Ok(Self { detector, embedder })
    }

    pub fn detector(&self) -> &Detector {
        &self.detector
    }

    pub fn embedder(&self) -> &Embedder {
        &self.embedder
    }

    pub fn metric(&self) -> Metric {
        self.embedder.model().embedder.metric
    }

    pub fn threshold(&self) -> f32 {
        self.embedder.model().embedder.threshold
    }

    /// The aligned chip for one detection (`None` without landmarks or with degenerate ones).
    pub fn chip(&self, frame: &RgbImage, detection: &Detection) -> Option<RgbImage> {
        let alignment = &self.embedder.model().alignment;
        align(
            frame,
            detection.landmarks.as_ref()?,
            &alignment.template,
            alignment.size,
        )
    }

    /// The descriptor of one detection (`None` without landmarks or with degenerate ones).
    pub fn describe(
        &self,
        frame: &RgbImage,
        detection: &Detection,
    ) -> Result<Option<Vec<f32>>, VisionError> {
        self.chip(frame, detection)
            .map(|chip| self.embedder.embed(&chip))
            .transpose()
    }

    /// Every face in the frame with its descriptor, best detection first.
    pub fn faces(&self, frame: &RgbImage) -> Result<Vec<Face>, VisionError> {
        self.described(frame, self.detector.detect(frame)?)
    }

    /// [`FacePipeline::faces`] with [`Detector::detect_coarse_first`]: a kiosk frame.
    pub fn faces_coarse_first(&self, frame: &RgbImage) -> Result<Vec<Face>, VisionError> {
        self.described(frame, self.detector.detect_coarse_first(frame)?)
    }

    fn described(
        &self,
        frame: &RgbImage,
        detections: Vec<Detection>,
    ) -> Result<Vec<Face>, VisionError> {
        detections
            .into_iter()
            .map(|detection| {
                let embedding = self.describe(frame, &detection)?;
                Ok(Face {
                    detection,
                    embedding,
                })
            })
            .collect()
    }

    /// Enrolment: checks the quality gates on the frame's best face and, when they pass, returns
    /// its descriptor with the report.
    pub fn enrolment_check(
        &self,
        frame: &RgbImage,
        limits: &QualityLimits,
    ) -> Result<(QualityReport, Option<Vec<f32>>), VisionError> {
        self.enrolment_capture(frame, limits)
            .map(|c| (c.report, c.embedding))
    }

    /// Like [`Self::enrolment_check`], also keeping the aligned face chip (a manager sees it as
    /// the candidate's thumbnail before approving).
    pub fn enrolment_capture(
        &self,
        frame: &RgbImage,
        limits: &QualityLimits,
    ) -> Result<EnrolmentCapture, VisionError> {
        let detections = self.detector.detect(frame)?;
        let chip = detections.first().and_then(|d| self.chip(frame, d));
        // Without a chip (no face, or no landmarks) the blur gate reads a black chip and fails.
        let size = self.embedder.model().alignment.size;
        let black = || RgbImage {
            width: size[0],
            height: size[1],
            data: vec![0; (size[0] * size[1] * 3) as usize],
        };
        let report = assess(&detections, &chip.clone().unwrap_or_else(black), limits);
        let embedding = match (&chip, report.passed()) {
            (Some(c), true) => Some(self.embedder.embed(c)?),
            _ => None,
        };
        Ok(EnrolmentCapture {
            report,
            embedding,
            chip,
        })
    }

    /// The descriptor of the largest face, or [`VisionError::NoFace`].
    pub fn embed_largest(&self, frame: &RgbImage, what: &Path) -> Result<Vec<f32>, VisionError> {
        let detections = self.detector.detect(frame)?;
        let largest = detections
            .iter()
            .filter(|d| d.landmarks.is_some())
            .max_by(|a, b| a.bbox.area().total_cmp(&b.bbox.area()))
            .ok_or_else(|| VisionError::NoFace(what.display().to_string()))?;
        let chip = self
            .chip(frame, largest)
            .ok_or_else(|| VisionError::NoFace(what.display().to_string()))?;
        self.embedder.embed(&chip)
    }
}

/// The manifest's default detector, or its fallback when only the fallback's file is installed
/// (a kiosk set up before the default changed: see `fallback_detector` in the manifest). A
/// missing default with no fallback installed either is reported for the default.
fn installed_default_detector(
    manifest: &Manifest,
    models_dir: &Path,
) -> Result<String, VisionError> {
    let default = manifest
        .default_id(Role::Detector)
        .ok_or_else(|| VisionError::Model("the manifest has no detector model".into()))?;
    let installed = |id: &str| {
        manifest
            .detector(id)
            .is_ok_and(|(model, _)| models_dir.join(&model.file).is_file())
    };
    Ok(match manifest.fallback_detector.as_deref() {
        Some(fallback) if !installed(default) && installed(fallback) => fallback,
        _ => default,
    }
    .to_owned())
}
