//! The PostgreSQL backend: its connection pool ([`pool`]), its schema and migrations, and the
//! roster change log's lock ([`roster_log`]). The stores themselves are the same code as on
//! SQLite ([`crate::db::sql`]).
//!
//! Invariants of the migrations:
//! - They run in one transaction that first takes a transaction-scoped advisory lock
//!   ([`MIGRATION_LOCK`]): instances starting together apply each migration once, the others wait
//!   and then find nothing to do. A failure rolls everything back.
//! - Versions are SQLite's: the baseline is version 22, the schema `migrations/server/0001..0022`
//!   make; each later migration is a pair with the same number, one file per backend.
//! - A database newer than this binary is left as it is (expand-then-contract: an instance
//!   still on the old version keeps running on the expanded schema).
//! - The database's collation and character type must be C and its encoding UTF8, so text
//!   sorts and case-folds as on SQLite; checked first.

pub mod notify;
pub mod pool;
pub mod roster_log;
pub mod tls;

use tokio_postgres::Client;

use crate::db::location::PostgresUrl;

/// `pg_advisory_xact_lock` key of the migrations ("ATTEND" in ASCII).
pub const MIGRATION_LOCK: i64 = 0x4154_5445_4e44;

/// `(version, SQL)`, in order.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        22,
        include_str!("../../../../migrations/server-postgres/0022_baseline.sql"),
    ),
    (
        23,
        include_str!("../../../../migrations/server-postgres/0023_job_leases.sql"),
    ),
];

/// Every schema version this binary can apply, oldest first.
pub fn known_versions() -> Vec<i64> {
    MIGRATIONS.iter().map(|(v, _)| *v).collect()
}

/// The newest schema version this binary knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |(v, _)| *v)
}

/// An error with its causes, which the driver's own message leaves out (a TLS handshake that
/// failed says why only in its source: `invalid peer certificate: UnknownIssuer`).
pub(crate) fn explain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text = format!("{text}: {cause_text}");
        }
        source = cause.source();
    }
    text
}

/// Connects one client, with TLS as the URL's `sslmode` asks ([`tls`]).
pub async fn connect(url: &PostgresUrl) -> anyhow::Result<Client> {
    let (config, policy) = url
        .connection()
        .map_err(|e| anyhow::anyhow!("{url}: {e}"))?;
    let (client, connection) = config
        .connect(policy.connector()?)
        .await
        .map_err(|e| anyhow::anyhow!("connecting to {url}: {}", explain(&e)))?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "PostgreSQL connection ended");
        }
    });
    Ok(client)
}

/// Applies the migrations the database lacks; how many it applied.
pub async fn migrate(url: &PostgresUrl) -> anyhow::Result<usize> {
    let mut client = connect(url).await?;
    let row = client
        .query_one(
            "SELECT datcollate, datctype, pg_encoding_to_char(encoding) FROM pg_database
             WHERE datname = current_database()",
            &[],
        )
        .await?;
    let (collation, ctype, encoding): (String, String, String) =
        (row.get(0), row.get(1), row.get(2));
    if !matches!(collation.as_str(), "C" | "POSIX") {
        anyhow::bail!(
            "{url}: the database's collation is {collation}; Attend needs C, so that text sorts \
             as on SQLite: create it with `CREATE DATABASE … LC_COLLATE 'C' LC_CTYPE 'C' \
             TEMPLATE template0`"
        );
    }
    // lower() (the e-mail index) follows the character type, and JSON and names need UTF-8.
    if !matches!(ctype.as_str(), "C" | "POSIX") || encoding != "UTF8" {
        anyhow::bail!(
            "{url}: the database's character type is {ctype} and its encoding {encoding}; \
             Attend needs C and UTF8, so that case folding matches SQLite's: create it with \
             `CREATE DATABASE … ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`"
        );
    }
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS attend_schema (
            version    BIGINT PRIMARY KEY,
            applied_at TEXT NOT NULL
        )",
    )
    .await?;
    let current: Option<i64> = tx
        .query_one("SELECT max(version) FROM attend_schema", &[])
        .await?
        .get(0);
    pause_for_tests().await;
    let mut applied = 0;
    for (version, sql) in MIGRATIONS {
        if current.is_some_and(|c| c >= *version) {
            continue;
        }
        tx.batch_execute(sql)
            .await
            .map_err(|e| anyhow::anyhow!("PostgreSQL migration {version}: {e}"))?;
        let now = jiff::Timestamp::now().to_string();
        tx.execute(
            "INSERT INTO attend_schema (version, applied_at) VALUES ($1, $2)",
            &[version, &now],
        )
        .await?;
        applied += 1;
    }
    tx.commit().await?;
    Ok(applied)
}

/// Debug builds only: waits `TEST_ATTEND_MIGRATE_PAUSE_MS` (not `ATTEND_`: those are settings) between reading the schema version
/// and applying, so a test can start a second `migrate` inside that window (the race the lock
/// prevents; server/tests/api/postgres_schema.rs).
async fn pause_for_tests() {
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var("TEST_ATTEND_MIGRATE_PAUSE_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
}

/// The versions applied, oldest first (empty for a database never migrated).
pub async fn schema_versions(
    client: &impl tokio_postgres::GenericClient,
) -> anyhow::Result<Vec<i64>> {
    let exists: bool = client
        .query_one("SELECT to_regclass('attend_schema') IS NOT NULL", &[])
        .await?
        .get(0);
    if !exists {
        return Ok(Vec::new());
    }
    Ok(client
        .query("SELECT version FROM attend_schema ORDER BY version", &[])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect())
}
