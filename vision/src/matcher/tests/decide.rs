//! identify decisions (threshold, margin, empty gallery), errors and ties.

use super::super::{Decision, Gallery, Matcher, MatcherError, Metric, Storage, UnknownReason};

/// Person 1 has many near-identical templates (more than `rerank`); the margin
/// must still be measured against person 2, not against person 1's own rows.
#[test]
fn margin_is_against_the_best_different_person() {
    // rerank 2 < person 1's 10 templates: a row-based shortlist would see only person 1.
    for storage in [Storage::F32, Storage::Int8 { rerank: 2 }] {
        let mut g = Gallery::<u64>::new(2, Metric::Euclidean).expect("valid");
        g.add(3, &[5.0, 5.0]).expect("valid");
        for i in 0..10 {
            g.add(1, &[0.1 + 0.001 * i as f32, 0.0]).expect("valid");
        }
        g.add(2, &[0.45, 0.0]).expect("valid");
        let m = Matcher {
            threshold: 0.6,
            margin: 0.2,
            storage,
        };
        let d = m.identify(&g, &[0.0, 0.0]).expect("ok");
        let Decision::Match {
            person,
            score,
            margin: Some(margin),
        } = d
        else {
            panic!("expected a match, got {d:?}")
        };
        assert_eq!(person, 1);
        assert!((score - 0.1).abs() < 1e-6, "{score}");
        assert!(
            (margin - 0.35).abs() < 1e-6,
            "margin {margin} must be 0.45 - 0.1"
        );
        let strict = Matcher { margin: 0.4, ..m };
        assert_eq!(
            strict.identify(&g, &[0.0, 0.0]).expect("ok"),
            Decision::Unknown {
                best: Some((1, score)),
                margin: Some(margin),
                reason: UnknownReason::AmbiguousMargin
            }
        );
    }
}

#[test]
fn threshold_decisions_follow_the_metric_direction() {
    let mut eucl = Gallery::<u64>::new(2, Metric::Euclidean).expect("valid");
    eucl.add(1, &[1.0, 0.0]).expect("valid");
    let m = Matcher::new(Metric::Euclidean);
    assert_eq!(
        m.identify(&eucl, &[1.5, 0.0]).expect("ok").person(),
        Some(1),
        "distance 0.5 <= 0.6"
    );
    let far = m.identify(&eucl, &[1.7, 0.0]).expect("ok");
    assert!(
        matches!(far, Decision::Unknown { best: Some((1, s)), margin: None, reason: UnknownReason::BelowThreshold } if (s - 0.7).abs() < 1e-6)
    );

    let mut cos = Gallery::<u64>::new(2, Metric::Cosine).expect("valid");
    cos.add(1, &[1.0, 0.0]).expect("valid");
    cos.add(2, &[0.0, 1.0]).expect("valid");
    let m = Matcher::new(Metric::Cosine);
    let d = m.identify(&cos, &[0.8, 0.6]).expect("ok");
    assert!(
        matches!(d, Decision::Match { person: 1, score, margin: Some(g) } if (score - 0.8).abs() < 1e-6 && (g - 0.2).abs() < 1e-6),
        "{d:?}"
    );
    let d = m.identify(&cos, &[0.3, -1.0]).expect("ok");
    assert!(
        matches!(
            d,
            Decision::Unknown {
                reason: UnknownReason::BelowThreshold,
                best: Some((1, _)),
                ..
            }
        ),
        "{d:?}"
    );
    assert!(Metric::Cosine.is_match(0.363, 0.363) && !Metric::Cosine.is_match(0.36, 0.363));
    assert!(Metric::Euclidean.is_match(0.6, 0.6) && !Metric::Euclidean.is_match(0.61, 0.6));
}

#[test]
fn empty_gallery_and_removed_persons() {
    let mut g = Gallery::<u64>::new(2, Metric::Euclidean).expect("valid");
    let m = Matcher::new(Metric::Euclidean);
    let empty = Decision::Unknown {
        best: None,
        margin: None,
        reason: UnknownReason::EmptyGallery,
    };
    assert_eq!(m.identify(&g, &[0.0, 0.0]), Ok(empty));
    assert_eq!(m.search(&g, &[0.0, 0.0], 3), Ok(vec![]));
    g.add(1, &[0.0, 0.1]).expect("valid");
    g.add(2, &[0.0, 0.3]).expect("valid");
    g.add(1, &[0.0, 0.2]).expect("valid");
    assert_eq!(m.identify(&g, &[0.0, 0.0]).expect("ok").person(), Some(1));
    assert_eq!(g.remove_person(1), 2);
    for storage in [Storage::F32, Storage::INT8] {
        let m = Matcher { storage, ..m };
        let hits = m.search(&g, &[0.0, 0.0], 5).expect("ok");
        assert_eq!(
            hits.iter().map(|h| (h.person, h.row)).collect::<Vec<_>>(),
            [(2, 0)]
        );
        assert_eq!(m.identify(&g, &[0.0, 0.0]).expect("ok").person(), Some(2));
    }
    assert_eq!(g.remove_person(2), 1);
    assert_eq!(m.identify(&g, &[0.0, 0.0]), Ok(empty));
}

