//! The enrolled templates, stored for fast scanning.
//!
//! Invariants (relied on by `scan` and `search`):
//! - `f32_rows` and `i8_rows` hold `n * dim` values; `scales`, `sq_norms` and
//!   `row_slot` hold `n`.
//! - `row_slot[r]` indexes `slots`; `slots[s].rows` lists exactly the rows with
//!   `row_slot[r] == s`, ascending; `slot_of` maps each person to its slot, and
//!   every slot has at least one row.
//! - `i8_rows[r] * scales[r]` approximates `f32_rows[r]` with per-row symmetric
//!   quantisation: `scale = max|x| / 127`, values rounded into `[-127, 127]`.

use std::collections::HashMap;
use std::hash::Hash;

use super::aligned::AlignedBuf;
use super::kernels::MAX_DIM;
use super::{MatcherError, Metric};

/// Row indices are `u32` in the per-person lists.
const MAX_ROWS: usize = u32::MAX as usize;

/// Templates of enrolled persons. `P` is the caller's person id.
#[derive(Debug, Clone)]
pub struct Gallery<P = u64> {
    dim: usize,
    metric: Metric,
    pub(super) f32_rows: AlignedBuf<f32>,
    pub(super) i8_rows: AlignedBuf<i8>,
    pub(super) scales: Vec<f32>,
    pub(super) sq_norms: Vec<f32>,
    pub(super) row_slot: Vec<u32>,
    pub(super) slots: Vec<Slot<P>>,
    slot_of: HashMap<P, u32>,
}

#[derive(Debug, Clone)]
pub(super) struct Slot<P> {
    pub(super) id: P,
    pub(super) rows: Vec<u32>,
}

impl<P> Gallery<P> {
    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// Number of templates (rows).
    pub fn len(&self) -> usize {
        self.row_slot.len()
    }

    pub fn is_empty(&self) -> bool {
        self.row_slot.is_empty()
    }

    /// The stored (for cosine: normalised) template at `row`.
    pub fn row(&self, row: usize) -> Option<&[f32]> {
        (row < self.len()).then(|| &self.f32_rows.as_slice()[row * self.dim..(row + 1) * self.dim])
    }

    /// Heap bytes held by the template arrays (excluding the id maps).
    pub fn memory_bytes(&self) -> usize {
        self.f32_rows.capacity() * 4
            + self.i8_rows.capacity()
            + (self.scales.capacity() + self.sq_norms.capacity() + self.row_slot.capacity()) * 4
            + self.len() * 4
    }
}

impl<P: Copy + Eq + Hash> Gallery<P> {
    /// An empty gallery of `dim`-dimensional templates compared with `metric`.
    pub fn new(dim: usize, metric: Metric) -> Result<Self, MatcherError> {
        if dim == 0 || dim > MAX_DIM {
            return Err(MatcherError::InvalidDimension { dim });
        }
        Ok(Self {
            dim,
            metric,
            f32_rows: AlignedBuf::new(),
            i8_rows: AlignedBuf::new(),
            scales: Vec::new(),
            sq_norms: Vec::new(),
            row_slot: Vec::new(),
            slots: Vec::new(),
            slot_of: HashMap::new(),
        })
    }

    /// Number of distinct persons.
    pub fn person_count(&self) -> usize {
        self.slots.len()
    }

