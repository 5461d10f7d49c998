//! The server's features, one folder each: its types and rules (`mod.rs`), its service (the
//! rules and permission checks that both the JSON API and the dashboard call), its JSON routes
//! (`api.rs`), its dashboard pages (`pages.rs`), its store trait (`store.rs`) and that store on
//! SQLite (`sqlite.rs`). A route or a page parses, calls its service and renders; only services
//! reach stores.
//!
//! - [`audit`]: reading the audit log.
//! - [`auth`]: sign-in, tokens, dashboard sessions, password reset, invites, lockouts.
//! - [`devices`]: kiosks, provisioning, signed requests, event ingest.
//! - [`orgs`]: organisations, sites, departments, join codes.
//! - [`people`]: employees and user accounts.
//! - [`roster`]: the roster delta kiosks pull.

pub mod audit;
pub mod auth;
pub mod devices;
pub mod orgs;
pub mod people;
pub mod roster;
