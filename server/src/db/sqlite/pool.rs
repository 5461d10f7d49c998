//! The connections: one writer, a pool of at most [`MAX_READERS`] readers, each call on tokio's
//! blocking pool; and the schema's migrations.
//!
//! A call waits for its connection *before* it takes a blocking thread: the writer is an async
//! mutex and the readers are counted by a semaphore, both fair (first come, first served). So a
//! flood of requests queues as cheap async tasks, never as hundreds of parked threads or freshly
//! opened connections (each with its own page cache), and a kiosk's write waits its turn behind
//! the flood's writes instead of behind whatever the thread scheduler picks.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use rusqlite_migration::{M, Migrations};

use crate::db::sql::backend;
use crate::db::{StoreError, StoreResult};

/// The schema, in order. Adding a file here is how the schema moves forward.
/// Reader connections open at most at once (WAL readers run in parallel; more than this would
/// only contend for the same cores and cost a page cache each).
pub const MAX_READERS: usize = 8;

const MIGRATIONS: &[&str] = &[
    include_str!("../../../../migrations/server/0001_core.sql"),
    include_str!("../../../../migrations/server/0002_enrolment_decisions.sql"),
    include_str!("../../../../migrations/server/0003_attendance.sql"),
    include_str!("../../../../migrations/server/0004_timesheets.sql"),
    include_str!("../../../../migrations/server/0005_equipment.sql"),
    include_str!("../../../../migrations/server/0006_leave.sql"),
    include_str!("../../../../migrations/server/0007_pay_rates.sql"),
    include_str!("../../../../migrations/server/0008_notification_jobs.sql"),
    include_str!("../../../../migrations/server/0009_corrections.sql"),
    include_str!("../../../../migrations/server/0010_attachments.sql"),
    include_str!("../../../../migrations/server/0011_web_sessions.sql"),
    include_str!("../../../../migrations/server/0012_rate_blocks.sql"),
    include_str!("../../../../migrations/server/0013_device_set_aside.sql"),
    include_str!("../../../../migrations/server/0014_mail_delivery.sql"),
    include_str!("../../../../migrations/server/0015_held_events.sql"),
    include_str!("../../../../migrations/server/0016_four_eyes.sql"),
    include_str!("../../../../migrations/server/0017_totp.sql"),
    include_str!("../../../../migrations/server/0018_roster_compaction.sql"),
    include_str!("../../../../migrations/server/0019_kiosk_trust.sql"),
    include_str!("../../../../migrations/server/0020_liveness_policy.sql"),
    include_str!("../../../../migrations/server/0021_flag_review.sql"),
    include_str!("../../../../migrations/server/0022_face_match_rules.sql"),
    include_str!("../../../../migrations/server/0023_job_leases.sql"),
];

fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect())
}

/// Brings a fresh database at `path` to schema `version` only, for tests of what a migration
/// does to the rows it finds.
#[cfg(test)]
pub(crate) fn migrate_to(path: &Path, version: usize) -> StoreResult<Connection> {
    let mut conn = open_connection(path, Synchronous::Normal)?;
    migrations()
        .to_version(&mut conn, version)
        .map_err(backend)?;
    Ok(conn)
}

/// Durability of commits. `Normal` is safe against application crashes in WAL mode and may
/// lose the last transactions on power loss; `Full` fsyncs every commit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Synchronous {
    #[default]
    Normal,
    Full,
}

#[derive(Clone, Debug)]
pub struct SqlitePool {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    synchronous: Synchronous,
    writer: Arc<tokio::sync::Mutex<Connection>>,
    /// One permit per reader connection that may be in use.
    reader_slots: Arc<Semaphore>,
    /// Idle reader connections (never more than [`MAX_READERS`]).
    readers: Mutex<Vec<Connection>>,
}

fn open_connection(path: &Path, synchronous: Synchronous) -> StoreResult<Connection> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(backend)?;
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(backend)?;
    let sync = match synchronous {
        Synchronous::Normal => "NORMAL",
        Synchronous::Full => "FULL",
    };
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = {sync}; PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;"
    ))
    .map_err(backend)?;
    Ok(conn)
}

/// Schema version of the database at `path` and the version this build expects.
pub fn schema_versions(path: &Path) -> StoreResult<(usize, usize)> {
    let conn = open_connection(path, Synchronous::Normal)?;
    let found = migrations().current_version(&conn).map_err(backend)?;
    Ok((usize::from(&found), MIGRATIONS.len()))
}

/// Applies every pending migration; returns how many ran.
pub fn migrate(path: &Path) -> StoreResult<usize> {
    let (found, wanted) = schema_versions(path)?;
    if found > wanted {
        return Err(StoreError::State(format!(
            "database schema version {found} is newer than this build ({wanted}); upgrade attend-server"
        )));
    }
    let mut conn = open_connection(path, Synchronous::Normal)?;
    migrations().to_latest(&mut conn).map_err(backend)?;
    Ok(wanted - found)
}

