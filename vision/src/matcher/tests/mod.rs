//! Unit tests of the matcher, by concern. Every test checks results against an
//! independent reference (brute force in f64, hand-computed values) or an
//! invariant stated in the module docs.

mod decide;
mod gallery;
mod search;
