//! attend-server: the central server that kiosks sync to and managers work in.
//!
//! Module map, in three groups:
//!
//! Platform (cross-cutting, depends on no feature):
//! - [`platform`]: the one error type, extractors, validation, rate limits, metrics, request
//!   ids, logs, the OpenAPI document, passwords and tokens.
//! - [`db`]: what every store shares (scopes, pages, the audit context, the store error) and
//!   the stores' core on either backend (`db::sql`; `db::sqlite`, `db::postgres` below it).
//! - [`access`]: the [`access::Caller`] every service takes, and the permission table.
//! - [`config`]: typed settings from defaults, a TOML file and `ATTEND_*` variables.
//!
//! Features (one folder each: service, JSON routes, pages, store trait, SQLite store):
//! - [`features`]: auth, organisations, people, devices, roster, attendance, timesheets,
//!   approvals, leave, corrections, equipment, enrolment, reports, notifications, audit.
//!
//! Application:
//! - [`dashboard`]: the dashboard's shell: templates, flash messages, the cookie session and
//!   its CSRF check (each feature brings its own pages).
//! - [`app`]: [`Application`]: builds every service on its store, composes the routes, serves
//!   until a shutdown future resolves, and runs the background workers.
//! - [`demo`]: the demo seed used by the README's demo command.
//! - [`cli`]: the `attend-server` commands (`main.rs` only parses and dispatches).

pub mod access;
pub mod app;
pub mod cli;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod features;
pub mod platform;

pub use app::Application;
pub use config::Settings;
