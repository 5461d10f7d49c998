//! How a site's kiosks check that a live person stands before the camera ([`LivenessPolicy`]),
//! sent with the roster's settings ([`crate::roster::DeviceConfig`]), and what a face punch says
//! of its own check ([`LivenessEvidence`]). Both optional on the wire in both directions: an
//! older server sends no rules (the kiosk keeps its own default) and ignores the evidence; an
//! older kiosk ignores the rules and sends none.
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
