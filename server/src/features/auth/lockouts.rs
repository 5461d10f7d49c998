//! [`Throttle`]: the lockout rule ([`super::throttle`]) applied through the auth store, shared
//! by sign-in, password resets, join codes and kiosk provisioning.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};

use super::store::AuthStore;
use super::throttle::{ThrottleRule, locked_until, lockout_error};
use crate::config::AuthSettings;
use crate::platform::error::AppResult;

/// Lockouts with the configured policy.
#[derive(Clone)]
pub struct Throttle {
    store: Arc<dyn AuthStore>,
    rule: ThrottleRule,
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle")
            .field("rule", &self.rule)
            .finish_non_exhaustive()
    }
}

impl Throttle {
    pub fn new(store: Arc<dyn AuthStore>, settings: &AuthSettings) -> Self {
        Self {
            store,
            rule: ThrottleRule {
                max: settings.max_failures,
                window: SignedDuration::from_secs(settings.failure_window_s),
                lock: SignedDuration::from_secs(settings.lockout_s),
            },
        }
    }

    /// Until when `(kind, key)` is locked, if it is.
    pub async fn locked_until(
        &self,
        kind: &str,
        key: &str,
        now: Timestamp,
    ) -> AppResult<Option<Timestamp>> {
        let current = self.store.attempts(kind, key).await?;
        Ok(locked_until(current.as_ref(), now))
    }

    /// Refuses with 429 while `(kind, key)` is locked out.
    pub async fn ensure_open(&self, kind: &str, key: &str, now: Timestamp) -> AppResult<()> {
        match self.locked_until(kind, key, now).await? {
            Some(until) => Err(lockout_error(until)),
            None => Ok(()),
        }
    }

    /// Counts one failure with the configured policy.
    pub async fn failed(&self, kind: &str, key: &str, now: Timestamp) -> AppResult<()> {
        self.failed_with(kind, key, now, self.rule).await
    }

    /// Counts one failure with another policy (the reset-request cap has its own window).
    pub async fn failed_with(
        &self,
        kind: &str,
        key: &str,
        now: Timestamp,
        rule: ThrottleRule,
    ) -> AppResult<()> {
        Ok(self.store.record_failure(kind, key, now, &rule).await?)
    }

    /// Counts an attempt before it is checked (see [`AuthStore::claim_attempt`]); 429 while
    /// `(kind, key)` is locked.
    pub async fn claim(&self, kind: &str, key: &str, now: Timestamp) -> AppResult<()> {
        self.claim_with(kind, key, now, self.rule).await
    }

    pub async fn claim_with(
        &self,
        kind: &str,
        key: &str,
        now: Timestamp,
        rule: ThrottleRule,
    ) -> AppResult<()> {
        match self.store.claim_attempt(kind, key, now, &rule).await? {
            Ok(()) => Ok(()),
            Err(until) => Err(lockout_error(until)),
        }
    }

    /// Takes back a claimed attempt that succeeded.
    pub async fn forgive(&self, kind: &str, key: &str, now: Timestamp) -> AppResult<()> {
        Ok(self.store.forgive_attempt(kind, key, now).await?)
    }

    pub async fn clear(&self, kind: &str, key: &str) -> AppResult<()> {
        Ok(self.store.clear_attempts(kind, key).await?)
    }

    /// The configured policy.
    pub fn rule(&self) -> ThrottleRule {
        self.rule
    }
}
