//! What notifications read and write: jobs and the mail outbox.

use async_trait::async_trait;
use attend_protocol::ids::{EmployeeId, OrgId};
use jiff::Timestamp;

use super::{Mail, Notice, NotificationJob, Recipients};
use crate::db::{Scope, StoreResult};

#[async_trait]
pub trait NotificationStore: Send + Sync + std::fmt::Debug {
    /// Queues a notice unless the same cause was queued before; `true` if queued now.
    async fn queue_notice(
        &self,
        org: OrgId,
        notice: Notice,
        run_at: Timestamp,
    ) -> StoreResult<bool>;
    /// Queued jobs due at `now`, oldest first.
    async fn due_jobs(&self, now: Timestamp, limit: u32) -> StoreResult<Vec<NotificationJob>>;
    async fn recipients(&self, employee: EmployeeId) -> StoreResult<Recipients>;
    /// Records a success: the mails queued (in the same transaction) and the outcome. Only if
    /// the job is still queued with `attempts` tries, so two workers never both deliver it;
    /// `false` when another worker got there first (nothing written).
    async fn finish_job(
        &self,
        job: &NotificationJob,
        mails: Vec<(String, String, String)>,
        outcome: &str,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// Records a failed attempt: retried at `retry_at`, or failed for good after the last one.
    async fn fail_job(
        &self,
        job: &NotificationJob,
        error: &str,
        retry_at: Timestamp,
        now: Timestamp,
    ) -> StoreResult<bool>;
    async fn list_jobs(&self, scope: Scope, limit: u32) -> StoreResult<Vec<NotificationJob>>;

    async fn queue_mail(&self, recipient: &str, subject: &str, body: &str) -> StoreResult<()>;
    /// Unsent mail with tries left, oldest first.
    async fn unsent_mail(&self, limit: u32) -> StoreResult<Vec<Mail>>;
    /// Records a delivery (no error) or a failed try.
    async fn mark_mail(&self, id: i64, error: Option<&str>, now: Timestamp) -> StoreResult<()>;
}
