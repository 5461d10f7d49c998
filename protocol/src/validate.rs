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

/// Most passive models one liveness verdict may name.
pub const MAX_LIVENESS_MODELS: usize = 4;
/// Longest model id and reason in a liveness verdict, in bytes.
pub const MAX_LIVENESS_TEXT: usize = 200;
/// Largest base64 evidence picture with a face punch (≈ 12 KiB of JPEG: a 112 px face).
pub const MAX_EVIDENCE_PICTURE_BASE64: usize = 16_384;

fn check_evidence(evidence: &crate::face_policy::LivenessEvidence) -> Result<(), String> {
    let probability = |field: &str, v: f32| {
        if (0.0..=1.0).contains(&v) {
            Ok(())
        } else {
            Err(format!("{field}: must be a probability from 0 to 1"))
        }
    };
    if let Some(score) = evidence.score {
        probability("body.liveness.score", score)?;
    }
    if evidence.scores.len() > MAX_LIVENESS_MODELS {
        return Err(format!(
            "body.liveness.scores: at most {MAX_LIVENESS_MODELS} models"
        ));
    }
    for (i, s) in evidence.scores.iter().enumerate() {
        if s.model.trim().is_empty() || s.model.len() > MAX_LIVENESS_TEXT {
            return Err(format!(
                "body.liveness.scores[{i}].model: must be 1 to {MAX_LIVENESS_TEXT} characters"
            ));
        }
        probability(&format!("body.liveness.scores[{i}].p_real"), s.p_real)?;
    }
    if let Some(picture) = &evidence.picture_jpeg_base64 {
        if picture.len() > MAX_EVIDENCE_PICTURE_BASE64 {
            return Err(format!(
                "body.liveness.picture_jpeg_base64: over {MAX_EVIDENCE_PICTURE_BASE64} bytes"
            ));
        }
        use base64::Engine as _;
        if base64::engine::general_purpose::STANDARD
            .decode(picture)
            .is_err()
        {
            return Err("body.liveness.picture_jpeg_base64: not base64".into());
        }
    }
    if evidence
        .reason
        .as_ref()
        .is_some_and(|r| r.len() > MAX_LIVENESS_TEXT)
    {
        return Err(format!(
            "body.liveness.reason: at most {MAX_LIVENESS_TEXT} characters"
        ));
    }
    Ok(())
}

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
            // On any punch: JSON has no infinity, so a number too big for an f32 (`1e39`)
            // parses as one, would be stored, and would be read back out as `null`.
            for (field, value) in [("body.score", p.score), ("body.threshold", p.threshold)] {
                if value.is_some_and(|v| !v.is_finite()) {
                    return Err(format!("{field}: must be a finite number"));
                }
            }
            if let Some(evidence) = &p.liveness {
                check_evidence(evidence)?;
            }
            if p.method == crate::events::PunchMethod::Face {
                p.score.ok_or("body.score: required for a face punch")?;
                p.threshold
                    .ok_or("body.threshold: required for a face punch")?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Punch, PunchMethod, PunchType};
    use crate::ids::{EmployeeId, EventId};

    fn punch(method: PunchMethod, score: Option<f32>, threshold: Option<f32>) -> Event {
        Event {
            event_id: EventId(uuid::Uuid::from_u128(
                0x0190_f5a0_0000_7000_8000_0000_0000_0001,
            )),
            seq: 1,
            captured_at: jiff::Timestamp::UNIX_EPOCH,
            clock_suspect: false,
            body: EventBody::Punch(Punch {
                employee_id: EmployeeId(uuid::Uuid::nil()),
                punch_type: PunchType::In,
                method,
                score,
                threshold,
                model_id: Some("dlib-resnet-v1".into()),
                liveness: None,
            }),
        }
    }

    #[test]
    fn a_pin_punch_with_an_infinite_score_is_rejected_like_a_face_punch() {
        let json = r#"{"event_id":"0190f5a0-0000-7000-8000-000000000001","seq":1,
            "captured_at":"2026-01-05T08:00:00Z","body":{"kind":"punch",
            "employee_id":"0190f5a0-0000-7000-8000-000000000002","punch_type":"in",
            "method":"pin","score":1e39}}"#;
        let event: Event = serde_json::from_str(json).expect("parses, as infinity");
        assert_eq!(
            check_event(&event),
            Err("body.score: must be a finite number".into())
        );
        let face = punch(PunchMethod::Face, Some(0.4), Some(f32::INFINITY));
        assert_eq!(
            check_event(&face),
            Err("body.threshold: must be a finite number".into())
        );
    }

    #[test]
    fn an_evidence_picture_over_its_limit_is_rejected_naming_the_field() {
        use crate::face_policy::{ChallengeOutcome, LivenessEvidence, LivenessMode};
        let with_picture = |len: usize| {
            let mut event = punch(PunchMethod::Face, Some(0.4), Some(0.6));
            if let EventBody::Punch(p) = &mut event.body {
                p.liveness = Some(LivenessEvidence {
                    mode: LivenessMode::Passive,
                    live: true,
                    score: Some(0.9),
                    scores: Vec::new(),
                    challenge: ChallengeOutcome::NotAsked,
                    reason: None,
                    picture_jpeg_base64: Some("A".repeat(len)),
                });
            }
            event
        };
        assert_eq!(
            check_event(&with_picture(MAX_EVIDENCE_PICTURE_BASE64)),
            Ok(())
        );
        assert_eq!(
            check_event(&with_picture(MAX_EVIDENCE_PICTURE_BASE64 + 1)),
            Err(format!(
                "body.liveness.picture_jpeg_base64: over {MAX_EVIDENCE_PICTURE_BASE64} bytes"
            ))
        );
    }

    #[test]
    fn a_face_punch_needs_its_score_threshold_and_model() {
        assert_eq!(
            check_event(&punch(PunchMethod::Face, Some(0.4), Some(0.6))),
            Ok(())
        );
        assert_eq!(check_event(&punch(PunchMethod::Pin, None, None)), Ok(()));
        assert_eq!(
            check_event(&punch(PunchMethod::Face, None, Some(0.6))),
            Err("body.score: required for a face punch".into())
        );
        assert_eq!(
            check_event(&punch(PunchMethod::Face, Some(0.4), None)),
            Err("body.threshold: required for a face punch".into())
        );
    }
}
