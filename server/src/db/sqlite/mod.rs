//! The embedded SQLite backend (rusqlite, bundled SQLite, WAL): its connections and migrations
//! ([`pool`]). Every store runs on it through [`crate::db::sql::SqlDb`].

mod pool;

#[cfg(test)]
pub(crate) use pool::migrate_to;
pub use pool::{MAX_READERS, SqlitePool, Synchronous, migrate, schema_versions};
