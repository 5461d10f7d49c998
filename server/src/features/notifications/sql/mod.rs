//! Notification jobs in the database, and the lookups that decide who is told; [`outbox`] is the mail
//! outbox. [`queue_notice_tx`] and [`outbox::queue_mail_tx`] write inside another feature's
//! transaction (a submitted timesheet, a password reset).

pub mod outbox;
mod reviews;

pub(crate) use outbox::queue_mail_tx;

use crate::db::sql::{OptionalExtension, Row, Sql, params, race_hooks};
use async_trait::async_trait;
use attend_protocol::ids::{EmployeeId, OrgId};
use jiff::Timestamp;

use super::compose::{Mails, ReviewerLoad};
use super::store::{MailOutcome, NotificationStore, SilentKiosk};
use super::{DeadLetter, Mail, Message, Notice, NotificationJob, Recipients};
use crate::db::sql::{SqlDb, db, get_id, get_opt_ts, get_ts, opt_org, query_rows, ts};
use crate::db::{Scope, StoreError, StoreResult};

/// Attempts before a job is given up (with backoff: 1, 2, 4, 8 minutes between them).
pub(crate) const MAX_ATTEMPTS: u32 = 5;

const COLS: &str =
    "id, org_id, payload, run_at, attempts, max_attempts, status, outcome, finished_at";

fn row(r: &Row<'_>) -> rusqlite::Result<NotificationJob> {
    let payload: String = r.get(2)?;
    Ok(NotificationJob {
        id: r.get(0)?,
        org_id: get_id(r, 1)?,
        notice: serde_json::from_str(&payload).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, e.into())
        })?,
        run_at: get_ts(r, 3)?,
        attempts: r.get(4)?,
        max_attempts: r.get(5)?,
        status: r.get(6)?,
        outcome: r.get(7)?,
        finished_at: get_opt_ts(r, 8)?,
    })
}

/// Queues a notice in the caller's transaction; `false` if its cause was already queued.
pub(crate) fn queue_notice_tx(
    c: &Sql<'_>,
    org: OrgId,
    notice: &Notice,
    run_at: Timestamp,
) -> StoreResult<bool> {
    let payload = serde_json::to_string(notice).map_err(|e| StoreError::Backend(Box::new(e)))?;
    let inserted = c
        .execute(
            "INSERT INTO notification_jobs (org_id, kind, dedupe_key, payload, run_at, max_attempts, status, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7) ON CONFLICT (dedupe_key) DO NOTHING",
            params![org.to_string(), notice.kind(), notice.dedupe_key(), payload, ts(run_at), MAX_ATTEMPTS, ts(Timestamp::now())],
        )
        .map_err(db)?;
    Ok(inserted == 1)
}

#[async_trait]
impl NotificationStore for SqlDb {
    async fn queue_notice(
        &self,
        org: OrgId,
        notice: Notice,
        run_at: Timestamp,
    ) -> StoreResult<bool> {
        self.write(move |tx| queue_notice_tx(tx, org, &notice, run_at))
            .await
    }

