//! Argon2id hashing, bounded. Each run takes about 19 MiB and a core for tens of milliseconds,
//! and some routes run one for anonymous callers (sign-in, and setting a password with a token
//! or code), so runs go through a [`Hasher`]:
//!
//! - at most one run per core at a time (a semaphore), so hashing can never take the blocking
//!   pool, or the memory, that database work needs;
//! - a caller waits at most [`QUEUE_WAIT`] for a turn, then gets 503 `busy` with `Retry-After`;
//! - every run is counted ([`Hasher::runs`]), which is how the tests show that a route checks its
//!   token or code before it hashes anything.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use tokio::sync::Semaphore;

use super::error::Error;

/// How long a caller waits for a free hashing slot before the server answers 503.
pub const QUEUE_WAIT: Duration = Duration::from_secs(2);

/// A valid hash of a random password, verified against when an account does not exist so that
/// "no such user" costs the same as "wrong password" (one run either way).
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    hash_now("attend-dummy-password-never-matches").unwrap_or_default()
});

fn hash_now(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
}

fn verify_now(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// The server's argon2 runner (cheap to clone; clones share the slots and the count).
#[derive(Clone, Debug)]
pub struct Hasher {
    slots: Arc<Semaphore>,
    runs: Arc<AtomicU64>,
    wait: Duration,
}

impl Default for Hasher {
    /// One slot per core.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Self::with_slots(cores)
    }
}

impl Hasher {
    pub fn with_slots(slots: usize) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(slots.max(1))),
            runs: Arc::new(AtomicU64::new(0)),
            wait: QUEUE_WAIT,
        }
    }

    /// Argon2 runs so far.
    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::Relaxed)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        let permit = tokio::time::timeout(self.wait, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| Error::Busy { retry_after_s: 1 })?
            .map_err(|e| Error::Internal(e.into()))?;
        self.runs.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || {
            let out = work();
            drop(permit);
            out
        })
        .await
        .map_err(|e| Error::Internal(e.into()))
    }

    /// PHC-format argon2id hash (default parameters: 19 MiB, 2 passes).
    pub async fn hash(&self, password: String) -> Result<String, Error> {
        self.run(move || hash_now(&password))
            .await?
            .map_err(|e| Error::Internal(anyhow::anyhow!("hashing a password: {e}")))
    }

    /// Checks `password` against `hash`; with `None` costs the same one run and answers `false`.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, Error> {
        self.run(move || {
            if let Some(h) = hash {
                verify_now(&password, &h)
            } else {
                let _ = verify_now(&password, &DUMMY_HASH);
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
