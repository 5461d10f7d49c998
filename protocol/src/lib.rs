//! attend-protocol: everything that crosses the wire between a kiosk (`attendd`) and the
//! central server (`attend-server`). Pure data and pure functions: no I/O, no clocks, no
//! randomness (callers pass `now` and nonces in), so both sides and the tests agree byte for byte.
//!
//! Module map:
//! - [`ids`]: typed UUID identifiers (`EmployeeId`, `DeviceId`, `EventId`, …).
//! - [`provision`]: one-time provisioning code → device id + device secret.
//! - [`events`]: the sync push: punches, equipment sessions, heartbeats, enrolment candidates.
//! - [`ack`]: per-event acknowledgements (accepted | duplicate | rejected with reason).
//! - [`roster`]: the sync pull: roster delta since a cursor, with tombstones.
//! - [`face_policy`]: a site's liveness and face-match rules, pushed with the roster's settings.
//! - [`signing`]: HMAC-SHA256 request signing over a canonical string, with a clock-skew window.
//! - [`error`]: the uniform JSON error body every API answer uses on failure.
//! - [`validate`]: semantic checks that serde's types cannot express, naming the failing field.

pub mod ack;
pub mod error;
pub mod events;
pub mod face_policy;
pub mod ids;
pub mod provision;
pub mod roster;
pub mod signing;
pub mod validate;

/// Largest number of events one `POST /api/v1/device/events` batch may carry.
pub const MAX_BATCH_EVENTS: usize = 1_000;

/// Response header on the signed kiosk routes naming the server's version. A kiosk holds events
/// a server refused whole until this changes; an older server that does not send it is
/// treated as "version unknown", which any named version differs from.
pub const HEADER_SERVER_VERSION: &str = "x-attend-server";

/// Path prefix of every versioned API route.
pub const API_PREFIX: &str = "/api/v1";
