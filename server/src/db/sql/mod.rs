//! The stores' common ground: [`SqlDb`], the handle every feature's store is implemented on, for
//! either backend (embedded SQLite or PostgreSQL), and the helpers those stores are built on.
//! A store call runs its statements as straight-line code on a [`Sql`] inside one transaction
//! (a write) or one snapshot (a read), on a blocking thread so the async runtime never waits on
//! the database.
//!
//! - [`handle`]: [`Sql`], [`Row`] and [`Params`], the same on both backends.
//! - [`dialect`]: what of a statement's SQLite text PostgreSQL spells differently.
//! - [`postgres_values`]: SQLite's storage classes on PostgreSQL's wire.
//! - [`codec`]: time, id, enum and JSON columns; the error mapping that names a conflicting
//!   field; keyset pages.
//! - [`scope`]: the tenant and department filters every scoped query applies.
//! - [`audit`]: the audit row written inside the caller's transaction.
//! - [`events`]: the statement that stores a synced event.
//! - [`biometrics`]: erasing a person's face data (consent withdrawn, person deleted).
//! - [`roster_log`]: the roster change log that kiosks pull by cursor.
//! - [`race_hooks`]: what the race tests use to force an interleaving.
//! - `schedule`: periodic work claimed once per period across instances.
//!
//! These modules import nothing from the features, so no cycle can form through them.
//!
//! Invariants of [`SqlDb::write`]:
//! - On SQLite a write is one `IMMEDIATE` transaction on the one writer connection: writes run
//!   one at a time, so a check and the write it guards cannot interleave with another write.
//! - On PostgreSQL a write is one `SERIALIZABLE` transaction: several instances write at once,
//!   and PostgreSQL aborts whichever transaction could not have run one at a time with the
//!   others (`40001`, or a deadlock `40P01`); the write is then run again from the start, up
//!   to [`WRITE_ATTEMPTS`] times. So every check-then-act a store makes inside one write is as
//!   atomic as on SQLite, and a write's closure must be safe to run again (it is `Fn`).
//! - A read sees one snapshot (`REPEATABLE READ READ ONLY` on PostgreSQL; a WAL reader on SQLite).
//! - [`SqlDb::claim`] is for taking queued work: on PostgreSQL it runs at `READ COMMITTED`, where
//!   `FOR UPDATE SKIP LOCKED` ([`Sql::skip_locked`]) lets each instance take rows the others have
//!   not locked, instead of SERIALIZABLE aborting all but one claimer. Its statements must be
//!   atomic on their own (a conditional UPDATE that re-checks what it claims).

mod audit;
mod biometrics;
mod codec;
mod dialect;
mod events;
mod handle;
mod postgres_values;
mod prune;
pub mod race_hooks;
mod roster_log;
mod schedule;
mod scope;

use std::sync::Arc;

pub(crate) use audit::Audit;
pub(crate) use biometrics::forget_biometrics;
pub(crate) use codec::*;
pub use dialect::to_postgres;
pub use events::{EVENT_PARAMS, INSERT_EVENT_SQL, counted, insert_events_sql};
pub(crate) use handle::PgTx;
pub use handle::{Dialect, Params, Row, Sql};
pub(crate) use roster_log::roster_changed;
pub use rusqlite::{OptionalExtension, params};
pub(crate) use scope::*;

use super::postgres::pool::PgPool;
use super::sqlite::{SqlitePool, Synchronous};
use super::{StoreError, StoreResult};

/// How many times a PostgreSQL write runs before a serialisation failure is reported.
pub const WRITE_ATTEMPTS: u32 = 12;

/// Every feature's store, on one database of either backend. Cheap to clone.
#[derive(Clone, Debug)]
pub struct SqlDb(Backend);

#[derive(Clone, Debug)]
enum Backend {
    Sqlite(SqlitePool),
    Postgres(Arc<PgPool>),
}

impl SqlDb {
    /// Opens an already-migrated SQLite database (see [`SqlitePool::open`]).
    pub fn open_sqlite(path: &std::path::Path, synchronous: Synchronous) -> StoreResult<Self> {
        Ok(Self(Backend::Sqlite(SqlitePool::open(path, synchronous)?)))
    }

    pub fn postgres(pool: PgPool) -> Self {
        Self(Backend::Postgres(Arc::new(pool)))
    }