    /// The enrolled persons, in no particular order.
    pub fn persons(&self) -> impl Iterator<Item = P> + '_ {
        self.slots.iter().map(|s| s.id)
    }

    /// Number of templates enrolled for `person` (0 if unknown).
    pub fn templates_of(&self, person: P) -> usize {
        self.slot_of
            .get(&person)
            .map_or(0, |&s| self.slots[s as usize].rows.len())
    }

    /// The person owning `row`.
    pub fn person_of_row(&self, row: usize) -> Option<P> {
        self.row_slot.get(row).map(|&s| self.slots[s as usize].id)
    }

    /// Reserves room for `additional` more templates (avoids the doubling
    /// growth of the large arrays when the count is known, e.g. on load).
    pub fn reserve(&mut self, additional: usize) {
        self.f32_rows.reserve_exact(additional * self.dim);
        self.i8_rows.reserve_exact(additional * self.dim);
        self.scales.reserve_exact(additional);
        self.sq_norms.reserve_exact(additional);
        self.row_slot.reserve_exact(additional);
    }

    /// Adds one template for `person` and returns its row index.
    pub fn add(&mut self, person: P, template: &[f32]) -> Result<usize, MatcherError> {
        let v = self.prepare(template)?;
        let row = self.len();
        if row >= MAX_ROWS {
            return Err(MatcherError::GalleryFull { max: MAX_ROWS });
        }
        let (scale, q) = quantise_row(&v);
        self.sq_norms.push(v.iter().map(|x| x * x).sum());
        self.f32_rows.extend_from_slice(&v);
        self.i8_rows.extend_from_slice(&q);
        self.scales.push(scale);
        let slot = if let Some(&s) = self.slot_of.get(&person) {
            s
        } else {
            let s = self.slots.len() as u32;
            self.slots.push(Slot {
                id: person,
                rows: Vec::new(),
            });
            self.slot_of.insert(person, s);
            s
        };
        self.slots[slot as usize].rows.push(row as u32);
        self.row_slot.push(slot);
        Ok(row)
    }

    /// Removes every template of `person`; returns how many were removed.
    /// O(n·dim): the arrays are compacted, so later rows shift down.
    pub fn remove_person(&mut self, person: P) -> usize {
        let Some(gone) = self.slot_of.remove(&person) else {
            return 0;
        };
        let (dim, n) = (self.dim, self.len());
        // `swap_remove` below moves the last slot into `gone`; remap as we copy.
        let last = (self.slots.len() - 1) as u32;
        let mut w = 0;
        for r in 0..n {
            let s = self.row_slot[r];
            if s == gone {
                continue;
            }
            if w != r {
                self.f32_rows
                    .as_mut_slice()
                    .copy_within(r * dim..(r + 1) * dim, w * dim);
                self.i8_rows
                    .as_mut_slice()
                    .copy_within(r * dim..(r + 1) * dim, w * dim);
                self.scales[w] = self.scales[r];
                self.sq_norms[w] = self.sq_norms[r];
            }
            self.row_slot[w] = if s == last { gone } else { s };
            w += 1;
        }
        self.f32_rows.truncate(w * dim);
        self.i8_rows.truncate(w * dim);
        self.scales.truncate(w);
        self.sq_norms.truncate(w);
        self.row_slot.truncate(w);
        self.slots.swap_remove(gone as usize);
        if let Some(moved) = self.slots.get(gone as usize) {
            self.slot_of.insert(moved.id, gone);
        }
        for slot in &mut self.slots {
            slot.rows.clear();
        }
        for (r, &s) in self.row_slot.iter().enumerate() {
            self.slots[s as usize].rows.push(r as u32);
        }
        n - w
    }

    /// Validates `v` and returns the vector as stored/searched: unchanged for
    /// Euclidean, L2-normalised for cosine.
    pub(super) fn prepare(&self, v: &[f32]) -> Result<Vec<f32>, MatcherError> {
        if v.len() != self.dim {
            return Err(MatcherError::DimensionMismatch {
                expected: self.dim,
                actual: v.len(),
            });
        }
        if let Some((index, &value)) = v.iter().enumerate().find(|(_, x)| !x.is_finite()) {
            return Err(MatcherError::NonFinite { index, value });
        }
        // f64 so the norm itself is exact enough and cannot overflow.
        let sq: f64 = v.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
        let norm = sq.sqrt();
        if !(sq as f32).is_finite() || (self.metric == Metric::Cosine && norm == 0.0) {
            return Err(MatcherError::InvalidNorm { norm });
        }
        // Already-unit vectors (SFace output) are kept bit-exact: re-normalising
        // them would only add rounding noise.
        if self.metric == Metric::Cosine && (sq - 1.0).abs() > 1e-6 {
            return Ok(v.iter().map(|&x| (f64::from(x) / norm) as f32).collect());
        }
        Ok(v.to_vec())
    }
}

/// Per-row symmetric int8 quantisation: `x ≈ scale * q`, `q ∈ [-127, 127]`.
pub(super) fn quantise_row(v: &[f32]) -> (f32, Vec<i8>) {
    let max = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    if max == 0.0 {
        return (0.0, vec![0; v.len()]);
    }
    let scale = max / 127.0;
    let q = v
        .iter()
        .map(|&x| (x / scale).round().clamp(-127.0, 127.0) as i8)
        .collect();
    (scale, q)
}
