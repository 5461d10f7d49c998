//! The duplicate-face check of an enrolment (four eyes): before a candidate's face becomes an
//! employee's, it is compared with every enrolled employee of the organisation. A face that
//! matches someone else's (the same person enrolled twice, or a reviewer's own face put on a
//! ghost employee) is never approved silently: the first approval holds it, with the other
//! person shown, and a second reviewer completes it.
//!
//! The threshold is the most cautious one in use for the candidate's model: the model's own
//! (the bundled manifest's, which kiosks use unless configured otherwise) or any threshold the
//! organisation's kiosks reported with a face punch in the last [`RECENT_DAYS`] days,
//! whichever calls the most pairs the same person (the largest distance, the smallest
//! similarity). This is the strictest check: a face any kiosk of the organisation could take
//! for the other person is caught.

use attend_protocol::ids::EmployeeId;
use attend_vision::manifest::{Manifest, Metric};

/// How far back the kiosks' reported thresholds count as in use.
pub const RECENT_DAYS: i64 = 90;

/// How a model's faces are compared: its metric and own threshold; `None` when the model is
/// not one this server knows (its faces cannot be compared).
pub fn model_metric(model_id: &str) -> Option<(Metric, f32)> {
    let manifest = Manifest::bundled().ok()?;
    let embedder = manifest.embedder(model_id).ok()?;
    Some((embedder.embedder.metric, embedder.embedder.threshold))
}

/// The most cautious of the model's own threshold and those reported in use: the one at which
/// the most pairs count as the same person. Non-finite reports are ignored.
pub fn cautious_threshold(metric: Metric, own: f32, reported: &[f32]) -> f32 {
    reported
        .iter()
        .copied()
        .filter(|t| t.is_finite())
        .fold(own, |best, t| match metric {
            Metric::Euclidean => best.max(t),
            Metric::Cosine => best.min(t),
        })
}

/// The enrolled employee whose face is closest to any of `probes`, if that is a match at
/// `threshold`, with its score. Templates of another dimension are not comparable and skipped.
pub fn closest_match(
    metric: Metric,
    threshold: f32,
    probes: &[&[f32]],
    gallery: &[(EmployeeId, Vec<f32>)],
) -> Option<(EmployeeId, f32)> {
    let better = |a: f32, b: f32| match metric {
        Metric::Euclidean => a < b,
        Metric::Cosine => a > b,
    };
    let mut best: Option<(EmployeeId, f32)> = None;
    for probe in probes {
        for (employee, template) in gallery {
            if template.len() != probe.len() {
                continue;
            }
            let score = metric.score(probe, template);
            if score.is_finite()
                && metric.is_match(score, threshold)
                && best.is_none_or(|(_, s)| better(score, s))
            {
                best = Some((*employee, score));
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> EmployeeId {
        EmployeeId(uuid::Uuid::from_u128(n))
    }

    #[test]
    fn the_cautious_threshold_is_the_one_that_calls_most_pairs_the_same_person() {
        let bits = |t: f32| t.to_bits();
        assert_eq!(
            bits(cautious_threshold(Metric::Euclidean, 0.6, &[0.5, 0.65])),
            bits(0.65)
        );
        assert_eq!(
            bits(cautious_threshold(Metric::Cosine, 0.363, &[0.3, 0.5])),
            bits(0.3)
        );
        assert_eq!(
            bits(cautious_threshold(Metric::Euclidean, 0.6, &[f32::NAN])),
            bits(0.6)
        );
    }

    #[test]
    fn a_face_close_to_another_employees_is_a_match_and_a_distant_one_is_not() {
        let gallery = vec![(id(1), vec![0.1; 128]), (id(2), vec![0.5; 128])];
        let near = vec![0.11; 128];
        let found = closest_match(Metric::Euclidean, 0.6, &[&near], &gallery);
        assert_eq!(found.map(|(e, _)| e), Some(id(1)));
        let far = vec![0.9; 128];
        assert_eq!(
            closest_match(Metric::Euclidean, 0.6, &[&far], &gallery),
            None
        );
    }

    #[test]
    fn the_closest_of_several_matches_is_shown() {
        let gallery = vec![(id(1), vec![0.12; 128]), (id(2), vec![0.1; 128])];
        let probe = vec![0.1; 128];
        let found = closest_match(Metric::Euclidean, 0.6, &[&probe], &gallery);
        assert_eq!(found.map(|(e, _)| e), Some(id(2)));
    }

    #[test]
    fn templates_of_another_size_are_not_compared() {
        let gallery = vec![(id(1), vec![0.1; 64])];
        let probe = vec![0.1; 128];
        assert_eq!(
            closest_match(Metric::Euclidean, 0.6, &[&probe], &gallery),
            None
        );
    }

    #[test]
    fn the_bundled_dlib_model_is_compared_by_distance() {
        let (metric, threshold) = model_metric("dlib-resnet-v1").expect("known model");
        assert_eq!(metric, Metric::Euclidean);
        assert!(threshold > 0.0);
        assert_eq!(model_metric("no-such-model"), None);
    }
}
