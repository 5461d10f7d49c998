//! Argon2id hashing, bounded. Each run takes about 19 MiB and a core for tens of milliseconds,
//! and some routes run one for anonymous callers (sign-in, and setting a password with a token
//! or code), so runs go through a [`Hasher`]:
//!
//! - at most one run per core but one at a time (a semaphore; one on a single core), on the
//!   hasher's own threads, never on the blocking pool that database work needs: a flood of
//!   sign-ins leaves a core to everything else (on the 2-core build machine, two hashing
//!   threads instead of one made a kiosk's worst syncs under the abuse benchmark about twice as
//!   slow);
//! - those threads run at a lower scheduling priority (nice +10 on Linux), so a flood of sign-ins
//!   takes only the CPU that nothing else wants: a kiosk's sync is scheduled ahead of it;
//! - a caller waits at most [`QUEUE_WAIT`] for a turn, then gets 503 `busy` with `Retry-After`;
//! - every run is counted ([`Hasher::runs`]), which is how the tests show that a route checks its
//!   token or code before it hashes anything;
//! - each thread hashes into its own reused buffer ([`memory`]), so hashing holds
//!   `threads × 19 MiB` however many sign-ins arrive.

mod memory;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;

use self::memory::ArgonMemory;
use super::error::Error;

/// Nice value of the hashing threads: below the rest of the server, above idle.
const HASHING_NICENESS: i32 = 10;

type Job = Box<dyn FnOnce(&mut ArgonMemory) + Send>;

/// The threads that run argon2. They live as long as any clone of their [`Hasher`]: dropping
/// the last sender ends their loop.
#[derive(Debug)]
struct Workers {
    jobs: std::sync::mpsc::Sender<Job>,
}

impl Workers {
    fn spawn(count: usize) -> Self {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for n in 0..count {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || {
                    lower_this_threads_priority();
                    let mut memory = ArgonMemory::default();
                    loop {
                        let next = queue
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .recv();
                        match next {
                            // A panicking job must not take its thread with it (the permit
                            // it held is released by the unwinding).
                            Ok(job) => {
                                let _ =
                                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                        job(&mut memory);
                                    }));
                            }
                            Err(_) => break,
                        }
                    }
                })
                .expect("spawning a hashing thread");
        }
        Self { jobs }
    }
}

/// Linux schedules threads individually, so a thread's own nice value applies to it alone.
#[cfg(target_os = "linux")]
fn lower_this_threads_priority() {
    let this_thread = rustix::thread::gettid();
    if let Err(error) = rustix::process::setpriority_process(Some(this_thread), HASHING_NICENESS) {
        // A sandbox may forbid it; the thread then hashes at normal priority.
        tracing::warn!(%error, "could not lower the priority of a password-hashing thread");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_this_threads_priority() {}

/// How long a caller waits for a free hashing slot before the server answers 503.
pub const QUEUE_WAIT: Duration = Duration::from_secs(2);

/// A valid hash of a random password, verified against when an account does not exist so that
/// "no such user" costs the same as "wrong password" (one run either way).
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    ArgonMemory::default()
        .hash("attend-dummy-password-never-matches")
        .unwrap_or_default()
});

/// The server's argon2 runner (cheap to clone; clones share the slots and the count).
#[derive(Clone, Debug)]
pub struct Hasher {
    slots: Arc<Semaphore>,
    slot_count: usize,
    workers: Arc<Workers>,
    runs: Arc<AtomicU64>,
    wait: Duration,
}

impl Default for Hasher {
    /// One slot per core but one (at least one).
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Self::with_slots(cores.saturating_sub(1))
    }
}

impl Hasher {
    pub fn with_slots(slots: usize) -> Self {
        let slots = slots.max(1);
        Self {
            slots: Arc::new(Semaphore::new(slots)),
            slot_count: slots,
            workers: Arc::new(Workers::spawn(slots)),
            runs: Arc::new(AtomicU64::new(0)),
            wait: QUEUE_WAIT,
        }
    }

    /// How many runs may go at once.
    pub fn slot_count(&self) -> usize {
        self.slot_count
    }

