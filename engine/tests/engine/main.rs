//! The engine's integration tests, one binary: scenario tests (whole timesheets computed from
//! punches, with hours worked out by hand) and property tests (invariants for any input).
//!
//! - [`dates`], [`pay`], [`punches`], [`shift_rules`]: the scenarios, by area.
//! - [`properties`]: invariants that must hold for any punches, rules, schedule and `now`.
//! - [`common`]: builders for local wall-clock times in a named zone; [`support`]: the
//!   scenarios' engine runs and rule sets.

#![allow(clippy::unwrap_used)]

mod common;
mod dates;
mod pay;
mod properties;
mod punches;
mod shift_rules;
mod support;
