//! attend-device: the `attendd` kiosk daemon.
//!
//! Module map:
//! - [`daemon`]: `Daemon::build → run_until_stopped`: wires sync, hardware, recognition, the
//!   station and the screen.
//! - [`config`]: settings from defaults, a TOML file and `ATTENDD_*` variables.
//! - [`enroll`]: `attendd enroll`: quality-gated captures → an enrolment candidate event.
//! - [`hw`]: camera, keypad and relays/LED/buzzer behind traits, each with real backends
//!   (nokhwa V4L2, rppal GPIO, evdev) and fakes for the demo and tests.
//! - [`kiosk`]: the kiosk's decisions as pure state machines: face decisions, punches,
//!   equipment sessions.
//! - [`outbox`]: the SQLite outbox every event is committed to first (invariants in its module
//!   docs).
//! - [`recognize`]: frames → vision pipeline → matcher → decider, on its own thread.
//! - [`roster`]: the roster cache pulled from the server; face templates sealed at rest.
//! - [`screen`]: the local kiosk page (SSE state, each preview frame with its own face boxes,
//!   `/status`).
//! - [`setup`]: `attendd setup`: ONNX Runtime and the models, fetched or copied, sha256-checked.
//! - [`station`]: keys and faces → committed events and relay switches (the safe ordering).
//! - [`sync`]: the pure sync state machine, credentials, the signed HTTP client, and the worker
//!   that drives the outbox with them.
//! - [`trial`]: `attendd liveness-trial`: labelled attempts on the kiosk's own camera → pass
//!   rates and a pass score for the site.

pub mod config;
pub mod daemon;
pub mod enroll;
pub mod hw;
pub mod kiosk;
pub mod outbox;
pub mod recognize;
pub mod roster;
pub mod screen;
pub mod setup;
pub mod station;
pub mod sync;
pub mod trial;

/// Locks a mutex shared between the async loop and the worker threads. A panic elsewhere must
/// not take the kiosk down with it, so a poisoned lock is used as it is (the data is SQLite-backed
/// and stays consistent).
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
