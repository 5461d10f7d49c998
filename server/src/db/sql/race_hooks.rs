//! Test hooks for the race tests, inert unless a test sets them and compiled out of release
//! builds: a pause between a check and the write it guards, so two requests are forced to
//! interleave there; and (debug builds, `TEST_ATTEND_WRITE_ISOLATION=read_committed`) writes at
//! READ COMMITTED instead of SERIALIZABLE on PostgreSQL, which removes the guard so a race test
//! can be shown failing without it. (`TEST_ATTEND_`, not `ATTEND_`: those are settings.)

use std::sync::atomic::{AtomicU64, Ordering};

/// Milliseconds a refresh-token rotation waits after reading the token and before spending it
/// (in a debug build, also `TEST_ATTEND_PAUSE_AFTER_REFRESH_CHECK_MS`: for servers in processes
/// of their own).
pub static PAUSE_AFTER_REFRESH_CHECK_MS: AtomicU64 = AtomicU64::new(0);

/// Runs on the blocking thread inside the write transaction.
pub(crate) fn pause_after_refresh_check() {
    #[cfg(debug_assertions)]
    {
        static FROM_ENV: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
        let from_env = *FROM_ENV.get_or_init(|| {
            std::env::var("TEST_ATTEND_PAUSE_AFTER_REFRESH_CHECK_MS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        });
        let ms = PAUSE_AFTER_REFRESH_CHECK_MS
            .load(Ordering::Relaxed)
            .max(from_env);
        if ms > 0 {
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
    }
}

/// Milliseconds a notification worker waits after claiming jobs and before running them.
pub static PAUSE_AFTER_JOB_CLAIM_MS: AtomicU64 = AtomicU64::new(0);

/// Awaited after the claim committed, before the jobs run.
pub(crate) async fn pause_after_job_claim() {
    #[cfg(debug_assertions)]
    {
        let ms = PAUSE_AFTER_JOB_CLAIM_MS.load(Ordering::Relaxed);
        if ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
    }
}

/// The isolation of a PostgreSQL write.
pub(crate) fn write_isolation() -> tokio_postgres::IsolationLevel {
    #[cfg(debug_assertions)]
    if std::env::var("TEST_ATTEND_WRITE_ISOLATION").as_deref() == Ok("read_committed") {
        return tokio_postgres::IsolationLevel::ReadCommitted;
    }
    tokio_postgres::IsolationLevel::Serializable
}
