//! Outgoing e-mail. Features queue mail in the outbox inside their own transaction; this worker
//! claims one queued message at a time, hands it to a [`MailSender`], and records the outcome.
//!
//! Invariants:
//! - **One sender per message at a time.** A claim raises the row's `attempts` and sets a
//!   lease in one conditional UPDATE; the outcome is recorded only while the row is still that
//!   claim (`id`, `attempts`), so workers on several instances never both send a row, and a
//!   worker that outlived its lease records nothing over the next one. The lease is longer than
//!   one send may take ([`RetryPolicy::lease`]).
//! - **Nothing is lost.** A crash mid-send leaves the row queued; it is claimed again when the
//!   lease runs out. (SMTP itself is at-least-once there: a crash after the server accepted the
//!   message but before the outcome was stored sends it again.)
//! - **Temporary failures wait**, doubling from `mail_retry_first_s` up to `mail_retry_max_s`;
//!   a permanent refusal (SMTP 5xx, an address that cannot be parsed) or the last allowed try
//!   makes the row a dead letter, which admins list.
//! - **Bodies do not outlive the message**: sent or dead, the text and HTML are purged, so no
//!   reset link or invite code sits in the database afterwards.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};

use super::Mail;
use super::store::{MailOutcome, NotificationStore};
use crate::config::NotificationSettings;
use crate::db::StoreError;

/// Why a message did not leave.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later: the server is unreachable, busy, or answered 4xx.
    #[error("{0}")]
    Temporary(String),
    /// Trying again cannot help: the server answered 5xx, or the message cannot be built.
    #[error("{0}")]
    Permanent(String),
}

#[async_trait]
pub trait MailSender: Send + Sync {
    async fn send(&self, mail: &Mail) -> Result<(), SendError>;
}

/// The sender without `[mail]`: writes each message to the log (not its body, which may hold
/// a reset link) and counts it sent.
#[derive(Debug, Default)]
pub struct LoggingSender;

#[async_trait]
impl MailSender for LoggingSender {
    async fn send(&self, mail: &Mail) -> Result<(), SendError> {
        tracing::info!(to = %mail.recipient, subject = %mail.subject, kind = %mail.kind, "mail (logging sender: not sent)");
        Ok(())
    }
}

/// How the worker retries and how long a claim holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    pub first: SignedDuration,
    pub max: SignedDuration,
    pub max_attempts: u32,
    /// How long a claim keeps other workers off a row: longer than one send can take.
    pub lease: SignedDuration,
}

impl RetryPolicy {
    /// From the settings; `send_timeout` is the longest the sender may take over one message.
    pub fn new(settings: &NotificationSettings, send_timeout: Duration) -> Self {
        let secs = |s: u64| SignedDuration::from_secs(i64::try_from(s).unwrap_or(i64::MAX));
        let timeout = SignedDuration::try_from(send_timeout).unwrap_or(SignedDuration::MAX);
        Self {
            first: secs(settings.mail_retry_first_s.max(1)),
            max: secs(
                settings
                    .mail_retry_max_s
                    .max(settings.mail_retry_first_s.max(1)),
            ),
            max_attempts: settings.mail_max_attempts.max(1),
            // Twice the longest send plus a minute, so a slow but live send keeps its claim.
            lease: timeout.saturating_mul(2) + SignedDuration::from_mins(1),
        }
    }

    /// The wait after the `attempts`-th failed try: first, 2·first, 4·first … capped at max.
    pub fn delay(&self, attempts: u32) -> SignedDuration {
        let doublings = attempts.saturating_sub(1).min(30);
        self.first
            .checked_mul(1_i32 << doublings)
            .unwrap_or(self.max)
            .min(self.max)
    }

    /// What to record after a try that ended with `result`.
    pub fn outcome(
        &self,
        mail: &Mail,
        result: Result<(), SendError>,
        now: Timestamp,
    ) -> MailOutcome {
        match result {
            Ok(()) => MailOutcome::Sent,
            Err(SendError::Temporary(error)) if mail.attempts < self.max_attempts => {
                MailOutcome::Retry {
                    error,
                    at: now.checked_add(self.delay(mail.attempts)).unwrap_or(now),
                }
            }
            Err(SendError::Temporary(error)) => MailOutcome::Dead {
                error: format!("gave up after {} tries: {error}", mail.attempts),
            },
            Err(SendError::Permanent(error)) => MailOutcome::Dead { error },
        }
    }
}

