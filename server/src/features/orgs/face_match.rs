//! A site's face-match rules for its kiosks ([`FaceMatchRules`]): per face model, the
//! identification threshold and margin. Read by staff, set by administrators, sent to the
//! site's kiosks with every roster pull. A site without stored rules has a new site's
//! ([`FaceMatchRules::for_new_site`], derived in `models/reports/face-match-thresholds.md`), and
//! so did every site that existed before the rules (migration 0022 stores none).

use std::collections::HashSet;

use attend_protocol::face_policy::{FaceMatchRule, FaceMatchRules};
use attend_vision::manifest::Manifest;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::platform::error::AppResult;
use crate::platform::validate::Check;

/// A site's face-match rules as an administrator sends them: every field and nothing else (the
/// wire type kiosks read ignores unknown fields; an administrator's typo must not be ignored).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaceMatchInput {
    /// One entry per face model; a model left out keeps the kiosks' own values.
    pub models: Vec<FaceMatchRuleInput>,
}

/// One face model's threshold and margin, in the model's units (see [`FaceMatchRule`]).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaceMatchRuleInput {
    /// The embedder's id in the model manifest, e.g. `dlib-resnet-v1`.
    pub model: String,
    /// dlib-resnet-v1: a distance above 0 and at most 1 (lower is stricter); SFace: a cosine
    /// similarity from 0 to 1 (higher is stricter).
    pub threshold: f32,
    /// How much the best person must beat the runner-up by (0 to 0.5).
    #[schema(minimum = 0.0, maximum = 0.5)]
    pub margin: f32,
}

impl From<FaceMatchInput> for FaceMatchRules {
    fn from(r: FaceMatchInput) -> Self {
        Self {
            models: r
                .models
                .into_iter()
                .map(|m| FaceMatchRule {
                    model: m.model,
                    threshold: m.threshold,
                    margin: m.margin,
                })
                .collect(),
        }
    }
}

/// The rules' consistency, each problem naming its field (`models[i].threshold`, ...): every
/// model a face embedder this server knows, at most once, with a threshold and margin in its
/// metric's range.
pub fn check(rules: &FaceMatchRules) -> AppResult<()> {
    let mut check = Check::default();
    let manifest = Manifest::bundled().ok();
    let mut seen = HashSet::new();
    for (i, rule) in rules.models.iter().enumerate() {
        let embedder = manifest.as_ref().and_then(|m| m.embedder(&rule.model).ok());
        let Some(embedder) = embedder else {
            check.fail(
                &format!("models[{i}].model"),
                &format!("`{}` is not a face model this server knows", rule.model),
            );
            continue;
        };
        if !seen.insert(rule.model.as_str()) {
            check.fail(
                &format!("models[{i}].model"),
                &format!("`{}` is listed more than once", rule.model),
            );
        }
        for (field, message) in embedder
            .embedder
            .metric
            .check_rule(rule.threshold, rule.margin)
        {
            check.fail(&format!("models[{i}].{field}"), &message);
        }
    }
    check.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_sites_rules_pass_the_administrators_check() {
        check(&FaceMatchRules::for_new_site()).expect("the defaults are valid");
        check(&FaceMatchRules { models: vec![] }).expect("no rule: the kiosks' own values");
    }
}
