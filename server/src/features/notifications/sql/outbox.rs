//! The mail outbox (`mail_outbox`, schema in `0014_mail_delivery.sql`).
//!
//! A row is `queued` until a worker records it `sent` or `dead`. Claiming is one conditional
//! UPDATE (due, unleased or lease expired; on PostgreSQL skipping rows another instance is
//! claiming, [`crate::db::sql::SqlDb::claim`]), which raises `attempts`; recording is conditional on
//! that same `attempts`, so only the current claim's outcome lands. Both terminal states set
//! `body` and `html` to NULL in the same statement.

use crate::db::sql::{OptionalExtension, Sql, params};
use jiff::Timestamp;

use super::super::store::MailOutcome;
use super::super::{DeadLetter, Mail, Message};
use crate::db::sql::{db, get_opt_id, get_ts, opt_org, query_rows, ts};
use crate::db::{Scope, StoreResult};
use attend_protocol::ids::OrgId;

/// Queues a message in the caller's transaction, due at once.
pub(crate) fn queue_mail_tx(
    tx: &Sql<'_>,
    org: Option<OrgId>,
    to: &str,
    message: &Message,
    now: Timestamp,
) -> StoreResult<()> {
    let now = ts(now);
    tx.execute(
        "INSERT INTO mail_outbox (org_id, kind, recipient, subject, body, html, status, created_at, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?7)",
        params![
            opt_org(org),
            message.kind,
            to,
            message.subject,
            message.text,
            message.html,
            now
        ],
    )
    .map_err(db)?;
    Ok(())
}

/// Whether a mail of `kind` to `to` was queued after `since` (to cap repeats to one inbox).
pub(crate) fn queued_since(
    c: &Sql<'_>,
    to: &str,
    kind: &str,
    since: Timestamp,
) -> StoreResult<bool> {
    c.query_row(
        "SELECT EXISTS (SELECT 1 FROM mail_outbox WHERE recipient = ?1 AND kind = ?2 AND created_at > ?3)",
        params![to, kind, ts(since)],
        |r| r.get(0),
    )
    .map_err(db)
}

pub(super) fn claim(
    tx: &Sql<'_>,
    now: Timestamp,
    lease_until: Timestamp,
) -> StoreResult<Option<Mail>> {
    let now = ts(now);
    let due = "status = 'queued' AND next_attempt_at <= ?1 AND (lease_until IS NULL OR lease_until <= ?1)";
    tx.query_row(
        &format!(
            "UPDATE mail_outbox SET attempts = attempts + 1, lease_until = ?2
             WHERE id = (SELECT id FROM mail_outbox WHERE {due}
                         ORDER BY next_attempt_at, id LIMIT 1{})
               AND {due}
             RETURNING id, kind, recipient, subject, body, html, attempts",
            tx.skip_locked()
        ),
        params![now, ts(lease_until)],
        |r| {
            Ok(Mail {
                id: r.get(0)?,
                kind: r.get(1)?,
                recipient: r.get(2)?,
                subject: r.get(3)?,
                body: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                html: r.get(5)?,
                attempts: r.get(6)?,
            })
        },
    )
    .optional()
    .map_err(db)
}

pub(super) fn record(
    tx: &Sql<'_>,
    id: i64,
    attempts: u32,
    outcome: &MailOutcome,
    now: Timestamp,
) -> StoreResult<bool> {
    let claim = "WHERE id = ?1 AND attempts = ?2 AND status = 'queued'";
    let changed = match outcome {
        MailOutcome::Sent => tx.execute(
            &format!(
                "UPDATE mail_outbox SET status = 'sent', sent_at = ?3, lease_until = NULL,
                        last_error = NULL, body = NULL, html = NULL {claim}"
            ),
            params![id, attempts, ts(now)],
        ),
        MailOutcome::Retry { error, at } => tx.execute(
            &format!(
                "UPDATE mail_outbox SET next_attempt_at = ?3, last_error = ?4, lease_until = NULL {claim}"
            ),
            params![id, attempts, ts(*at), error],
        ),
        MailOutcome::Dead { error } => tx.execute(
            &format!(
                "UPDATE mail_outbox SET status = 'dead', dead_at = ?3, last_error = ?4, lease_until = NULL,
                        body = NULL, html = NULL {claim}"
            ),
            params![id, attempts, ts(now), error],
        ),
    }
    .map_err(db)?;
    Ok(changed == 1)
}

pub(super) fn dead_letters(c: &Sql<'_>, scope: Scope, limit: u32) -> StoreResult<Vec<DeadLetter>> {
    query_rows(
        c,
        "SELECT id, org_id, kind, recipient, subject, attempts, last_error, created_at, dead_at
         FROM mail_outbox WHERE status = 'dead' AND (?1 IS NULL OR org_id = ?1)
         ORDER BY dead_at DESC, id DESC LIMIT ?2",
        params![opt_org(scope.org()), limit],
        |r| {
            Ok(DeadLetter {
                id: r.get(0)?,
                org_id: get_opt_id(r, 1)?,
                kind: r.get(2)?,
                recipient: r.get(3)?,
                subject: r.get(4)?,
                attempts: r.get(5)?,
                last_error: r.get(6)?,
                created_at: get_ts(r, 7)?,
                dead_at: get_ts(r, 8)?,
            })
        },
    )
}
