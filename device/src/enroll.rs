//! `attendd enroll`: capture frames of one employee, keep only those that pass the enrolment
//! quality gates (one face, big enough, sharp, frontal), and queue their templates as an
//! enrolment candidate. It travels through the outbox like any event; a manager approves it
//! on the server before any kiosk uses it.

use attend_protocol::events::{CandidateTemplate, EnrolmentCandidate, EventBody};
use attend_protocol::ids::EmployeeId;
use attend_vision::quality::{QualityLimits, QualityReport};
use attend_vision::{FacePipeline, PipelineConfig, image};
use std::sync::Arc;

use anyhow::Context as _;
use base64::Engine as _;

use crate::config::Config;
use crate::hw::{Camera, SystemClock, open_camera};
use crate::outbox::{EventDraft, Outbox};
use crate::recognize::vision_format;

#[derive(Debug, thiserror::Error)]
pub enum EnrollError {
    #[error("camera: {0}")]
    Camera(String),
    #[error(
        "only {got} of {wanted} frames passed the quality checks in {tried} tries; last problem: {last}"
    )]
    NotEnough {
        got: usize,
        wanted: usize,
        tried: usize,
        last: String,
    },
}

/// A quality score in 0..=1 from the gates' measurements: sharper and more frontal is better.
pub fn quality_score(report: &QualityReport, limits: &QualityLimits) -> f32 {
    let sharp = (report.sharpness / (4.0 * limits.min_sharpness.max(1.0))).min(1.0);
    let frontal = (1.0 - report.yaw.abs() / limits.max_yaw.max(1e-3)).clamp(0.0, 1.0);
    (0.5 * sharp + 0.5 * frontal).clamp(0.0, 1.0)
}

/// Thumbnail quality: a 150-pixel chip at this quality is a few kilobytes.
const THUMBNAIL_JPEG_QUALITY: u8 = 80;

/// Captures until `wanted` frames pass (or `max_frames` were tried) and builds the candidate,
/// with the best accepted frame's aligned face as its thumbnail.
pub fn capture(
    camera: &mut dyn Camera,
    pipeline: &FacePipeline,
    employee: EmployeeId,
    limits: &QualityLimits,
    wanted: usize,
    max_frames: usize,
    mut progress: impl FnMut(&QualityReport),
) -> Result<EventBody, EnrollError> {
    let mut templates = Vec::new();
    let mut best: Option<(f32, image::RgbImage)> = None;
    let mut last = String::from("no frame yet");
    let mut tried = 0;
    while templates.len() < wanted && tried < max_frames {
        tried += 1;
        let frame = camera
            .next_frame()
            .map_err(|e| EnrollError::Camera(e.to_string()))?;
        let img = match image::decode(&frame.bytes, vision_format(frame.format)) {
            Ok(img) => img,
            Err(e) => {
                last = e.to_string();
                continue;
            }
        };
        let shot = match pipeline.enrolment_capture(&img, limits) {
            Ok(shot) => shot,
            Err(e) => {
                last = e.to_string();
                continue;
            }
        };
        progress(&shot.report);
        let Some(vector) = shot.embedding else {
            last = shot.report.problems.join("; ");
            continue;
        };
        let quality = quality_score(&shot.report, limits);
        if let Some(chip) = shot.chip
            && best.as_ref().is_none_or(|(q, _)| quality > *q)
        {
            best = Some((quality, chip));
        }
        templates.push(CandidateTemplate { vector, quality });
    }
    if templates.len() < wanted {
        return Err(EnrollError::NotEnough {
            got: templates.len(),
            wanted,
            tried,
            last,
        });
    }
    // A thumbnail that fails to encode only costs the manager a picture, not the enrolment.
    let thumbnail = best
        .and_then(|(_, chip)| chip.to_jpeg(THUMBNAIL_JPEG_QUALITY).ok())
        .map(|jpeg| base64::engine::general_purpose::STANDARD.encode(jpeg));
    Ok(EventBody::EnrolmentCandidate(EnrolmentCandidate {
        employee_id: employee,
        model_id: pipeline.embedder().model().spec.id.clone(),
        templates,
        thumbnail_jpeg_base64: thumbnail,
    }))
}

/// `attendd enroll`: loads the models and opens the configured camera, captures `frames` good
/// frames and commits the candidate to the outbox. Returns its outbox sequence number.
pub fn enroll_from_config(
    config: &Config,
    employee: EmployeeId,
    frames: usize,
    progress: impl FnMut(&QualityReport),
) -> anyhow::Result<u64> {
    let mut pipeline_config = PipelineConfig::new(&config.recognition.models_dir);
    pipeline_config.threads = config.recognition.threads;
    let pipeline = FacePipeline::load(&pipeline_config).context("loading the face models")?;
    let mut camera =
        open_camera(&config.camera.source, Arc::new(SystemClock)).context("opening the camera")?;
    let body = capture(
        camera.as_mut(),
        &pipeline,
        employee,
        &QualityLimits::default(),
        frames,
        frames * 20,
        progress,
    )?;
    let mut outbox = Outbox::open(&config.state_db())?;
    Ok(outbox.enqueue(&EventDraft::new(jiff::Timestamp::now(), body))?)
}
