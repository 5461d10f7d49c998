//! How a site's kiosks check that a live person stands before the camera ([`LivenessPolicy`]),
//! sent with the roster's settings ([`crate::roster::DeviceConfig`]). Optional on the wire in
//! both directions: an older server sends none (the kiosk keeps its own default) and an older
//! kiosk ignores it.

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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
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
