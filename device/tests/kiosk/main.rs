//! attendd's integration tests, one binary with a module per feature. Tests that need a real
//! attend-server are end-to-end tests (attend-e2e), so this binary never builds the server: it
//! is also built for aarch64, where scripts/cross.sh runs `recognition` and `enroll` tests under
//! qemu. The real-model tests need `bash scripts/setup-ort.sh`, `bash scripts/setup-models.sh`
//! and `../shared/faces`, and say which is missing.
//!
//! `attendd setup`'s tests are the crate's other binary (`tests/setup.rs`): ONNX Runtime loads
//! once per process, and they must load the copy they installed, not the one the tests here load.
//!
//! - [`enroll`]: `attendd enroll` on the real models.
//! - [`equipment_sessions`]: equipment activation rules and session timers.
//! - [`head_turn`]: the head turn on the real models: a waved photo and a swapped one fail it.
//! - [`liveness_trial`]: `attendd liveness-trial` on the real models with a scripted keypad.
//! - [`outbox_model`]: the outbox and sync state machine against a model, crashes, refused
//!   batches and server upgrades included.
//! - [`outbox_store`]: the SQLite outbox alone: durability, byte-capped batches, set-aside
//!   events across reopening.
//! - [`pin_slowdown`]: the keypad's PIN slowdown across a reboot, with counted verifications.
//! - [`recognition`]: replayed photos recognised on the real models, strangers unknown.
//! - [`roster_cache`]: roster deltas, tombstones, templates sealed at rest.
//! - [`station`]: keys and faces → committed events and relays.
//! - [`systemd_unit`]: `systemd/attendd.service` passes `systemd-analyze verify`.
//! - [`support`]: the face pipeline and replayed cameras the real-model tests share.

mod enroll;
mod equipment_sessions;
mod head_turn;
mod liveness_trial;
mod outbox_model;
mod outbox_store;
mod pin_slowdown;
mod recognition;
mod roster_cache;
mod station;
mod support;
mod systemd_unit;