    async fn claim_jobs(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<NotificationJob>> {
        let mut jobs = self
            .claim(move |tx| {
                let due = "status = 'queued' AND run_at <= ?1 AND (lease_until IS NULL OR lease_until <= ?1)";
                query_rows(
                    tx,
                    &format!(
                        "UPDATE notification_jobs SET lease_until = ?2
                         WHERE id IN (SELECT id FROM notification_jobs WHERE {due}
                                      ORDER BY run_at, id LIMIT ?3{})
                           AND {due}
                         RETURNING {COLS}",
                        tx.skip_locked()
                    ),
                    params![ts(now), ts(lease_until), limit],
                    row,
                )
            })
            .await?;
        // RETURNING keeps no order.
        jobs.sort_by_key(|j| (j.run_at, j.id));
        race_hooks::pause_async(race_hooks::Point::JobClaim).await;
        Ok(jobs)
    }

    async fn recipients(&self, employee: EmployeeId) -> StoreResult<Recipients> {
        self.read(move |c| {
            let (name, email, org, dept): (String, Option<String>, String, Option<String>) = c
                .query_row(
                    "SELECT display_name, COALESCE(email, (SELECT email FROM users WHERE employee_id = employees.id AND status = 'active' LIMIT 1)),
                            org_id, department_id FROM employees WHERE id = ?1 AND deleted_at IS NULL",
                    [employee.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()
                .map_err(db)?
                .ok_or(StoreError::NotFound)?;
            let reviewers = query_rows(
                c,
                "SELECT DISTINCT u.email FROM users u WHERE u.org_id = ?1 AND u.status = 'active' AND (u.role = 'org_admin'
                   OR (u.role = 'manager' AND u.id IN (SELECT user_id FROM manager_departments WHERE department_id = ?2)))
                 ORDER BY u.email",
                params![org, dept],
                |r| r.get(0),
            )?;
            Ok(Recipients { employee_name: name, employee_email: email, reviewers })
        })
        .await
    }

    async fn finish_job(
        &self,
        job: &NotificationJob,
        mails: Mails,
        outcome: &str,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let (id, attempts, outcome, org) = (job.id, job.attempts, outcome.to_owned(), job.org_id);
        self.write(move |tx| {
            let claimed = tx
                .execute(
                    "UPDATE notification_jobs SET status = 'done', attempts = attempts + 1, outcome = ?2, finished_at = ?3,
                            lease_until = NULL
                     WHERE id = ?1 AND status = 'queued' AND attempts = ?4",
                    params![id, outcome, ts(now), attempts],
                )
                .map_err(db)?;
            if claimed == 1 {
                // Due by the wall clock, whatever moment the job ran as.
                let queued_at = Timestamp::now();
                for (to, message) in &mails {
                    queue_mail_tx(tx, Some(org), to, message, queued_at)?;
                }
            }
            Ok(claimed == 1)
        })
        .await
    }

    async fn fail_job(
        &self,
        job: &NotificationJob,
        error: &str,
        retry_at: Timestamp,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let (id, attempts, error) = (job.id, job.attempts, error.to_owned());
        self.write(move |tx| {
            let claimed = tx
                .execute(
                    "UPDATE notification_jobs SET attempts = attempts + 1, outcome = ?2, run_at = ?3, lease_until = NULL,
                            status = CASE WHEN attempts + 1 >= max_attempts THEN 'failed' ELSE 'queued' END,
                            finished_at = CASE WHEN attempts + 1 >= max_attempts THEN ?4 ELSE NULL END
                     WHERE id = ?1 AND status = 'queued' AND attempts = ?5",
                    params![id, error, ts(retry_at), ts(now), attempts],
                )
                .map_err(db)?;
            Ok(claimed == 1)
        })
        .await
    }

    async fn list_jobs(&self, scope: Scope, limit: u32) -> StoreResult<Vec<NotificationJob>> {
        self.read(move |c| {
            query_rows(c, &format!("SELECT {COLS} FROM notification_jobs WHERE (?1 IS NULL OR org_id = ?1) ORDER BY id DESC LIMIT ?2"),
                params![opt_org(scope.org()), limit], row)
        })
        .await
    }

    async fn org_admins(&self, org: OrgId) -> StoreResult<Vec<String>> {
        self.read(move |c| reviews::org_admins(c, org)).await
    }

    async fn reviewer_loads(&self, org: OrgId) -> StoreResult<Vec<ReviewerLoad>> {
        self.read(move |c| reviews::reviewer_loads(c, org)).await
    }

    async fn silent_kiosks(&self, seen_before: Timestamp) -> StoreResult<Vec<SilentKiosk>> {
        self.read(move |c| reviews::silent_kiosks(c, seen_before))
            .await
    }

    async fn orgs_with_pending_reviews(&self) -> StoreResult<Vec<OrgId>> {
        self.read(reviews::orgs_with_pending_reviews).await
    }

    async fn queue_mail(&self, org: Option<OrgId>, to: &str, message: &Message) -> StoreResult<()> {
        let (to, message) = (to.to_owned(), message.clone());
        self.write(move |tx| queue_mail_tx(tx, org, &to, &message, Timestamp::now()))
            .await
    }

    async fn claim_mail(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> StoreResult<Option<Mail>> {
        self.claim(move |tx| outbox::claim(tx, now, lease_until))
            .await
    }

    async fn record_mail(
        &self,
        id: i64,
        attempts: u32,
        outcome: MailOutcome,
        now: Timestamp,
    ) -> StoreResult<bool> {
        self.write(move |tx| outbox::record(tx, id, attempts, &outcome, now))
            .await
    }

    async fn dead_letters(&self, scope: Scope, limit: u32) -> StoreResult<Vec<DeadLetter>> {
        self.read(move |c| outbox::dead_letters(c, scope, limit))
            .await
    }
}
