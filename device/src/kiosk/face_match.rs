//! Which threshold and margin the kiosk identifies faces with: its site's rule for the face
//! model it runs (`config.face_match` in the roster), when the site has one and it is usable
//! for the model's metric; otherwise the kiosk's own values (the manifest's threshold and
//! `recognition.margin`), as before sites had rules. Pure: [`Follow`] says when to look at the
//! stored roster config again and what to switch to; the daemon reads the config and applies
//! the rule to the recognizer.

use attend_protocol::face_policy::FaceMatchRules;
use attend_vision::matcher::Metric;

/// A threshold and margin in the model's units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MatchRule {
    pub threshold: f32,
    pub margin: f32,
}

/// Where the rule in force came from, for the log.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// The site's rule for this model.
    Site,
    /// The server sent no rules (an older server) or none for this model.
    Own,
    /// The site's rule for this model is unusable (out of the metric's range, not finite):
    /// ignored, with why. The server refuses such rules, so only a newer or broken server
    /// sends them.
    Refused(String),
}

/// The rule for `model` (of `metric`) under the site's `rules`, else `own`.
pub fn pick(
    rules: Option<&FaceMatchRules>,
    model: &str,
    metric: Metric,
    own: MatchRule,
) -> (MatchRule, Source) {
    let Some(rule) = rules.and_then(|r| r.rule_for(model)) else {
        return (own, Source::Own);
    };
    let problems = metric.check_rule(rule.threshold, rule.margin);
    if !problems.is_empty() {
        let why = problems
            .iter()
            .map(|(field, message)| format!("{field} {message}"))
            .collect::<Vec<_>>()
            .join("; ");
        return (own, Source::Refused(why));
    }
    (
        MatchRule {
            threshold: rule.threshold,
            margin: rule.margin,
        },
        Source::Site,
    )
}

/// How often the kiosk looks at its stored roster config for a change of the site's rules (a
/// rules change comes with a pull that need not change the roster itself).
pub const RECHECK_MS: u64 = 10_000;

/// The rule in force for one recognizer, following the site's rules as they arrive.
#[derive(Clone, Debug)]
pub struct Follow {
    model: String,
    metric: Metric,
    own: MatchRule,
    current: (MatchRule, Source),
    checked_ms: Option<u64>,
}

impl Follow {
    /// For a recognizer running `model` (of `metric`) with its own values `own`.
    pub fn new(model: &str, metric: Metric, own: MatchRule) -> Self {
        Self {
            model: model.to_owned(),
            metric,
            own,
            current: (own, Source::Own),
            checked_ms: None,
        }
    }

    /// Whether to look at the config again: at first, then every [`RECHECK_MS`] (`now_ms` from
    /// a monotonic clock).
    pub fn due(&self, now_ms: u64) -> bool {
        self.checked_ms
            .is_none_or(|t| now_ms.saturating_sub(t) >= RECHECK_MS)
    }

    /// The roster moved on (a pull brought changes, maybe the rules): look again now.
    pub fn roster_moved(&mut self) {
        self.checked_ms = None;
    }

