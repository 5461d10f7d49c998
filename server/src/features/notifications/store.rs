//! What notifications read and write: jobs and the mail outbox.

use async_trait::async_trait;
use attend_protocol::ids::{EmployeeId, OrgId};
use jiff::Timestamp;

use super::compose::{Mails, ReviewerLoad};
use super::{DeadLetter, Mail, Message, Notice, NotificationJob, Recipients};
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
    /// Claims up to `limit` queued jobs due at `now` that no other worker holds, leasing them
    /// until `lease_until`; oldest first. A job whose lease ran out (its worker died) is due
    /// again.
    async fn claim_jobs(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<NotificationJob>>;

    async fn recipients(&self, employee: EmployeeId) -> StoreResult<Recipients>;
    /// Records a success: the mails queued (in the same transaction) and the outcome. Only if
    /// the job is still queued with `attempts` tries, so two workers never both deliver it;
    /// `false` when another worker got there first (nothing written).
    async fn finish_job(
        &self,
        job: &NotificationJob,
        mails: Mails,
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

    /// The org admins' addresses (active accounts).
    async fn org_admins(&self, org: OrgId) -> StoreResult<Vec<String>>;
    /// What each reviewer of `org` has waiting for them (only those with something).
    async fn reviewer_loads(&self, org: OrgId) -> StoreResult<Vec<ReviewerLoad>>;
    /// Active kiosks last seen at or before `seen_before`: (org, id, name, last seen).
    async fn silent_kiosks(&self, seen_before: Timestamp) -> StoreResult<Vec<SilentKiosk>>;
    /// Organisations with a request waiting for review.
    async fn orgs_with_pending_reviews(&self) -> StoreResult<Vec<OrgId>>;

    async fn queue_mail(&self, org: Option<OrgId>, to: &str, message: &Message) -> StoreResult<()>;
    /// Claims the oldest due queued mail until `lease_until` (its `attempts` counts this try).
    async fn claim_mail(&self, now: Timestamp, lease_until: Timestamp)
    -> StoreResult<Option<Mail>>;
    /// Records how the claimed try `(id, attempts)` ended; `false` (nothing written) if the row
    /// is no longer that claim.
    async fn record_mail(
        &self,
        id: i64,
        attempts: u32,
        outcome: MailOutcome,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// The newest dead letters in scope.
    async fn dead_letters(&self, scope: Scope, limit: u32) -> StoreResult<Vec<DeadLetter>>;
}

/// How one try at a mail ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailOutcome {
    Sent,
    /// A temporary failure: queued again, due at `at`.
    Retry {
        error: String,
        at: Timestamp,
    },
    /// Given up: a dead letter.
    Dead {
        error: String,
    },
}

/// A kiosk that has not been heard from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SilentKiosk {
    pub org: OrgId,
    pub device_id: attend_protocol::ids::DeviceId,
    pub name: String,
    pub last_seen_at: Timestamp,
}
