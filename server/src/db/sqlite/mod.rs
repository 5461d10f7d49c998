//! The embedded SQLite backend's core (rusqlite, bundled SQLite, WAL): one writer connection
//! behind an async mutex and a bounded pool of readers; a call waits for its connection as an
//! async task, then runs on tokio's blocking pool so the async runtime never waits on disk. Each mutation is one `IMMEDIATE` transaction that also
//! writes its audit row and roster-change rows. Every feature's SQLite store is an `impl` on
//! [`SqliteDb`] in its own folder, built on these helpers only:
//!
//! - [`codec`]: time, id, enum and JSON columns; the error mapping that names a conflicting
//!   field; keyset pages.
//! - [`scope`]: the tenant and department filters every scoped query applies.
//! - [`audit`]: the audit row written inside the caller's transaction.
//! - [`events`]: the statement that stores a synced event.
//! - [`biometrics`]: erasing a person's face data (consent withdrawn, person deleted).
//! - [`roster_log`]: the roster change log that kiosks pull by cursor.
//!
//! These modules import nothing from the features, so no cycle can form through them.

mod audit;
mod biometrics;
mod codec;
mod events;
mod pool;
mod prune;
mod roster_log;
mod scope;

pub(crate) use audit::Audit;
pub(crate) use biometrics::forget_biometrics;
pub(crate) use codec::*;
pub use events::{INSERT_EVENT_SQL, counted};
#[cfg(test)]
pub(crate) use pool::migrate_to;
pub use pool::{SqliteDb, Synchronous, migrate, schema_versions};
pub(crate) use roster_log::roster_changed;
pub(crate) use scope::*;
