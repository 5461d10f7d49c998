//! End-to-end tests, one binary: a real attend-server and a real attendd together. The harness
//! (servers, kiosks, stored events) is the attend-e2e library; paths and waits are attend-testkit.
//!
//! - [`daemon`]: the whole attendd (camera, keypad, screen, relays) against a server.
//! - [`face`]: enrolment, approval and then a face punch on the real models.
//! - [`instances`]: two server processes on PostgreSQL behind nginx: a kiosk, live boards, a
//!   refresh race and mail across them.
//! - [`liveness`]: a photo waved in front of the camera fails the head turn: flagged or refused.
//! - [`pin`]: a PIN punch, and bad keypad input that writes nothing.
//! - [`screen`]: the kiosk page in a real Chromium: boxes on the letterboxed picture, the idle
//!   prompt after a result.
//! - [`sigkill`]: the real `attendd` binary killed mid-sync loses and duplicates nothing.
//! - [`sync`]: offline queueing, exactly-once delivery, an enrolment candidate.

mod daemon;
mod face;
mod instances;
mod liveness;
mod pin;
mod screen;
mod sigkill;
mod sync;