#[test]
fn bad_queries_and_settings_are_errors() {
    let mut g = Gallery::<u64>::new(3, Metric::Cosine).expect("valid");
    g.add(1, &[1.0, 0.0, 0.0]).expect("valid");
    let m = Matcher::new(Metric::Cosine);
    assert_eq!(
        m.search(&g, &[1.0, 0.0], 1),
        Err(MatcherError::DimensionMismatch {
            expected: 3,
            actual: 2
        })
    );
    assert_eq!(
        m.identify(&g, &[1.0, 0.0, 0.0, 0.0]),
        Err(MatcherError::DimensionMismatch {
            expected: 3,
            actual: 4
        })
    );
    let err = m
        .identify(&g, &[1.0, f32::NAN, 0.0])
        .expect_err("NaN query");
    assert!(
        matches!(err, MatcherError::NonFinite { index: 1, .. }),
        "{err}"
    );
    assert!(matches!(
        m.identify(&g, &[0.0; 3]),
        Err(MatcherError::InvalidNorm { .. })
    ));
    for bad in [f32::NAN, -0.1] {
        let err = Matcher { margin: bad, ..m }
            .identify(&g, &[1.0, 0.0, 0.0])
            .expect_err("bad margin");
        assert!(matches!(err, MatcherError::InvalidMargin { .. }), "{err}");
    }
    assert!(
        Matcher {
            threshold: f32::INFINITY,
            ..m
        }
        .identify(&g, &[1.0, 0.0, 0.0])
        .is_err()
    );
    let e = Gallery::<u64>::new(3, Metric::Euclidean).expect("valid");
    assert_eq!(
        Matcher {
            threshold: -0.5,
            ..Matcher::new(Metric::Euclidean)
        }
        .identify(&e, &[0.0; 3]),
        Err(MatcherError::InvalidThreshold {
            threshold: -0.5,
            metric: Metric::Euclidean
        })
    );
}

#[test]
fn ties_resolve_to_the_lower_row() {
    let mut g = Gallery::<u64>::new(2, Metric::Cosine).expect("valid");
    for p in [4, 9, 4, 9] {
        g.add(p, &[0.0, 1.0]).expect("valid");
    }
    for storage in [Storage::F32, Storage::INT8] {
        let m = Matcher {
            storage,
            ..Matcher::new(Metric::Cosine)
        };
        let rows: Vec<usize> = m
            .search(&g, &[0.0, 1.0], 4)
            .expect("ok")
            .iter()
            .map(|h| h.row)
            .collect();
        assert_eq!(rows, [0, 1, 2, 3]);
        let d = m.identify(&g, &[0.0, 1.0]).expect("ok");
        assert_eq!(
            d,
            Decision::Match {
                person: 4,
                score: 1.0,
                margin: Some(0.0)
            }
        );
    }
}

#[test]
fn distances_grow_apart_in_both_metrics_and_their_limit_is_the_threshold() {
    let (a, b, far) = ([1.0, 0.0], [0.8, 0.6], [0.0, 1.0]);
    for metric in [Metric::Euclidean, Metric::Cosine] {
        assert!(metric.distance(&a, &a).abs() < 1e-6, "{metric:?}");
        assert!(
            metric.distance(&a, &b) < metric.distance(&a, &far),
            "{metric:?}"
        );
        // A pair the threshold calls a match lies within the limit, and the other way round.
        let t = metric.default_threshold();
        let s = metric.score(&a, &b);
        assert_eq!(
            metric.is_match(s, t),
            metric.distance(&a, &b) <= metric.distance_limit(t),
            "{metric:?}"
        );
    }
    assert!((Metric::Cosine.distance(&a, &b) - 0.2).abs() < 1e-6);
    assert!((Metric::Euclidean.distance(&a, &far) - 2f32.sqrt()).abs() < 1e-6);
    assert!((Metric::Cosine.distance_limit(0.363) - 0.637).abs() < 1e-6);
}

#[test]
fn site_rules_must_be_finite_and_in_the_metrics_range() {
    assert!(Metric::Euclidean.check_rule(0.45, 0.1).is_empty());
    assert!(Metric::Cosine.check_rule(0.363, 0.0).is_empty());
    let fields = |m: Metric, t: f32, margin: f32| -> Vec<&str> {
        m.check_rule(t, margin)
            .into_iter()
            .map(|(f, _)| f)
            .collect()
    };
    assert_eq!(fields(Metric::Euclidean, 0.0, 0.1), ["threshold"]);
    assert_eq!(fields(Metric::Euclidean, 1.2, 0.1), ["threshold"]);
    assert_eq!(
        fields(Metric::Euclidean, f32::NAN, f32::INFINITY),
        ["threshold", "margin"]
    );
    assert_eq!(fields(Metric::Cosine, -0.1, -0.01), ["threshold", "margin"]);
    assert_eq!(fields(Metric::Cosine, 1.0, 0.6), ["margin"]);
}
