//! How a site's kiosks check that a live person stands before the camera ([`LivenessPolicy`]),
//! sent with the roster's settings ([`crate::roster::DeviceConfig`]), and what a face punch says
//! of its own check ([`LivenessEvidence`]). Both optional on the wire in both directions: an
//! older server sends no rules (the kiosk keeps its own default) and ignores the evidence; an
//! older kiosk ignores the rules and sends none.
//!
//! Also how closely a face must match to be identified ([`FaceMatchRules`]): per face model, a
//! threshold and a margin, sent the same way. An older server sends none and an older kiosk
//! ignores them; either way the kiosk keeps its own configured values.
//!
//! Evolution rule: like every type on the wire these ignore fields they do not know, so a later
//! version adds fields freely; a new mode, failure action or outcome must not be a new value of
//! an existing enum (an older peer could not read the message it travels in) but a new field
//! beside it, with a default that older peers' behaviour already matches.

use serde::{Deserialize, Serialize};

/// What the kiosk asks of a face before it clocks anybody in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LivenessMode {
    /// No check: any face that matches punches.
    Off,
    /// The passive model's score must reach `pass_score`.
    Passive,
    /// The passive check, and a random head turn every time.
    Challenge,
    /// The passive check; a head turn only when its score is in the grey zone (see
    /// [`LivenessPolicy`]).
    Adaptive,
}

/// What happens to a face punch that fails the check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnLivenessFailure {
    /// No punch; the screen offers the PIN.
    Refuse,
    /// The punch is taken and flagged for a manager's review.
    Flag,
}

/// A site's liveness rules.
///
/// With the fused passive score `p` (P(real), 0–1): `passive` passes when `p ≥ pass_score`;
/// `challenge` asks for a head turn when the passive check passed; `adaptive` passes without a
/// turn when `p ≥ challenge_below`, asks for one when `pass_score ≤ p < challenge_below`, and
/// fails below `pass_score`.
///
/// Like every type sent with the roster it ignores fields it does not know, so a newer
/// server's rules still reach an older kiosk (the server's own input refuses them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LivenessPolicy {
    pub mode: LivenessMode,
    /// The passive score a live face must reach (0–1).
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub pass_score: f32,
    /// `adaptive`: scores from `pass_score` up to this one get the head turn (0–1, not below
    /// `pass_score`).
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub challenge_below: f32,
    pub on_failure: OnLivenessFailure,
    /// How long a head turn may take, in seconds (3–60).
    #[schema(minimum = 3, maximum = 60)]
    pub challenge_timeout_s: u32,
    /// Keep a small evidence picture with each face punch (under the enrolment photos'
    /// consent and retention rules).
    pub evidence_thumbnails: bool,
}

impl LivenessPolicy {
    /// A new site's rules: adaptive, and a failure is flagged for review, not refused.
    pub fn for_new_site() -> Self {
        Self {
            mode: LivenessMode::Adaptive,
            pass_score: 0.5,
            challenge_below: 0.9,
            on_failure: OnLivenessFailure::Flag,
            challenge_timeout_s: 10,
            evidence_thumbnails: false,
        }
    }

    /// A site that existed before liveness came: the passive check, failures flagged, so
    /// nobody is locked out by an upgrade.
    pub fn for_upgraded_site() -> Self {
        Self {
            mode: LivenessMode::Passive,
            ..Self::for_new_site()
        }
    }
}

/// What the head turn came to on one face punch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChallengeOutcome {
    /// The rules did not ask for one (mode, or a passive score above the grey zone).
    NotAsked,
    Passed,
    /// Failed: timed out, turned the wrong way, lost the face, no parallax (a photo), or another
    /// person at the end.
    Failed,
    /// The person is marked as unable to turn their head: the PIN with the passive check instead.
    Excused,
}

/// One passive model's judgement of a face.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PassiveScore {
    /// The model's id in the manifest, e.g. `minifasnet-v2-2.7`.
    pub model: String,
    /// Its P(real), 0–1.
    pub p_real: f32,
}

/// A face punch's liveness check, as the kiosk ran it. `live: false` means the check failed and
/// the site's rules took the punch anyway (`on_failure: flag`): the server flags it for review.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LivenessEvidence {
    /// The rules' mode the kiosk applied.
    pub mode: LivenessMode,
    /// The kiosk judged a live person to have stood there.
    pub live: bool,
    /// The fused passive P(real), when the passive check scored the face.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    /// Each passive model's P(real). A list of objects rather than a map, so that a later
    /// version can say more of each model without breaking this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<PassiveScore>,
    pub challenge: ChallengeOutcome,
    /// Why the check failed or gave no score, in words (the framing gate's or the challenge's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A small picture of the face the decision was made on (JPEG, base64), when the site's
    /// rules keep evidence pictures (`evidence_thumbnails`) and the person consented to face
    /// recognition. The server keeps it under the rules of enrolment pictures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture_jpeg_base64: Option<String>,
}

/// One face model's identification rule: a face is identified as an enrolled person when its
/// score against that person passes `threshold` and beats every other person's by `margin`.
/// Both are in the model's own units: a distance for `dlib-resnet-v1` (lower is closer; a
/// threshold above 0 and at most 1), a cosine similarity for SFace (higher is closer; 0 to 1);
/// the margin from 0 to 0.5.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FaceMatchRule {
    /// The embedder's id in the model manifest, e.g. `dlib-resnet-v1`.
    pub model: String,
    pub threshold: f32,
    #[schema(minimum = 0.0, maximum = 0.5)]
    pub margin: f32,
}

/// A site's face-match rules: one entry per face model (a kiosk uses the entry for the model it
/// runs; a model without one keeps the kiosk's own values). A list of objects, not a map, so a
/// later version can say more of each model without breaking this one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FaceMatchRules {
    pub models: Vec<FaceMatchRule>,
}

impl FaceMatchRules {
    /// What a site's kiosks identify with until an administrator sets the site's own rules:
    /// dlib-resnet-v1 at 0.45 with a margin of 0.11, derived for 1:N identification in a gallery
    /// of 1,000 people with at most one false identification in 10,000 attempts
    /// (`models/reports/face-match-thresholds.md`; the same numbers as the model manifest's
    /// `identify_threshold` and `identify_margin`, which a device test keeps equal). SFace is
    /// not listed: not measured, so its kiosks keep their own values (0.363).
    pub fn for_new_site() -> Self {
        Self {
            models: vec![FaceMatchRule {
                model: "dlib-resnet-v1".into(),
                threshold: 0.45,
                margin: 0.11,
            }],
        }
    }

    /// The rule for `model`, if the site has one.
    pub fn rule_for(&self, model: &str) -> Option<&FaceMatchRule> {
        self.models.iter().find(|r| r.model == model)
    }
}
