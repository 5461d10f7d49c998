//! The kiosk's decisions, as pure state machines with no I/O (inputs carry the time):
//! - [`decide`]: per-frame matches → a face decision after N agreeing frames.
//! - [`face_match`]: the threshold and margin in force: the site's rule for the model, or the
//!   kiosk's own.
//! - [`punch`]: which punch a person makes (in/out, break keys), repeat suppression, consent.
//! - [`equipment`]: activation checks and session timers with their stop reasons.
//! - [`keys`]: the keypad grammar (PIN punches, function keys, machine codes, cancel).
//! - [`liveness`]: the passive check's frames, the site's rules and the person → the evidence.
//! - [`pin`]: PIN checks against the roster hashes, slowed down per number and per kiosk.
//! - [`trial`]: `attendd liveness-trial`'s labelled attempts and their summary.
//!
//! The daemon's loops feed them camera results, keys and ticks, and carry out what they return
//! (commit an event, switch a relay, update the screen).

pub mod decide;
pub mod equipment;
pub mod face_match;
pub mod keys;
pub mod liveness;
pub mod pin;
pub mod punch;
pub mod trial;
