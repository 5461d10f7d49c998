//! A site's liveness rules for its kiosks ([`LivenessPolicy`]): read by staff, set by
//! administrators, sent to the site's kiosks with every roster pull. A site without stored
//! rules has a new site's (adaptive, failures flagged); sites that existed before the rules
//! did were given the passive check with failures flagged (migration 0020), so nobody was
//! locked out by the upgrade.

use attend_protocol::face_policy::LivenessPolicy;

use crate::platform::error::AppResult;
use crate::platform::validate::Check;

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
