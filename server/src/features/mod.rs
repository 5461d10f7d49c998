//! The server's features, one folder each: its types and rules (`mod.rs`), its service (the
//! rules and permission checks that both the JSON API and the dashboard call), its JSON routes
//! (`api.rs`), its dashboard pages (`pages.rs`), its store trait (`store.rs`) and that store in
//! SQL (`sql.rs` or `sql/`), one code for SQLite and PostgreSQL. A route or a page parses, calls its service and renders;
//! only services reach stores.
//!
//! - [`approvals`]: the one approval workflow of leave, corrections, timesheets, enrolment.
//! - [`attendance`]: policies, shifts, schedules, computed hours, the live board.
//! - [`audit`]: reading the audit log.
//! - [`auth`]: sign-in, tokens, dashboard sessions, password reset, invites, lockouts.
//! - [`blocks`]: the clients the rate limiter blocked, listed and lifted.
//! - [`corrections`]: missing punches asked for and decided.
//! - [`devices`]: kiosks, provisioning, signed requests, event ingest.
//! - [`enrolment`]: face enrolment candidates (kiosk captures, uploaded photos) and their review.
//! - [`equipment`]: machines, their codes and holds, qualifications, machine sessions.
//! - [`leave`]: leave types, allowances, requests and balances.
//! - [`notifications`]: notification jobs, the clock-out scan, the mail outbox.
//! - [`orgs`]: organisations, sites, departments, join codes.
//! - [`people`]: employees and user accounts.
//! - [`reports`]: payroll, the CSV, labour cost and its forecast, pay rates.
//! - [`roster`]: the roster delta kiosks pull.
//! - [`timesheets`]: pay periods, timesheets through the workflow, attachments.

pub mod approvals;
pub mod attendance;
pub mod audit;
pub mod auth;
pub mod blocks;
pub mod corrections;
pub mod devices;
pub mod enrolment;
pub mod equipment;
pub mod leave;
pub mod notifications;
pub mod orgs;
pub mod people;
pub mod reports;
pub mod roster;
pub mod timesheets;
