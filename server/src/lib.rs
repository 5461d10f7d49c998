//! attend-server: the central server that kiosks sync to and managers work in.
//!
//! Module map:
//! - [`attendance`]: runs the pure attendance engine over stored punches, shifts and policies.
//! - [`app`]: `Application::build → port() → run_until_stopped()`; takes a shutdown future.
//! - [`config`]: typed settings from defaults, a TOML file and `ATTEND_*` variables.
//! - [`http`]: the axum API: routes, the one error type, extractors, auth, signing, rate limits,
//!   metrics, OpenAPI.
//! - [`storage`]: the repository traits (no SQL outside) and their SQLite backend + migrations.
//! - [`auth`]: password hashing, JWTs and opaque tokens.
//! - [`notify`]: the notification worker (durable jobs, retries, a daily missed clock-out scan).
//! - [`reports`]: hours per employee and department, and the payroll CSV.
//! - [`attachments`]: the blob store for timesheet attachments (local files by default).
//! - [`approval`]: the pure approval workflow with levels (leave requests and corrections).
//! - [`leave`]: working days for leave requests.
//! - [`live`]: notices from sync ingest to open live boards.
//! - [`mail`]: the mail outbox worker and the sender trait.
//! - [`dashboard`]: the server-rendered manager pages (cookie sessions with CSRF).
//! - [`demo`]: the demo seed used by the README's demo command.
//! - [`telemetry`]: structured JSON logs.
//! - [`timesheet`]: pay periods, the pure timesheet workflow, and the service that applies it.

pub mod access;
pub mod app;
pub mod config;
pub mod db;
pub mod dashboard;
pub mod demo;
pub mod features;
pub mod http;
pub mod platform;
pub mod storage;

pub use app::Application;
pub use config::Settings;
