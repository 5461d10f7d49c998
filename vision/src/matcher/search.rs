//! The public matching API: [`Matcher::search`] (top-k rows) and
//! [`Matcher::identify`] (best person, or why it is unknown).
//!
//! Invariants:
//! - The f32 path scans exact keys for all rows. The int8 path scans
//!   approximate keys, keeps the best `rerank` candidates (rows for `search`,
//!   persons for `identify`) and re-scores them exactly in f32; only exact keys
//!   are ever reported or compared with the threshold and margin.
//! - `identify` ranks *persons* by their best row, so a person's other
//!   templates never count as the runner-up for the margin.

use std::hash::Hash;

use super::gallery::Gallery;
use super::scan::{best_row_of, exact_key, rank, scan_exact, scan_int8};
use super::topk::{Cand, TopPersons, TopRows};
use super::{MatcherError, Metric};

/// Candidates re-scored in f32 by the int8 path: rows for `search`, persons for
/// `identify`.
pub const DEFAULT_RERANK: usize = 32;

/// Which copy of the gallery the full scan reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// Exact scan over the f32 rows (4 bytes per value).
    F32,
    /// Approximate scan over the int8 rows (1 byte per value, ~4x less memory
    /// traffic), then the best `rerank` candidates are re-scored exactly.
    /// `rerank` is raised to at least `k` (search) or 2 (identify).
    Int8 { rerank: usize },
}

impl Storage {
    /// int8 scan with [`DEFAULT_RERANK`] candidates.
    pub const INT8: Self = Self::Int8 {
        rerank: DEFAULT_RERANK,
    };
}

/// Decision policy plus the storage to scan. `threshold` and `margin` are in
/// the gallery metric's units (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Matcher {
    /// Best score must satisfy `Metric::is_match(score, threshold)`.
    pub threshold: f32,
    /// Best person must beat the best *different* person by at least this much.
    pub margin: f32,
    pub storage: Storage,
}

/// One matching row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit<P> {
    pub person: P,
    pub row: usize,
    pub score: f32,
}

/// Outcome of [`Matcher::identify`]. `margin` is `None` when fewer than two
/// persons are enrolled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision<P> {
    Match {
        person: P,
        score: f32,
        margin: Option<f32>,
    },
    Unknown {
        best: Option<(P, f32)>,
        margin: Option<f32>,
        reason: UnknownReason,
    },
}

impl<P: Copy> Decision<P> {
    /// The identified person, if any.
    pub fn person(&self) -> Option<P> {
        match *self {
            Self::Match { person, .. } => Some(person),
            Self::Unknown { .. } => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownReason {
    EmptyGallery,
    /// The best person's score fails the threshold.
    BelowThreshold,
    /// The best person passes the threshold but another person is within `margin`.
    AmbiguousMargin,
}

impl Matcher {
    /// The model's default threshold, no margin requirement, f32 storage.
    pub fn new(metric: Metric) -> Self {
        Self {
            threshold: metric.default_threshold(),
            margin: 0.0,
            storage: Storage::F32,
        }
    }

    /// The best `k` rows for `query`, best first (ties: lower row first).
    pub fn search<P: Copy + Eq + Hash>(
        &self,
        gallery: &Gallery<P>,
        query: &[f32],
        k: usize,
    ) -> Result<Vec<Hit<P>>, MatcherError> {
        let q = gallery.prepare(query)?;
        if k == 0 || gallery.is_empty() {
            return Ok(Vec::new());
        }
        let cands = match self.storage {
            Storage::F32 => {
                let mut top = TopRows::new(k);
                scan_exact(gallery, &q, |keys, base| top.offer_block(keys, base));
                top.into_sorted()
            }
            Storage::Int8 { rerank } => {
                let mut top = TopRows::new(rerank.max(k));
                scan_int8(gallery, &q, |keys, base| top.offer_block(keys, base));
                let mut cands = top.into_sorted();
                for c in &mut cands {
                    c.key = exact_key(gallery, &q, c.row);
                }
                cands.sort_by(rank);
                cands.truncate(k);
                cands
            }
        };
        let metric = gallery.metric();
        Ok(cands
            .into_iter()
            .map(|c| Hit {
                person: gallery.slots[gallery.row_slot[c.row as usize] as usize].id,
                row: c.row as usize,
                score: metric.score_from_key(c.key),
            })
            .collect())
    }

    /// Best person for `query`, or why there is none.
    pub fn identify<P: Copy + Eq + Hash>(
        &self,
        gallery: &Gallery<P>,
        query: &[f32],
    ) -> Result<Decision<P>, MatcherError> {
        let metric = gallery.metric();
        self.validate(metric)?;
        let q = gallery.prepare(query)?;
        let persons = match self.storage {
            Storage::F32 => {
                let mut top = TopPersons::new(2);
                scan_exact(gallery, &q, |keys, base| {
                    top.offer_block(keys, base, &gallery.row_slot);
                });
                top.into_sorted()
            }
            Storage::Int8 { rerank } => {
                let mut top = TopPersons::new(rerank.max(2));
                scan_int8(gallery, &q, |keys, base| {
                    top.offer_block(keys, base, &gallery.row_slot);
                });
                // Re-score *all* rows of each candidate person: its best row by
                // the approximate key need not be its best exactly.
                let mut persons: Vec<Cand> = top
                    .into_sorted()
                    .iter()
                    .map(|c| best_row_of(gallery, &q, c.slot))
                    .collect();
                persons.sort_by(rank);
                persons
            }
        };
        let Some(best) = persons.first() else {
            // Only an empty gallery (or keys overflowing to NaN) leaves no candidate.
            let reason = if gallery.is_empty() {
                UnknownReason::EmptyGallery
            } else {
                UnknownReason::BelowThreshold
            };
            return Ok(Decision::Unknown {
                best: None,
                margin: None,
                reason,
            });
        };
        let person = gallery.slots[best.slot as usize].id;
        let score = metric.score_from_key(best.key);
        let margin = persons
            .get(1)
            .map(|second| metric.gap(score, metric.score_from_key(second.key)));
        let reason = if !metric.is_match(score, self.threshold) {
            UnknownReason::BelowThreshold
        } else if margin.is_some_and(|m| m < self.margin) {
            UnknownReason::AmbiguousMargin
        } else {
            return Ok(Decision::Match {
                person,
                score,
                margin,
            });
        };
        Ok(Decision::Unknown {
            best: Some((person, score)),
            margin,
            reason,
        })
    }

    fn validate(&self, metric: Metric) -> Result<(), MatcherError> {
        let t = self.threshold;
        if !t.is_finite() || (metric == Metric::Euclidean && t < 0.0) {
            return Err(MatcherError::InvalidThreshold {
                threshold: t,
                metric,
            });
        }
        if !self.margin.is_finite() || self.margin < 0.0 {
            return Err(MatcherError::InvalidMargin {
                margin: self.margin,
            });
        }
        Ok(())
    }
}
