//! Outgoing e-mail. Features queue mail in the outbox inside their own transaction; this
//! worker hands queued mail to a [`MailSender`] and records the outcome, so a crash or an SMTP
//! outage never loses a message.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;

use super::Mail;
use super::store::NotificationStore;
use crate::db::StoreError;

#[async_trait]
pub trait MailSender: Send + Sync {
    async fn send(&self, mail: &Mail) -> Result<(), String>;
}

/// The default sender: writes each message to the log. Real SMTP plugs in behind the trait.
#[derive(Debug, Default)]
pub struct LoggingSender;

#[async_trait]
impl MailSender for LoggingSender {
    async fn send(&self, mail: &Mail) -> Result<(), String> {
        tracing::info!(to = %mail.recipient, subject = %mail.subject, "mail (logging sender)");
        Ok(())
    }
}

/// Delivers queued mail until `shutdown` resolves.
pub async fn run_worker(
    store: Arc<dyn NotificationStore>,
    sender: Arc<dyn MailSender>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        match deliver_batch(&store, sender.as_ref()).await {
            Ok(0) | Err(_) => {
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(2)) => {}
                    _ = shutdown.changed() => return,
                }
            }
            Ok(_) => {}
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

/// Sends up to 50 queued messages; returns how many were attempted.
pub async fn deliver_batch(
    store: &Arc<dyn NotificationStore>,
    sender: &dyn MailSender,
) -> Result<usize, StoreError> {
    let batch = store.unsent_mail(50).await?;
    for mail in &batch {
        let outcome = sender.send(mail).await;
        if let Err(error) = &outcome {
            tracing::warn!(%error, mail_id = mail.id, attempts = mail.attempts + 1, "mail delivery failed");
        }
        store
            .mark_mail(mail.id, outcome.err().as_deref(), Timestamp::now())
            .await?;
    }
    Ok(batch.len())
}
