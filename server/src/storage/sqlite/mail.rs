//! TRANSITIONAL: the mail outbox.

use async_trait::async_trait;
use jiff::Timestamp;

use super::{SqliteStore, db, ts};
use crate::storage::{Mail, MailStore, StoreResult};

#[async_trait]
impl MailStore for SqliteStore {
    async fn queue_mail(&self, recipient: &str, subject: &str, body: &str) -> StoreResult<()> {
        let (r, s, b) = (recipient.to_owned(), subject.to_owned(), body.to_owned());
        self.write(move |tx| queue_mail_tx(tx, &r, &s, &b, Timestamp::now()))
            .await
    }

    async fn unsent_mail(&self, limit: u32) -> StoreResult<Vec<Mail>> {
        self.read(move |c| {
            let mut stmt = c
                .prepare(
                    "SELECT id, recipient, subject, body, attempts FROM mail_outbox
                     WHERE sent_at IS NULL AND attempts < 10 ORDER BY id LIMIT ?1",
                )
                .map_err(db)?;
            let rows = stmt.query_map([limit], |r| {
                Ok(Mail {
                    id: r.get(0)?,
                    recipient: r.get(1)?,
                    subject: r.get(2)?,
                    body: r.get(3)?,
                    attempts: r.get(4)?,
                })
            });
            rows.map_err(db)?.collect::<Result<_, _>>().map_err(db)
        })
        .await
    }

    async fn mark_mail(&self, id: i64, error: Option<&str>, now: Timestamp) -> StoreResult<()> {
        let error = error.map(str::to_owned);
        self.write(move |tx| {
            match error {
                None => tx.execute(
                    "UPDATE mail_outbox SET sent_at = ?2, attempts = attempts + 1 WHERE id = ?1",
                    rusqlite::params![id, ts(now)],
                ),
                Some(e) => tx.execute(
                    "UPDATE mail_outbox SET last_error = ?2, attempts = attempts + 1 WHERE id = ?1",
                    rusqlite::params![id, e],
                ),
            }
            .map_err(db)?;
            Ok(())
        })
        .await
    }
}

pub(crate) fn queue_mail_tx(
    tx: &rusqlite::Transaction<'_>,
    recipient: &str,
    subject: &str,
    body: &str,
    now: Timestamp,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO mail_outbox (recipient, subject, body, created_at) VALUES (?1, ?2, ?3, ?4)",
        rusqlite::params![recipient, subject, body, ts(now)],
    )
    .map_err(db)?;
    Ok(())
}
