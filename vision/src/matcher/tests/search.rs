//! search/identify against brute force, and int8 against f32.

use proptest::prelude::*;

use super::super::bench::{Rng, Workload};
use super::super::{Gallery, Hit, Matcher, Metric, Storage};

const METRICS: [Metric; 2] = [Metric::Euclidean, Metric::Cosine];

/// Reference score in f64 (cosine: of the stored, normalised row).
fn ref_score(metric: Metric, q: &[f32], x: &[f32]) -> f64 {
    let dot: f64 = q
        .iter()
        .zip(x)
        .map(|(&a, &b)| f64::from(a) * f64::from(b))
        .sum();
    match metric {
        Metric::Cosine => {
            let nq = q.iter().map(|&a| f64::from(a).powi(2)).sum::<f64>().sqrt();
            dot / nq
        }
        Metric::Euclidean => q
            .iter()
            .zip(x)
            .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
            .sum::<f64>()
            .sqrt(),
    }
}

/// Checks `hits` against brute force: each score is its row's true score, the
/// list is sorted best-first, and the i-th score equals the true i-th best
/// (within f32 rounding, so near-ties may swap rows but not scores).
fn assert_top_k(g: &Gallery<u64>, q: &[f32], k: usize, hits: &[Hit<u64>]) {
    let m = g.metric();
    let mut all: Vec<f64> = (0..g.len())
        .map(|r| ref_score(m, q, g.row(r).expect("row")))
        .collect();
    all.sort_by(|a, b| {
        if m == Metric::Cosine {
            b.total_cmp(a)
        } else {
            a.total_cmp(b)
        }
    });
    assert_eq!(hits.len(), k.min(g.len()));
    for (i, h) in hits.iter().enumerate() {
        let own = ref_score(m, q, g.row(h.row).expect("hit row exists"));
        assert!(
            (f64::from(h.score) - own).abs() < 1e-4,
            "hit {i}: score {} vs true {own}",
            h.score
        );
        assert!(
            (f64::from(h.score) - all[i]).abs() < 1e-4,
            "rank {i}: score {} vs best {}",
            h.score,
            all[i]
        );
        assert_eq!(g.person_of_row(h.row), Some(h.person));
        if i > 0 {
            assert!(
                !m.is_better(h.score, hits[i - 1].score),
                "hits must be sorted best first"
            );
        }
    }
}

/// Gaussian rows spread over `persons` persons, plus 3 Gaussian queries.
fn random_gallery(
    metric: Metric,
    n: usize,
    dim: usize,
    persons: u64,
    seed: u64,
) -> (Gallery<u64>, Vec<Vec<f32>>) {
    let mut rng = Rng(seed);
    let mut vector = || -> Vec<f32> { (0..dim).map(|_| rng.normal() as f32).collect() };
    let mut g = Gallery::new(dim, metric).expect("valid dim");
    for r in 0..n {
        g.add(r as u64 % persons, &vector()).expect("valid");
    }
    (g, (0..3).map(|_| vector()).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn search_top_k_matches_brute_force(n in 1..400usize, dim in 1..70usize, k in 1..12usize, seed in any::<u64>()) {
        for metric in METRICS {
            let (g, queries) = random_gallery(metric, n, dim, 7, seed);
            // rerank >= n: the int8 plumbing (candidates, re-score, sort) must
            // then be exact; approximation quality is tested on clustered data.
            for storage in [Storage::F32, Storage::Int8 { rerank: 400 }] {
                let m = Matcher { storage, ..Matcher::new(metric) };
                for q in &queries {
                    let hits = m.search(&g, q, k).expect("valid query");
                    assert_top_k(&g, q, k, &hits);
                }
            }
        }
    }
}

#[test]
fn int8_agrees_with_f32_on_clustered_data() {
    for metric in METRICS {
        let w = Workload::clustered(metric, 5_000, 128, 200, 11);
        let f = Matcher::new(metric);
        let i = Matcher {
            storage: Storage::INT8,
            ..f
        };
        let (mut top1_same, mut decisions_same) = (0, 0);
        for q in w.queries.chunks(128) {
            let (hf, hi) = (
                f.search(&w.gallery, q, 5).expect("ok"),
                i.search(&w.gallery, q, 5).expect("ok"),
            );
            top1_same += usize::from(hf[0] == hi[0]);
            // int8 scores are re-computed exactly: any shared row has the same score bits.
            for a in &hi {
                if let Some(b) = hf.iter().find(|b| b.row == a.row) {
                    assert_eq!(a.score.to_bits(), b.score.to_bits());
                }
            }
            decisions_same += usize::from(
                f.identify(&w.gallery, q).expect("ok") == i.identify(&w.gallery, q).expect("ok"),
            );
        }
        assert!(
            top1_same >= 198,
            "{metric:?}: int8 top-1 agreed on {top1_same}/200"
        );
        assert!(
            decisions_same >= 198,
            "{metric:?}: int8 decisions agreed on {decisions_same}/200"
        );
    }
}

#[test]
fn int8_is_exact_on_well_separated_data() {
    let dim = 128;
    for metric in METRICS {
        let mut rng = Rng(5);
        let centres: Vec<Vec<f64>> = (0..200).map(|_| rng.vector(dim, 1.0)).collect();
        let mut sample = |c: &[f64]| -> Vec<f32> {
            c.iter()
                .zip(rng.vector(dim, 0.1))
                .map(|(a, b)| (a + b) as f32)
                .collect()
        };
        let mut gallery = Gallery::<u64>::new(dim, metric).expect("valid");
        for (p, c) in centres.iter().enumerate() {
            for _ in 0..4 {
                gallery.add(p as u64, &sample(c)).expect("valid");
            }
        }
        let exact = Matcher::new(metric);
        let int8 = Matcher {
            storage: Storage::Int8 { rerank: 4 },
            ..exact
        };
        for (p, c) in centres.iter().enumerate() {
            let query = sample(c);
            let hits = exact.search(&gallery, &query, 3).expect("ok");
            assert_eq!(hits, int8.search(&gallery, &query, 3).expect("ok"));
            let d = exact.identify(&gallery, &query).expect("ok");
            assert_eq!(d.person(), Some(p as u64), "{d:?}");
            assert_eq!(d, int8.identify(&gallery, &query).expect("ok"));
        }
    }
}
