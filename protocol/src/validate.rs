//! Semantic checks on a received event that its types cannot express. A failing event is
//! *rejected* (acked with the reason) rather than failing its whole batch: the kiosk has
//! already committed it and can never correct it, so one bad event must not block the queue.

use crate::events::{EquipmentAction, Event, EventBody};

/// Largest accepted embedding length (SFace is 128, dlib 128; leave room for 512-d models).
pub const MAX_TEMPLATE_DIM: usize = 1_024;
/// Largest number of templates in one enrolment candidate.
pub const MAX_CANDIDATE_TEMPLATES: usize = 16;
/// Largest base64 thumbnail accepted with an enrolment candidate (≈ 48 KiB of JPEG).
pub const MAX_THUMBNAIL_BASE64: usize = 65_536;

/// `Ok` or the reason to reject, naming the field.
pub fn check_event(event: &Event) -> Result<(), String> {
    if event.event_id.as_uuid().get_version_num() != 7 {
        return Err("event_id: must be a UUIDv7".into());
    }
    if event.seq == 0 {
        return Err("seq: must be 1 or more".into());
    }
    match &event.body {
        EventBody::Punch(p) => {
            if p.method == crate::events::PunchMethod::Face {
                let score = p.score.ok_or("body.score: required for a face punch")?;
                let threshold = p
                    .threshold
                    .ok_or("body.threshold: required for a face punch")?;
                if !score.is_finite() || !threshold.is_finite() {
                    return Err("body.score: must be a finite number".into());
                }
                match p.model_id.as_deref() {
                    Some(m) if !m.trim().is_empty() => {}
                    _ => return Err("body.model_id: required for a face punch".into()),
                }
            }
            Ok(())
        }
        EventBody::Equipment(e) => match (e.action, e.stop_reason) {
            (EquipmentAction::Start, None) | (EquipmentAction::Stop, Some(_)) => Ok(()),
            (EquipmentAction::Start, Some(_)) => {
                Err("body.stop_reason: only allowed when action is stop".into())
            }
            (EquipmentAction::Stop, None) => {
                Err("body.stop_reason: required when action is stop".into())
            }
        },
        EventBody::Heartbeat(h) => {
            if h.versions.attendd.trim().is_empty() {
                return Err("body.versions.attendd: must not be empty".into());
            }
            Ok(())
        }
        EventBody::EnrolmentCandidate(c) => {
            if c.templates.is_empty() || c.templates.len() > MAX_CANDIDATE_TEMPLATES {
                return Err(format!(
                    "body.templates: must hold 1 to {MAX_CANDIDATE_TEMPLATES}"
                ));
            }
            let dim = c.templates[0].vector.len();
            for (i, t) in c.templates.iter().enumerate() {
                if t.vector.is_empty() || t.vector.len() > MAX_TEMPLATE_DIM {
                    return Err(format!(
                        "body.templates[{i}].vector: length 1 to {MAX_TEMPLATE_DIM}"
                    ));
                }
                if t.vector.len() != dim {
                    return Err(format!(
                        "body.templates[{i}].vector: length differs from the first"
                    ));
                }
                if !t.vector.iter().all(|v| v.is_finite()) {
                    return Err(format!(
                        "body.templates[{i}].vector: must be finite numbers"
                    ));
                }
                if !(0.0..=1.0).contains(&t.quality) {
                    return Err(format!("body.templates[{i}].quality: must be within 0..=1"));
                }
            }
            if c.thumbnail_jpeg_base64
                .as_ref()
                .is_some_and(|t| t.len() > MAX_THUMBNAIL_BASE64)
            {
                return Err(format!(
                    "body.thumbnail_jpeg_base64: over {MAX_THUMBNAIL_BASE64} bytes"
                ));
            }
            Ok(())
        }
    }
}
