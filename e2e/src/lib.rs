//! The harness of the end-to-end tests (`tests/e2e/`, one binary) and of the backlog-drain
//! benchmark: a real attend-server on a temporary database, a real attendd sync worker provisioned
//! against it, and reads of what the server stored. Helpers that need no server (paths to
//! `../shared`, bounded waits) are in attend-testkit.
//!
//! - [`server`]: start and stop a server, the demo seed, the events it stored.
//! - [`kiosk`]: a provisioned attendd sync worker, the whole daemon in the background, the punch
//!   the tests queue, and a tiny HTTP GET for the kiosk screen.

pub mod kiosk;
pub mod server;

pub use kiosk::{Kiosk, RunningDaemon, http_get, pin_punch};
pub use server::{
    Server, demo_server, demo_server_with, events, punches, start_server, start_server_with,
};