    /// The site's rules as stored now: the rule to switch to and why, when that differs from
    /// the one in force (or its reason does).
    pub fn update(
        &mut self,
        rules: Option<&FaceMatchRules>,
        now_ms: u64,
    ) -> Option<(MatchRule, Source)> {
        self.checked_ms = Some(now_ms);
        let next = pick(rules, &self.model, self.metric, self.own);
        if next == self.current {
            return None;
        }
        self.current = next.clone();
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use attend_protocol::face_policy::FaceMatchRule;
    use attend_vision::manifest::Manifest;

    use super::*;

    const OWN: MatchRule = MatchRule {
        threshold: 0.6,
        margin: 0.05,
    };

    fn rules(entries: &[(&str, f32, f32)]) -> FaceMatchRules {
        FaceMatchRules {
            models: entries
                .iter()
                .map(|&(model, threshold, margin)| FaceMatchRule {
                    model: model.into(),
                    threshold,
                    margin,
                })
                .collect(),
        }
    }

    #[test]
    fn the_sites_rule_for_the_kiosks_model_wins() {
        let site = rules(&[("sface-2021dec", 0.4, 0.02), ("dlib-resnet-v1", 0.5, 0.08)]);
        let (rule, source) = pick(Some(&site), "dlib-resnet-v1", Metric::Euclidean, OWN);
        assert_eq!(
            rule,
            MatchRule {
                threshold: 0.5,
                margin: 0.08
            }
        );
        assert_eq!(source, Source::Site);
        let (rule, _) = pick(Some(&site), "sface-2021dec", Metric::Cosine, OWN);
        assert_eq!(
            rule,
            MatchRule {
                threshold: 0.4,
                margin: 0.02
            }
        );
    }

    #[test]
    fn without_a_rule_for_the_model_the_kiosk_keeps_its_own_values() {
        assert_eq!(
            pick(None, "dlib-resnet-v1", Metric::Euclidean, OWN),
            (OWN, Source::Own)
        );
        let other = rules(&[("sface-2021dec", 0.4, 0.02)]);
        assert_eq!(
            pick(Some(&other), "dlib-resnet-v1", Metric::Euclidean, OWN),
            (OWN, Source::Own)
        );
    }

    #[test]
    fn an_unusable_rule_is_ignored_with_the_reason() {
        for (threshold, margin, field) in [
            (f32::NAN, 0.1, "threshold"),
            (1.5, 0.1, "threshold"),
            (0.45, -0.1, "margin"),
        ] {
            let site = rules(&[("dlib-resnet-v1", threshold, margin)]);
            let (rule, source) = pick(Some(&site), "dlib-resnet-v1", Metric::Euclidean, OWN);
            assert_eq!(rule, OWN);
            assert!(
                matches!(&source, Source::Refused(why) if why.starts_with(field)),
                "{source:?}"
            );
        }
    }

    /// The server sends a new site's rules; the manifest states the same derived defaults.
    #[test]
    fn a_new_sites_rules_are_the_manifests_identification_defaults() {
        let manifest = Manifest::bundled().expect("bundled manifest");
        for rule in FaceMatchRules::for_new_site().models {
            let spec = manifest.embedder(&rule.model).expect("a known embedder");
            assert_eq!(
                spec.embedder.identification(),
                (rule.threshold, rule.margin),
                "{}",
                rule.model
            );
        }
    }

    #[test]
    fn the_follower_switches_once_per_change_and_looks_again_every_ten_seconds() {
        let mut follow = Follow::new("dlib-resnet-v1", Metric::Euclidean, OWN);
        assert!(follow.due(0));
        // An older server: nothing to change.
        assert_eq!(follow.update(None, 0), None);
        assert!(!follow.due(RECHECK_MS - 1) && follow.due(RECHECK_MS));
        let site = FaceMatchRules::for_new_site();
        let (rule, source) = follow.update(Some(&site), RECHECK_MS).expect("switches");
        assert_eq!(
            (rule.threshold, rule.margin, source),
            (0.45, 0.11, Source::Site)
        );
        assert_eq!(
            follow.update(Some(&site), 2 * RECHECK_MS),
            None,
            "no change"
        );
        follow.roster_moved();
        assert!(
            follow.due(2 * RECHECK_MS + 1),
            "a roster change is looked at at once"
        );
        // A broken rule: back to the kiosk's own values, said once.
        let broken = rules(&[("dlib-resnet-v1", 7.0, 0.1)]);
        let (rule, source) = follow.update(Some(&broken), 3 * RECHECK_MS).expect("back");
        assert_eq!(rule, OWN);
        assert!(matches!(source, Source::Refused(_)));
        assert_eq!(follow.update(Some(&broken), 4 * RECHECK_MS), None);
    }
}
