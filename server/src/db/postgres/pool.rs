//! The PostgreSQL connections: a deadpool of tokio-postgres clients, with TLS as the URL's
//! `sslmode` asks (libpq's meaning: [`super::tls`]); and how one store call runs on a pooled
//! client (see
//! [`crate::db::sql`] for the transactions' isolation and retries).

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use tokio_postgres::IsolationLevel;

use crate::db::location::PostgresUrl;
use crate::db::sql::PgTx;
use crate::db::sql::{Sql, WRITE_ATTEMPTS, backend, is_retryable, race_hooks};
use crate::db::{StoreError, StoreResult};

/// How long a call waits for a pooled connection before it is answered busy (503): longer than
/// any store call should hold one, shorter than a client's patience.
const POOL_WAIT: Duration = Duration::from_secs(10);

/// The pool, and what it is a pool of (a clone shares the pool).
#[derive(Clone)]
pub struct PgPool {
    pool: Pool,
    url: PostgresUrl,
}

impl std::fmt::Debug for PgPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgPool")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// How full the pool is, for `/readyz` and `/metrics`.
#[derive(Clone, Copy, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PoolStatus {
    /// Connections the pool may open.
    pub max: usize,
    /// Connections open now.
    pub open: usize,
    /// Open connections idle now.
    pub idle: usize,
    /// Calls waiting for a connection.
    pub waiting: usize,
}

impl PgPool {
    /// A pool of at most `max` connections to an already-migrated database; refuses a schema
    /// older than this build, so an old schema is never served.
    pub async fn open(url: &PostgresUrl, max: usize) -> anyhow::Result<Self> {
        let (config, policy) = url
            .connection()
            .map_err(|e| anyhow::anyhow!("{url}: {e}"))?;
        let manager = Manager::from_config(
            config,
            policy.connector()?,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(max)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(POOL_WAIT))
            .build()?;
        let client = pool
            .get()
            .await
            .map_err(|e| anyhow::anyhow!("connecting to {url}: {}", super::explain(&e)))?;
        let versions = super::schema_versions(&**client).await?;
        let (found, wanted) = (
            versions.last().copied().unwrap_or(0),
            super::latest_version(),
        );
        if found < wanted {
            return Err(StoreError::SchemaBehind {
                found: usize::try_from(found)?,
                wanted: usize::try_from(wanted)?,
            }
            .into());
        }
        Ok(Self {
            pool,
            url: url.clone(),
        })
    }

    pub fn url(&self) -> &PostgresUrl {
        &self.url
    }

    pub fn status(&self) -> PoolStatus {
        let s = self.pool.status();
        PoolStatus {
            max: s.max_size,
            open: s.size,
            idle: s.available,
            waiting: s.waiting,
        }
    }

    /// A pooled connection; `Busy` when none comes free within [`POOL_WAIT`].
    async fn client(&self) -> StoreResult<Object> {
        self.pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Timeout(_) => {
                StoreError::Busy("no database connection came free in time")
            }
            other => backend(other),
        })
    }

    /// `NOTIFY channel, payload` for each payload, on one pooled connection.
    pub(crate) async fn notify(&self, channel: &str, payloads: &[String]) -> StoreResult<()> {
        let client = self.client().await?;
        for payload in payloads {
            client
                .execute("SELECT pg_notify($1, $2)", &[&channel, payload])
                .await
                .map_err(backend)?;
        }
        Ok(())
    }

    /// One `SERIALIZABLE` transaction running `f`, run again on a serialisation failure.
    pub(crate) async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: Fn(&Sql<'_>) -> StoreResult<T> + Send + 'static,
    {
        self.write_at(race_hooks::write_isolation(), f).await
    }

    /// One `READ COMMITTED` transaction claiming queued work with `FOR UPDATE SKIP LOCKED`, run
    /// again on a deadlock.
    pub(crate) async fn claim<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: Fn(&Sql<'_>) -> StoreResult<T> + Send + 'static,
    {
        self.write_at(IsolationLevel::ReadCommitted, f).await
    }

    async fn write_at<T, F>(&self, isolation: IsolationLevel, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: Fn(&Sql<'_>) -> StoreResult<T> + Send + 'static,
    {
        let mut f = f;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let client = self.client().await?;
            // `f` goes to the blocking thread and comes back for the next attempt.
            let (back, result) = tokio::task::spawn_blocking(move || {
                let result = run(client, isolation, false, &f);
                (f, result)
            })
            .await
            .map_err(backend)?;
            f = back;
            match result {
                Err(e) if is_retryable(&e) => {
                    if attempt == WRITE_ATTEMPTS {
                        tracing::warn!(error = %e, attempts = attempt, "write gave up");
                        return Err(StoreError::Busy("a write kept colliding with others"));
                    }
                    tokio::time::sleep(backoff(attempt)).await;
                }
                other => return other,
            }
        }
    }

    /// `f` on one read-only snapshot.
    pub(crate) async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Sql<'_>) -> StoreResult<T> + Send + 'static,
    {
        let client = self.client().await?;
        tokio::task::spawn_blocking(move || run(client, IsolationLevel::RepeatableRead, true, f))
            .await
            .map_err(backend)?
    }
}

/// A short, growing, jittered wait before another attempt, so two writers that collided do
/// not collide again in step.
fn backoff(attempt: u32) -> Duration {
    let jitter = u64::from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .subsec_nanos()
            % 1000,
    );
    Duration::from_micros((1000 << attempt.min(7)) + jitter)
}

/// On a blocking thread: begins, runs `f`, commits.
fn run<T>(
    mut client: Object,
    isolation: IsolationLevel,
    read_only: bool,
    f: impl FnOnce(&Sql<'_>) -> StoreResult<T>,
) -> StoreResult<T> {
    let rt = tokio::runtime::Handle::current();
    let tx = rt
        .block_on(
            client
                .build_transaction()
                .isolation_level(isolation)
                .read_only(read_only)
                .start(),
        )
        .map_err(backend)?;
    let pg = PgTx { tx, rt };
    let value = f(&Sql::postgres(&pg))?;
    let PgTx { tx, rt } = pg;
    rt.block_on(tx.commit()).map_err(backend)?;
    Ok(value)
}
