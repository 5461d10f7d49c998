//! A site's liveness rules for its kiosks ([`LivenessPolicy`]): read by staff, set by
//! administrators, sent to the site's kiosks with every roster pull. A site without stored
//! rules has a new site's (adaptive, failures flagged); sites that existed before the rules
//! did were given the passive check with failures flagged (migration 0020), so nobody was
//! locked out by the upgrade.

use attend_protocol::face_policy::{LivenessMode, LivenessPolicy, OnLivenessFailure};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::platform::error::AppResult;
use crate::platform::validate::Check;

/// A site's liveness rules as an administrator sends them: every field and nothing else (the
/// wire type kiosks read ignores unknown fields; an administrator's typo must not be ignored).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LivenessRules {
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
    /// Keep a small evidence picture with each face punch.
    pub evidence_thumbnails: bool,
}

impl From<LivenessRules> for LivenessPolicy {
    fn from(r: LivenessRules) -> Self {
        Self {
            mode: r.mode,
            pass_score: r.pass_score,
            challenge_below: r.challenge_below,
            on_failure: r.on_failure,
            challenge_timeout_s: r.challenge_timeout_s,
            evidence_thumbnails: r.evidence_thumbnails,
        }
    }
}

/// The rules' own consistency, each problem naming its field.
pub fn check(policy: &LivenessPolicy) -> AppResult<()> {
    let mut check = Check::default();
    for (field, value) in [
        ("pass_score", policy.pass_score),
        ("challenge_below", policy.challenge_below),
    ] {
        if !(0.0..=1.0).contains(&value) {
            check.fail(field, &format!("must be from 0 to 1, not {value}"));
        }
    }
    if policy.challenge_below < policy.pass_score {
        check.fail("challenge_below", "must not be below pass_score");
    }
    if !(3..=60).contains(&policy.challenge_timeout_s) {
        check.fail(
            "challenge_timeout_s",
            &format!(
                "must be from 3 to 60 seconds, not {}",
                policy.challenge_timeout_s
            ),
        );
    }
    check.finish()
}
