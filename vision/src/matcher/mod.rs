//! 1:N face matching: top-k search and identify-or-unknown decisions over a
//! gallery holding several templates (face descriptors) per person.
//!
//! # Scores
//! Scores are reported in the metric's own units, so thresholds from the model
//! papers apply unchanged:
//! - [`Metric::Euclidean`] (dlib ResNet, 128-d, not normalised): the score is
//!   the L2 **distance**; lower is better; same person if `<= 0.6`.
//! - [`Metric::Cosine`] (SFace): the score is the cosine **similarity**; higher
//!   is better; same person if `>= 0.363`.
//!
//! Use [`Metric::is_match`] and [`Metric::is_better`] rather than comparing
//! scores by hand. A *margin* is always `>= 0` and means "how much better the
//! best person is than the best *different* person", in the same units.
//!
//! # Invariants
//! - Every stored template and accepted query has the gallery's dimension and
//!   only finite values (checked on entry; errors name the offending value).
//! - Cosine galleries store unit vectors (templates are normalised on `add`,
//!   queries on search), so a dot product is the cosine similarity.
//! - Storage is row-major structure-of-arrays: row `r` lives at
//!   `r * dim .. (r + 1) * dim` in the f32 and the i8 arrays, with its person,
//!   int8 scale and squared norm at index `r` of their own arrays.
//! - The f32 copy is always kept: [`Storage::Int8`] only *selects* candidates
//!   with the int8 copy and then re-scores them in f32, so every returned score
//!   is exact (bit-identical to the f32 path for the same row).
//! - Row indices are stable until `remove_person`, which compacts the arrays.
//! - Results are deterministic: ties keep the lower row index.
//!
//! # Memory
//! Per template: `4·dim` (f32) + `dim` (i8) + 16 bytes. For dim = 128 that is
//! 656 B, i.e. ~66 MB for 100,000 templates, 51 MB of it the f32 copy kept for
//! exact re-ranking (affordable on a 2 GB Pi; dropping it would make int8
//! scores approximate).

mod aligned;
mod gallery;
mod kernels;
mod scan;
mod search;
mod topk;

pub mod bench;

#[cfg(test)]
mod tests;

pub use gallery::Gallery;
pub use kernels::MAX_DIM;
pub use search::{DEFAULT_RERANK, Decision, Hit, Matcher, Storage, UnknownReason};

/// How templates are compared. See the module docs for the score conventions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// L2 distance between raw descriptors (dlib). Lower is better.
    Euclidean,
    /// Cosine similarity of L2-normalised descriptors (SFace). Higher is better.
    Cosine,
}

impl Metric {
    /// The model's published same-person threshold: 0.6 (dlib distance) or
    /// 0.363 (SFace cosine). For 1:1 comparisons; a 1:N search of a large gallery needs a
    /// stricter one (dlib: 0.45 with margin 0.11, see
    /// [`EmbedderSpec::identification`](crate::manifest::EmbedderSpec::identification)).
    pub const fn default_threshold(self) -> f32 {
        match self {
            Self::Euclidean => 0.6,
            Self::Cosine => 0.363,
        }
    }

    /// Whether a site's rules may set this threshold and margin for a model of this metric:
    /// both finite; a distance threshold above 0 and at most 1.0 (past it most strangers are
    /// the same person to dlib), a similarity threshold from 0 to 1; a margin from 0 to 0.5.
    /// Each problem as `(field, message)`, the field being `threshold` or `margin`.
    pub fn check_rule(self, threshold: f32, margin: f32) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        let ok = match self {
            Self::Euclidean => threshold > 0.0 && threshold <= 1.0,
            Self::Cosine => (0.0..=1.0).contains(&threshold),
        };
        if !ok {
            let range = match self {
                Self::Euclidean => "a distance above 0 and at most 1",
                Self::Cosine => "a cosine similarity from 0 to 1",
            };
            problems.push(("threshold", format!("must be {range}, not {threshold}")));
        }
        if !(0.0..=0.5).contains(&margin) {
            problems.push(("margin", format!("must be from 0 to 0.5, not {margin}")));
        }
        problems
    }

    /// Whether `score` is good enough to be the same person.
    pub fn is_match(self, score: f32, threshold: f32) -> bool {
        match self {
            Self::Euclidean => score <= threshold,
            Self::Cosine => score >= threshold,
        }
    }

    /// Exact score between two descriptors under this metric (what `identify` reports).
    /// Cosine normalises both sides, so it is right for raw vectors too.
    pub fn score(self, a: &[f32], b: &[f32]) -> f32 {
        match self {
            Self::Euclidean => a
                .iter()
                .zip(b)
                .map(|(x, y)| (x - y) * (x - y))
                .sum::<f32>()
                .sqrt(),
            Self::Cosine => {
                let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
                let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
                let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
                if na == 0.0 || nb == 0.0 {
                    0.0
                } else {
                    dot / (na * nb)
                }
            }
        }
    }

    /// A distance between two descriptors that grows as they differ: the L2 distance (dlib),
    /// or 1 − cosine (SFace). What the head-turn challenge checks the face against its start
    /// with, whatever the model.
    pub fn distance(self, a: &[f32], b: &[f32]) -> f32 {
        match self {
            Self::Euclidean => self.score(a, b),
            Self::Cosine => 1.0 - self.score(a, b),
        }
    }

    /// The largest [`Metric::distance`] that `threshold` still calls the same person.
    pub fn distance_limit(self, threshold: f32) -> f32 {
        match self {
            Self::Euclidean => threshold,
            Self::Cosine => 1.0 - threshold,
        }
    }

    /// Whether score `a` is strictly better than score `b`.
    pub fn is_better(self, a: f32, b: f32) -> bool {
        match self {
            Self::Euclidean => a < b,
            Self::Cosine => a > b,
        }
    }

    /// How much better `best` is than `other` (`>= 0` when `best` is at least as good).
    pub fn gap(self, best: f32, other: f32) -> f32 {
        match self {
            Self::Euclidean => other - best,
            Self::Cosine => best - other,
        }
    }

    /// Internal ranking key (higher is better) to reported score.
    fn score_from_key(self, key: f32) -> f32 {
        match self {
            // key = -||q - x||²; clamp guards -0.0 and rounding below zero.
            Self::Euclidean => (-key).max(0.0).sqrt(),
            Self::Cosine => key,
        }
    }
}

/// Everything the matcher can reject.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MatcherError {
    #[error("dimension {dim} is out of range 1..={MAX_DIM}")]
    InvalidDimension { dim: usize },
    #[error("vector has {actual} values, gallery dimension is {expected}")]
    DimensionMismatch { expected: usize, actual: usize },
    #[error("value {value} at index {index} is not finite")]
    NonFinite { index: usize, value: f32 },
    #[error("vector norm {norm} cannot be used (zero for cosine, or overflows f32)")]
    InvalidNorm { norm: f64 },
    #[error("gallery is full ({max} templates)")]
    GalleryFull { max: usize },
    #[error("threshold {threshold} is invalid for {metric:?}")]
    InvalidThreshold { threshold: f32, metric: Metric },
    #[error("margin {margin} is invalid: it must be finite and >= 0")]
    InvalidMargin { margin: f32 },
}
