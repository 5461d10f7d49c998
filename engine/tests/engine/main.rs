//! Scenario tests: whole timesheets computed from punches, with hours worked out by hand.

#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;

mod dates;
mod pay;
mod punches;
mod shift_rules;
mod support;
