//! `attendd enroll`: capture frames of one employee, keep only those that pass the enrolment
//! quality gates (one face, big enough, sharp, frontal), and queue their templates as an
//! enrolment candidate. It travels through the outbox like any event; a manager approves it
//! on the server before any kiosk uses it.

use attend_protocol::events::{CandidateTemplate, EnrolmentCandidate, EventBody};
use attend_protocol::ids::EmployeeId;
use attend_vision::quality::{QualityLimits, QualityReport};
use attend_vision::{FacePipeline, image};

use crate::hw::Camera;
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

/// Captures until `wanted` frames pass (or `max_frames` were tried) and builds the candidate.
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
        match pipeline.enrolment_check(&img, limits) {
            Ok((report, Some(vector))) => {
                progress(&report);
                templates.push(CandidateTemplate {
                    vector,
                    quality: quality_score(&report, limits),
                });
            }
            Ok((report, None)) => {
                progress(&report);
                last = report.problems.join("; ");
            }
            Err(e) => last = e.to_string(),
        }
    }
    if templates.len() < wanted {
        return Err(EnrollError::NotEnough {
            got: templates.len(),
            wanted,
            tried,
            last,
        });
    }
    Ok(EventBody::EnrolmentCandidate(EnrolmentCandidate {
        employee_id: employee,
        model_id: pipeline.embedder().model().spec.id.clone(),
        templates,
        thumbnail_jpeg_base64: None,
    }))
}
