//! Full-gallery scans producing ranking keys, and exact re-scoring.
//!
//! Invariants:
//! - A key is higher-is-better: the cosine similarity, or `-||q - x||²`;
//!   `Metric::score_from_key` turns it into the reported score.
//! - Exact keys come from the same kernels in the scan and in re-scoring, so a
//!   row's exact key is bit-identical however it was reached.
//! - int8 approximate key: cosine `s_x (q̃ · x̃)`; Euclidean
//!   `2 s_q s_x (q̃ · x̃) - ||x||²` (`||q||²` is the same for every row, so it
//!   is dropped). `q̃` is the query quantised to `i16` with `query_levels`
//!   levels, `x̃` the row's int8 values, `s_q`, `s_x` their scales.
//! - Rows are scanned in blocks of `BLOCK`: the keys stay in L1 and the
//!   multiversioned kernels are dispatched once per block.

use super::Metric;
use super::gallery::Gallery;
use super::kernels::{
    dot_f32, dot_f32_rows, dot_i16_i8_rows, l2sq_f32, l2sq_f32_rows, query_levels,
};
use super::topk::Cand;

const BLOCK: usize = 1024;

/// Best first; ties by lower row. Keys are never NaN here (finite inputs).
pub(super) fn rank(a: &Cand, b: &Cand) -> std::cmp::Ordering {
    b.key.total_cmp(&a.key).then(a.row.cmp(&b.row))
}

pub(super) fn exact_key<P>(g: &Gallery<P>, q: &[f32], row: u32) -> f32 {
    let dim = q.len();
    let x = &g.f32_rows.as_slice()[row as usize * dim..(row as usize + 1) * dim];
    match g.metric() {
        Metric::Cosine => dot_f32(q, x),
        Metric::Euclidean => -l2sq_f32(q, x),
    }
}

/// Exact best row of one person (rows ascending, so ties keep the lower row).
pub(super) fn best_row_of<P>(g: &Gallery<P>, q: &[f32], slot: u32) -> Cand {
    let mut best = Cand {
        key: f32::NEG_INFINITY,
        row: u32::MAX,
        slot,
    };
    for &row in &g.slots[slot as usize].rows {
        let key = exact_key(g, q, row);
        if key > best.key || best.row == u32::MAX {
            best = Cand { key, row, slot };
        }
    }
    best
}

/// Calls `sink(keys, first_row)` with exact keys for every row, block by block.
pub(super) fn scan_exact<P>(g: &Gallery<P>, q: &[f32], mut sink: impl FnMut(&[f32], u32)) {
    let mut keys = [0.0f32; BLOCK];
    for (b, rows) in g.f32_rows.as_slice().chunks(BLOCK * q.len()).enumerate() {
        let out = &mut keys[..rows.len() / q.len()];
        match g.metric() {
            Metric::Cosine => dot_f32_rows(q, rows, out),
            Metric::Euclidean => {
                l2sq_f32_rows(q, rows, out);
                for k in out.iter_mut() {
                    *k = -*k;
                }
            }
        }
        sink(out, (b * BLOCK) as u32);
    }
}

/// Like `scan_exact`, with approximate keys from the int8 rows.
pub(super) fn scan_int8<P>(g: &Gallery<P>, q: &[f32], mut sink: impl FnMut(&[f32], u32)) {
    let levels = query_levels(q.len()) as f32;
    let max = q.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let q_scale = if max > 0.0 { max / levels } else { 1.0 };
    let q16: Vec<i16> = q
        .iter()
        .map(|&x| (x / q_scale).round().clamp(-levels, levels) as i16)
        .collect();
    let mut dots = [0i32; BLOCK];
    let mut keys = [0.0f32; BLOCK];
    for (b, rows) in g.i8_rows.as_slice().chunks(BLOCK * q.len()).enumerate() {
        let (base, n) = (b * BLOCK, rows.len() / q.len());
        dot_i16_i8_rows(&q16, rows, &mut dots[..n]);
        let scales = &g.scales[base..base + n];
        let out = &mut keys[..n];
        match g.metric() {
            Metric::Cosine => {
                for ((k, &d), &s) in out.iter_mut().zip(&dots[..n]).zip(scales) {
                    *k = d as f32 * s;
                }
            }
            Metric::Euclidean => {
                let norms = &g.sq_norms[base..base + n];
                let two_sq = 2.0 * q_scale;
                for (((k, &d), &s), &nx) in out.iter_mut().zip(&dots[..n]).zip(scales).zip(norms) {
                    *k = two_sq * s * d as f32 - nx;
                }
            }
        }
        sink(out, base as u32);
    }
}
