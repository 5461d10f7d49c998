//! Gallery storage: validation, normalisation, quantisation, removal.

use super::super::gallery::{Gallery, quantise_row};
use super::super::{MatcherError, Metric};

#[test]
fn add_validates_dimension_and_values() {
    let mut g = Gallery::<u64>::new(4, Metric::Euclidean).expect("dim 4 is valid");
    assert_eq!(
        g.add(1, &[0.0; 3]),
        Err(MatcherError::DimensionMismatch {
            expected: 4,
            actual: 3
        })
    );
    let err = g
        .add(1, &[0.1, f32::NAN, 0.2, 0.3])
        .expect_err("NaN must be rejected");
    assert!(matches!(err, MatcherError::NonFinite { index: 1, value } if value.is_nan()));
    assert!(err.to_string().contains("NaN"), "{err}");
    let err = g
        .add(1, &[0.1, 0.2, f32::NEG_INFINITY, 0.3])
        .expect_err("inf must be rejected");
    assert_eq!(
        err,
        MatcherError::NonFinite {
            index: 2,
            value: f32::NEG_INFINITY
        }
    );
    assert!(err.to_string().contains("-inf"), "{err}");
    assert!(matches!(
        g.add(1, &[3e19, 0.0, 0.0, 0.0]),
        Err(MatcherError::InvalidNorm { .. })
    ));
    assert!(g.is_empty(), "rejected templates must not be stored");
    assert_eq!(
        g.add(1, &[0.0; 4]),
        Ok(0),
        "a zero vector is a valid Euclidean template"
    );
    assert!(matches!(
        Gallery::<u64>::new(0, Metric::Cosine),
        Err(MatcherError::InvalidDimension { dim: 0 })
    ));
    let mut c = Gallery::<u64>::new(4, Metric::Cosine).expect("dim 4 is valid");
    assert!(matches!(
        c.add(1, &[0.0; 4]),
        Err(MatcherError::InvalidNorm { .. })
    ));
}

#[test]
fn cosine_templates_are_normalised_and_unit_ones_kept_exact() {
    let mut g = Gallery::<u64>::new(3, Metric::Cosine).expect("dim 3 is valid");
    g.add(7, &[3.0, 0.0, 4.0]).expect("valid template");
    assert_eq!(g.row(0), Some(&[0.6, 0.0, 0.8][..]));
    let unit = [0.267_261_24_f32, 0.534_522_5, 0.801_783_7];
    g.add(7, &unit).expect("valid template");
    assert_eq!(g.row(1), Some(&unit[..]));
}

#[test]
fn quantisation_error_is_within_half_a_step() {
    let v: Vec<f32> = (0..128)
        .map(|i| ((i * 37 % 101) as f32 - 50.0) / 37.0)
        .collect();
    let (scale, q) = quantise_row(&v);
    assert!(
        q.iter().any(|&x| x.abs() == 127),
        "the largest value must use the full range"
    );
    for (x, &qi) in v.iter().zip(&q) {
        assert!((x - scale * f32::from(qi)).abs() <= scale * 0.5 + 1e-6);
    }
}

#[test]
fn remove_person_compacts_rows_and_keeps_the_index_consistent() {
    let mut g = Gallery::<u64>::new(2, Metric::Euclidean).expect("dim 2 is valid");
    for (p, x) in [(1, 1.0), (2, 2.0), (1, 3.0), (3, 4.0), (2, 5.0), (3, 6.0)] {
        g.add(p, &[x, -x]).expect("valid template");
    }
    assert_eq!(g.remove_person(1), 2);
    assert_eq!(g.remove_person(1), 0, "second removal finds nothing");
    assert_eq!(g.len(), 4);
    assert_eq!(g.person_count(), 2);
    assert_eq!(g.templates_of(1), 0);
    let rows: Vec<(Option<u64>, f32)> = (0..g.len())
        .map(|r| (g.person_of_row(r), g.row(r).map_or(f32::NAN, |v| v[0])))
        .collect();
    assert_eq!(
        rows,
        [
            (Some(2), 2.0),
            (Some(3), 4.0),
            (Some(2), 5.0),
            (Some(3), 6.0)
        ]
    );
    for r in 0..g.len() {
        let v = g.row(r).expect("row exists");
        let (scale, q) = quantise_row(v);
        assert_eq!(&g.i8_rows.as_slice()[r * 2..r * 2 + 2], &q[..]);
        assert_eq!(g.scales[r].to_bits(), scale.to_bits());
        assert_eq!(
            g.sq_norms[r].to_bits(),
            (v[0] * v[0] + v[1] * v[1]).to_bits()
        );
    }
    for slot in &g.slots {
        for &r in &slot.rows {
            assert_eq!(g.person_of_row(r as usize), Some(slot.id));
        }
        assert_eq!(slot.rows.len(), g.templates_of(slot.id));
    }
    assert_eq!(g.remove_person(3), 2);
    assert_eq!(g.remove_person(2), 2);
    assert!(g.is_empty());
    assert_eq!(g.persons().count(), 0);
    assert_eq!(
        g.add(9, &[1.0, 1.0]),
        Ok(0),
        "an emptied gallery is reusable"
    );
}