    /// Argon2 runs so far.
    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::Relaxed)
    }

    /// A turn at hashing: waits at most [`QUEUE_WAIT`] for a slot, else 503 `busy`.
    ///
    /// An anonymous credential check (sign-in, a reset or invite code) takes its turn *before*
    /// it counts the attempt or looks anything up, so a flood of them is answered 503 without
    /// touching the database, and no more of them write at once than there are slots: a kiosk's
    /// write never queues behind hundreds of lockout counters. A turn dropped unused runs
    /// nothing.
    pub async fn turn(&self) -> Result<Turn, Error> {
        let permit = tokio::time::timeout(self.wait, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| Error::Busy { retry_after_s: 1 })?
            .map_err(|e| Error::Internal(e.into()))?;
        Ok(Turn {
            hasher: self.clone(),
            permit,
        })
    }

    /// PHC-format argon2id hash (default parameters: 19 MiB, 2 passes).
    pub async fn hash(&self, password: String) -> Result<String, Error> {
        self.turn().await?.hash(password).await
    }

    /// Checks `password` against `hash`; with `None` costs the same one run and answers `false`.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, Error> {
        self.turn().await?.verify(password, hash).await
    }
}

/// A hashing slot held by one caller ([`Hasher::turn`]); spent by one run.
#[derive(Debug)]
pub struct Turn {
    hasher: Hasher,
    permit: tokio::sync::OwnedSemaphorePermit,
}

impl Turn {
    async fn run<T: Send + 'static>(
        self,
        work: impl FnOnce(&mut ArgonMemory) -> T + Send + 'static,
    ) -> Result<T, Error> {
        let Self { hasher, permit } = self;
        hasher.runs.fetch_add(1, Ordering::Relaxed);
        // A permit per worker: a job never waits in the channel behind another.
        let (done, result) = tokio::sync::oneshot::channel();
        hasher
            .workers
            .jobs
            .send(Box::new(move |memory: &mut ArgonMemory| {
                let out = work(memory);
                drop(permit);
                let _ = done.send(out);
            }))
            .map_err(|_| Error::Internal(anyhow::anyhow!("the hashing threads are gone")))?;
        result
            .await
            .map_err(|_| Error::Internal(anyhow::anyhow!("a hashing thread panicked")))
    }

    /// PHC-format argon2id hash (default parameters: 19 MiB, 2 passes).
    pub async fn hash(self, password: String) -> Result<String, Error> {
        self.run(move |memory| memory.hash(&password))
            .await?
            .map_err(|e| Error::Internal(anyhow::anyhow!("hashing a password: {e}")))
    }

    /// Checks `password` against `hash`; with `None` costs the same one run and answers `false`.
    pub async fn verify(self, password: String, hash: Option<String>) -> Result<bool, Error> {
        self.run(move |memory| {
            if let Some(h) = hash {
                memory.verify(&password, &h)
            } else {
                let _ = memory.verify(&password, &DUMMY_HASH);
                false
            }
        })
        .await
    }
}

/// Warms the dummy hash so the first unknown-account login is not slower than later ones.
pub fn warm_up() {
    std::sync::LazyLock::force(&DUMMY_HASH);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_and_an_unknown_account_costs_one_run_too() {
        let hasher = Hasher::with_slots(1);
        let hash = hasher.hash("pw".into()).await.expect("hash");
        assert!(
            hasher
                .verify("pw".into(), Some(hash.clone()))
                .await
                .expect("ran")
        );
        assert!(!hasher.verify("nope".into(), Some(hash)).await.expect("ran"));
        assert!(!hasher.verify("pw".into(), None).await.expect("ran"));
        assert_eq!(hasher.runs(), 4);
    }

    #[tokio::test]
    async fn with_every_slot_taken_a_caller_is_told_to_come_back() {
        let hasher = Hasher {
            wait: Duration::from_millis(10),
            ..Hasher::with_slots(1)
        };
        let _held = hasher.slots.clone().acquire_owned().await.expect("slot");
        let refused = hasher.verify("pw".into(), None).await;
        assert!(
            matches!(refused, Err(Error::Busy { retry_after_s: 1 })),
            "{refused:?}"
        );
        assert_eq!(hasher.runs(), 0);
    }
}
