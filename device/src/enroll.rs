//! `attendd enroll`: capture frames of one employee, keep only those that pass the enrolment
//! quality gates (one face, big enough, sharp, frontal), and queue their templates as an
//! enrolment candidate. It travels through the outbox like any event; a manager approves it
//! on the server before any kiosk uses it.

use attend_protocol::events::{EnrolmentCandidate, EventBody};
use attend_protocol::ids::EmployeeId;
use attend_vision::enrol::Enrolment;
use attend_vision::quality::{QualityLimits, QualityReport};
use attend_vision::{FacePipeline, image};
use std::sync::Arc;

use anyhow::Context as _;

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

pub use attend_vision::enrol::quality_score;

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
    let mut enrolment = Enrolment::new(pipeline, limits.clone());
    let mut last = String::from("no frame yet");
    let mut tried = 0;
    while enrolment.accepted() < wanted && tried < max_frames {
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
        match enrolment.add(&img) {
            Ok(report) => {
                progress(&report);
                if !report.passed() {
                    last = report.problems.join("; ");
                }
            }
            Err(e) => last = e.to_string(),
        }
    }
    if enrolment.accepted() < wanted {
        return Err(EnrollError::NotEnough {
            got: enrolment.accepted(),
            wanted,
            tried,
            last,
        });
    }
    let enrolled = enrolment.finish();
    Ok(EventBody::EnrolmentCandidate(EnrolmentCandidate::new(
        employee,
        enrolled.model_id,
        enrolled
            .templates
            .into_iter()
            .map(|t| (t.vector, t.quality)),
        enrolled.thumbnail_jpeg.as_deref(),
    )))
}
/// `attendd enroll`: loads the models and opens the configured camera, captures `frames` good
/// frames and commits the candidate to the outbox. Returns its outbox sequence number.
pub fn enroll_from_config(
    config: &Config,
    employee: EmployeeId,
    frames: usize,
    progress: impl FnMut(&QualityReport),
) -> anyhow::Result<u64> {
    let pipeline = FacePipeline::load(&config.pipeline()).context("loading the face models")?;
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
