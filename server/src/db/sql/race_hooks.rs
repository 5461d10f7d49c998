//! Test hooks for the race tests, inert unless a test sets them and compiled out of release
//! builds: a pause at a [`Point`] between a check and the write it guards, so two requests are
//! forced to interleave there; and (debug builds, `TEST_ATTEND_WRITE_ISOLATION=read_committed`)
//! writes at READ COMMITTED instead of SERIALIZABLE on PostgreSQL, which removes the guard so a
//! race test can be shown failing without it. (`TEST_ATTEND_`, not `ATTEND_`: those are
//! settings.)
//!
//! A test sets a pause with [`pause_at`]; a server in a process of its own reads
//! `TEST_ATTEND_PAUSE_<POINT>_MS` (e.g. `TEST_ATTEND_PAUSE_REFRESH_CHECK_MS=300`) at its first
//! pass there. Tests of one binary share the pauses: another test passing a point while it is
//! set is only slowed down.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where a write may be made to wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Point {
    /// A refresh-token rotation, after reading the token and before spending it.
    RefreshCheck,
    /// A password reset, after reading the token and before spending it.
    ResetCheck,
    /// Provisioning a kiosk, after finding its code unspent and before spending it.
    ProvisionCheck,
    /// A leave request, after checking overlaps and the allowance and before inserting.
    LeaveCheck,
    /// A decision on a request, after the service read its state and before recording it.
    DecisionCheck,
    /// A notification worker, after claiming jobs and before running them (awaited, not slept).
    JobClaim,
}

const POINTS: usize = 6;

impl Point {
    fn index(self) -> usize {
        self as usize
    }

    fn env_name(self) -> &'static str {
        match self {
            Self::RefreshCheck => "TEST_ATTEND_PAUSE_REFRESH_CHECK_MS",
            Self::ResetCheck => "TEST_ATTEND_PAUSE_RESET_CHECK_MS",
            Self::ProvisionCheck => "TEST_ATTEND_PAUSE_PROVISION_CHECK_MS",
            Self::LeaveCheck => "TEST_ATTEND_PAUSE_LEAVE_CHECK_MS",
            Self::DecisionCheck => "TEST_ATTEND_PAUSE_DECISION_CHECK_MS",
            Self::JobClaim => "TEST_ATTEND_PAUSE_JOB_CLAIM_MS",
        }
    }
}

static PAUSES: [AtomicU64; POINTS] = [const { AtomicU64::new(0) }; POINTS];
static FROM_ENV: [OnceLock<u64>; POINTS] = [const { OnceLock::new() }; POINTS];

static HOLDERS: [AtomicU64; POINTS] = [const { AtomicU64::new(0) }; POINTS];

/// Makes every pass at `point` wait `ms` milliseconds while the returned guard lives. Guards of
/// tests running at once overlap: the pause ends when the last one is dropped, so one test
/// finishing early never takes the pause from another mid-race.
#[must_use = "the pause lasts while the guard lives"]
pub fn pause_at(point: Point, ms: u64) -> PauseGuard {
    HOLDERS[point.index()].fetch_add(1, Ordering::SeqCst);
    PAUSES[point.index()].fetch_max(ms, Ordering::SeqCst);
    PauseGuard(point)
}

/// A pause set by [`pause_at`].
#[derive(Debug)]
pub struct PauseGuard(Point);

impl Drop for PauseGuard {
    fn drop(&mut self) {
        let i = self.0.index();
        if HOLDERS[i].fetch_sub(1, Ordering::SeqCst) == 1 {
            PAUSES[i].store(0, Ordering::SeqCst);
        }
    }
}

/// How long a pass at `point` waits now (always 0 in a release build).
fn pause_ms(point: Point) -> u64 {
    if cfg!(debug_assertions) {
        let from_env = *FROM_ENV[point.index()].get_or_init(|| {
            std::env::var(point.env_name())
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        });
        PAUSES[point.index()].load(Ordering::Relaxed).max(from_env)
    } else {
        0
    }
}

/// Waits at `point` as set, on the blocking thread inside a write transaction.
pub(crate) fn pause(point: Point) {
    let ms = pause_ms(point);
    if ms > 0 {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// Waits at `point` as set, on the async runtime.
pub(crate) async fn pause_async(point: Point) {
    let ms = pause_ms(point);
    if ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
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
