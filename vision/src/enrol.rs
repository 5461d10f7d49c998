//! Enrolment from several images, as a kiosk camera or a manager's photo upload gives them:
//! each image is judged by the quality gates; each one that passes gives a template with a
//! quality score, and the best one's aligned face chip becomes the reviewer's thumbnail.
//! The kiosk (`attendd enroll`) and the server's photo enrolment both use this, so a
//! template means the same thing whichever way it was captured.

use crate::image::RgbImage;
use crate::quality::{QualityLimits, QualityReport};
use crate::{FacePipeline, VisionError};

/// Thumbnail quality: a 150-pixel chip at this quality is a few kilobytes.
const THUMBNAIL_JPEG_QUALITY: u8 = 80;

/// A quality score in 0..=1 from the gates' measurements: sharper and more frontal is better.
pub fn quality_score(report: &QualityReport, limits: &QualityLimits) -> f32 {
    let sharp = (report.sharpness / (4.0 * limits.min_sharpness.max(1.0))).min(1.0);
    let frontal = (1.0 - report.yaw.abs() / limits.max_yaw.max(1e-3)).clamp(0.0, 1.0);
    (0.5 * sharp + 0.5 * frontal).clamp(0.0, 1.0)
}

/// One accepted image's descriptor.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    pub vector: Vec<f32>,
    pub quality: f32,
}

/// What an enrolment produced.
#[derive(Clone, Debug)]
pub struct Enrolled {
    /// The embedding model's manifest id; templates only match templates of the same model.
    pub model_id: String,
    pub templates: Vec<Template>,
    /// The best accepted image's aligned face as a JPEG, if it encoded.
    pub thumbnail_jpeg: Option<Vec<u8>>,
}

/// Images are added one by one; [`Enrolment::finish`] gives the templates.
#[derive(Debug)]
pub struct Enrolment<'a> {
    pipeline: &'a FacePipeline,
    limits: QualityLimits,
    templates: Vec<Template>,
    best: Option<(f32, RgbImage)>,
}

impl<'a> Enrolment<'a> {
    pub fn new(pipeline: &'a FacePipeline, limits: QualityLimits) -> Self {
        Self {
            pipeline,
            limits,
            templates: Vec::new(),
            best: None,
        }
    }

    /// Judges one image; when every gate passes its template is kept. The report says why an
    /// image was refused (no face, two faces, too small, blurred, turned away).
    pub fn add(&mut self, image: &RgbImage) -> Result<QualityReport, VisionError> {
        let shot = self.pipeline.enrolment_capture(image, &self.limits)?;
        if let Some(vector) = shot.embedding {
            let quality = quality_score(&shot.report, &self.limits);
            if let Some(chip) = shot.chip
                && self.best.as_ref().is_none_or(|(q, _)| quality > *q)
            {
                self.best = Some((quality, chip));
            }
            self.templates.push(Template { vector, quality });
        }
        Ok(shot.report)
    }

    /// How many images passed so far.
    pub fn accepted(&self) -> usize {
        self.templates.len()
    }

    pub fn finish(self) -> Enrolled {
        Enrolled {
            model_id: self.pipeline.embedder().model().spec.id.clone(),
            templates: self.templates,
            // A thumbnail that fails to encode only costs the reviewer a picture.
            thumbnail_jpeg: self
                .best
                .and_then(|(_, chip)| chip.to_jpeg(THUMBNAIL_JPEG_QUALITY).ok()),
        }
    }
}