impl SqlitePool {
    /// Opens an already-migrated database. Refuses with [`StoreError::SchemaBehind`] when
    /// migrations are pending, so an old schema is never served.
    pub fn open(path: &Path, synchronous: Synchronous) -> StoreResult<Self> {
        let (found, wanted) = schema_versions(path)?;
        if found < wanted {
            return Err(StoreError::SchemaBehind { found, wanted });
        }
        let writer = open_connection(path, synchronous)?;
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                synchronous,
                writer: Arc::new(tokio::sync::Mutex::new(writer)),
                reader_slots: Arc::new(Semaphore::new(MAX_READERS)),
                readers: Mutex::new(Vec::new()),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` inside one IMMEDIATE transaction on the writer; commits only if it returns Ok.
    pub(crate) async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> StoreResult<T> + Send + 'static,
    {
        let mut conn = self.inner.writer.clone().lock_owned().await;
        tokio::task::spawn_blocking(move || {
            // Busy here (another process holds the file's write lock past the busy timeout) is a
            // 503, as inside the transaction ([`crate::db::sql::db`]).
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(crate::db::sql::db)?;
            let value = f(&tx)?;
            tx.commit().map_err(crate::db::sql::db)?;
            Ok(value)
        })
        .await
        .map_err(backend)?
    }

    /// Runs `f` on a pooled reader connection (WAL readers never block the writer).
    pub(crate) async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        let slot = inner
            .reader_slots
            .clone()
            .acquire_owned()
            .await
            .map_err(backend)?;
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            let pooled = inner
                .readers
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .pop();
            let conn = match pooled {
                Some(c) => c,
                None => open_connection(&inner.path, inner.synchronous)?,
            };
            let result = f(&conn);
            let mut pool = inner
                .readers
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if pool.len() < MAX_READERS {
                pool.push(conn);
            }
            result
        })
        .await
        .map_err(backend)?
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::migrations;

    /// One row per case: (account e-mail, role, organisation), and what version 16 made of it.
    fn link_of(c: &Connection, email: &str) -> (Option<String>, bool) {
        c.query_row(
            "SELECT employee_id, not_employee FROM users WHERE email = ?1",
            [email],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("account")
    }

    #[test]
    fn version_16_links_deciding_accounts_by_e_mail_and_leaves_the_rest_unresolved() {
        let mut c = Connection::open_in_memory().expect("database");
        migrations().to_version(&mut c, 15).expect("version 15");
        c.execute_batch(
            "INSERT INTO organisations VALUES ('o1', 'One', 'J1', 't'), ('o2', 'Two', 'J2', 't');
             INSERT INTO employees (id, org_id, employee_number, display_name, email, status,
                                    created_at, updated_at, deleted_at) VALUES
                ('e-match', 'o1', '1', 'Mo', 'MO@one.example', 'active', 't', 't', NULL),
                ('e-taken', 'o1', '2', 'Al', 'al@one.example', 'active', 't', 't', NULL),
                ('e-gone', 'o1', '3', 'Di', 'di@one.example', 'active', 't', 't', 't'),
                ('e-other-org', 'o2', '4', 'Ol', 'ol@one.example', 'active', 't', 't', NULL);
             INSERT INTO users (id, org_id, email, display_name, password_hash, role, status,
                                employee_id, created_at, password_changed_at) VALUES
                ('u-worker', 'o1', 'worker@one.example', 'W', 'h', 'employee', 'active', 'e-taken', 't', 't'),
                ('u-mo', 'o1', 'mo@one.example', 'Mo', 'h', 'manager', 'active', NULL, 't', 't'),
                ('u-al', 'o1', 'al@one.example', 'Al', 'h', 'org_admin', 'active', NULL, 't', 't'),
                ('u-di', 'o1', 'di@one.example', 'Di', 'h', 'manager', 'active', NULL, 't', 't'),
                ('u-ol', 'o1', 'ol@one.example', 'Ol', 'h', 'manager', 'active', NULL, 't', 't'),
                ('u-nobody', 'o1', 'nobody@one.example', 'N', 'h', 'manager', 'active', NULL, 't', 't'),
                ('u-root', NULL, 'root@one.example', 'R', 'h', 'super_admin', 'active', NULL, 't', 't');",
        )
        .expect("version 15 rows");
        migrations().to_latest(&mut c).expect("latest");

        // Same e-mail (any case), same organisation, live, linked to nobody else: linked.
        assert_eq!(
            link_of(&c, "mo@one.example"),
            (Some("e-match".into()), false)
        );
        // Its employee already has an account, it is deleted, or of another organisation:
        // left unresolved for an administrator, like an account without a match.
        for email in [
            "al@one.example",
            "di@one.example",
            "ol@one.example",
            "nobody@one.example",
        ] {
            assert_eq!(link_of(&c, email), (None, false), "{email}");
        }
        assert_eq!(
            link_of(&c, "worker@one.example"),
            (Some("e-taken".into()), false)
        );
        assert_eq!(link_of(&c, "root@one.example"), (None, false));
    }
}