/// Delivers queued mail until `shutdown` flips.
pub async fn run_worker(
    store: Arc<dyn NotificationStore>,
    sender: Arc<dyn MailSender>,
    policy: RetryPolicy,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        match deliver_one(store.as_ref(), sender.as_ref(), &policy, Timestamp::now()).await {
            Ok(true) => {}
            Ok(false) => {
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(2)) => {}
                    _ = shutdown.changed() => return,
                }
            }
            Err(error) => {
                tracing::error!(%error, "mail outbox unavailable");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(5)) => {}
                    _ = shutdown.changed() => return,
                }
            }
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

/// Claims the next due message, sends it and records the outcome; `false` when none was due.
pub async fn deliver_one(
    store: &dyn NotificationStore,
    sender: &dyn MailSender,
    policy: &RetryPolicy,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let Some(mail) = store.claim_mail(now, now + policy.lease).await? else {
        return Ok(false);
    };
    let result = sender.send(&mail).await;
    let outcome = policy.outcome(&mail, result, Timestamp::now());
    match &outcome {
        MailOutcome::Sent => {
            tracing::info!(mail_id = mail.id, kind = %mail.kind, attempts = mail.attempts, "mail sent");
        }
        MailOutcome::Retry { error, at } => {
            tracing::warn!(mail_id = mail.id, attempts = mail.attempts, %error, retry_at = %at, "mail delivery failed; will retry");
        }
        MailOutcome::Dead { error } => {
            tracing::error!(mail_id = mail.id, kind = %mail.kind, attempts = mail.attempts, %error, "mail undeliverable: dead letter");
        }
    }
    if !store
        .record_mail(mail.id, mail.attempts, outcome, Timestamp::now())
        .await?
    {
        tracing::warn!(
            mail_id = mail.id,
            "mail claim expired before its outcome was recorded"
        );
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use jiff::{SignedDuration, Timestamp};

    use super::{RetryPolicy, SendError};
    use crate::features::notifications::Mail;
    use crate::features::notifications::store::MailOutcome;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            first: SignedDuration::from_secs(30),
            max: SignedDuration::from_mins(10),
            max_attempts: 4,
            lease: SignedDuration::from_mins(2),
        }
    }

    fn mail(attempts: u32) -> Mail {
        Mail {
            id: 1,
            kind: "invite".into(),
            recipient: "a@b.example".into(),
            subject: "s".into(),
            body: "b".into(),
            html: None,
            attempts,
        }
    }

    #[test]
    fn waits_double_from_the_first_and_stop_at_the_cap() {
        let waits: Vec<i64> = (1..=7).map(|n| policy().delay(n).as_secs()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 600, 600]);
        assert_eq!(policy().delay(u32::MAX).as_secs(), 600);
    }

    #[test]
    fn a_temporary_failure_retries_until_the_last_try_and_a_permanent_one_never_does() {
        let now = Timestamp::UNIX_EPOCH;
        let temp = || Err(SendError::Temporary("421 busy".into()));
        assert_eq!(
            policy().outcome(&mail(2), temp(), now),
            MailOutcome::Retry {
                error: "421 busy".into(),
                at: now + SignedDuration::from_secs(60)
            }
        );
        assert!(matches!(
            policy().outcome(&mail(4), temp(), now),
            MailOutcome::Dead { error } if error == "gave up after 4 tries: 421 busy"
        ));
        assert_eq!(
            policy().outcome(
                &mail(1),
                Err(SendError::Permanent("550 no such user".into())),
                now
            ),
            MailOutcome::Dead {
                error: "550 no such user".into()
            }
        );
        assert_eq!(policy().outcome(&mail(1), Ok(()), now), MailOutcome::Sent);
    }
}