    /// Opens the database the `database` setting names, applying pending migrations first when
    /// `migrate` is set; PostgreSQL gets a pool of at most `pool_size` connections.
    pub async fn open(
        database: &super::location::Database,
        synchronous: Synchronous,
        pool_size: usize,
        migrate: bool,
    ) -> anyhow::Result<Self> {
        use super::location::Database;
        use anyhow::Context as _;
        match database {
            Database::Sqlite(path) => {
                if migrate {
                    let applied =
                        super::sqlite::migrate(path).context("applying database migrations")?;
                    if applied > 0 {
                        tracing::info!(applied, %database, "migrations applied");
                    }
                }
                Self::open_sqlite(path, synchronous)
                    .with_context(|| format!("opening database {database}"))
            }
            Database::Postgres(url) => {
                if migrate {
                    let applied = super::postgres::migrate(url)
                        .await
                        .context("applying database migrations")?;
                    if applied > 0 {
                        tracing::info!(applied, %database, "migrations applied");
                    }
                }
                let pool = PgPool::open(url, pool_size)
                    .await
                    .with_context(|| format!("opening database {database}"))?;
                Ok(Self::postgres(pool))
            }
        }
    }

    pub fn dialect(&self) -> Dialect {
        match self.0 {
            Backend::Sqlite(_) => Dialect::Sqlite,
            Backend::Postgres(_) => Dialect::Postgres,
        }
    }

    /// The SQLite file, when the database is one.
    pub fn sqlite_path(&self) -> Option<&std::path::Path> {
        match &self.0 {
            Backend::Sqlite(pool) => Some(pool.path()),
            Backend::Postgres(_) => None,
        }
    }

    /// The PostgreSQL pool, when the database is one.
    pub fn postgres_pool(&self) -> Option<&PgPool> {
        match &self.0 {
            Backend::Sqlite(_) => None,
            Backend::Postgres(pool) => Some(pool),
        }
    }

    /// Runs `f` inside one write transaction; commits only if it returns Ok (see the module
    /// doc for why `f` may run more than once on PostgreSQL).
    pub(crate) async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: Fn(&Sql<'_>) -> StoreResult<T> + Send + 'static,
    {
        match &self.0 {
            Backend::Sqlite(pool) => pool.write(move |tx| f(&Sql::sqlite(tx))).await,
            Backend::Postgres(pool) => pool.write(f).await,
        }
    }

    /// Runs `f` in one write transaction that claims queued work (see the module doc).
    pub(crate) async fn claim<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: Fn(&Sql<'_>) -> StoreResult<T> + Send + 'static,
    {
        match &self.0 {
            Backend::Sqlite(pool) => pool.write(move |tx| f(&Sql::sqlite(tx))).await,
            Backend::Postgres(pool) => pool.claim(f).await,
        }
    }

    /// Runs `f` on one snapshot of the database.
    pub(crate) async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Sql<'_>) -> StoreResult<T> + Send + 'static,
    {
        match &self.0 {
            Backend::Sqlite(pool) => pool.read(move |c| f(&Sql::sqlite(c))).await,
            Backend::Postgres(pool) => pool.read(f).await,
        }
    }
}

#[async_trait::async_trait]
impl super::Ping for SqlDb {
    async fn ping(&self) -> StoreResult<super::DatabaseStatus> {
        let queued_jobs = self
            .read(|c| {
                c.query_row(
                    "SELECT (SELECT COUNT(*) FROM mail_outbox WHERE status = 'queued')
                          + (SELECT COUNT(*) FROM notification_jobs WHERE status = 'queued')",
                    (),
                    |r| r.get(0),
                )
                .map_err(db)
            })
            .await?;
        Ok(super::DatabaseStatus {
            backend: match self.dialect() {
                Dialect::Sqlite => "sqlite",
                Dialect::Postgres => "postgres",
            },
            pool: self.postgres_pool().map(PgPool::status),
            queued_jobs,
        })
    }
}

/// Whether a failed PostgreSQL write is worth running again: a serialisation failure or a
/// deadlock, which another attempt resolves.
pub(crate) fn is_retryable(e: &StoreError) -> bool {
    use tokio_postgres::error::SqlState;
    let StoreError::Backend(b) = e else {
        return false;
    };
    let error = match b.downcast_ref::<handle::PgFailure>() {
        Some(failure) => Some(&failure.error),
        None => b.downcast_ref::<tokio_postgres::Error>(),
    };
    error
        .and_then(tokio_postgres::Error::code)
        .is_some_and(|c| {
            *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
        })
}
