//! Notification jobs: durable, deduplicated, retried with backoff, every outcome recorded.
//! Causes queue them inside their own transaction (a submitted timesheet), or the daily scan
//! does (a forgotten clock-out); `crate::notify` runs them.

use async_trait::async_trait;
use attend_protocol::ids::{EmployeeId, OrgId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Scope, StoreResult};

/// What to tell whom; the payload of a job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// A timesheet waits for review: tell the employee's managers and the org admins.
    TimesheetSubmitted {
        employee_id: EmployeeId,
        #[schema(value_type = String, format = Date)]
        period_start: jiff::civil::Date,
        #[schema(value_type = String, format = DateTime)]
        submitted_at: Timestamp,
    },
    /// A clock-out was missing and the session was closed automatically: tell the employee
    /// (if they have an e-mail) and their managers.
    MissedClockOut {
        employee_id: EmployeeId,
        #[schema(value_type = String, format = Date)]
        date: jiff::civil::Date,
    },
}

impl Notice {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::TimesheetSubmitted { .. } => "timesheet_submitted",
            Self::MissedClockOut { .. } => "missed_clock_out",
        }
    }

    /// The same cause maps to the same key, so it is notified once.
    pub fn dedupe_key(&self) -> String {
        match self {
            Self::TimesheetSubmitted {
                employee_id,
                period_start,
                submitted_at,
            } => format!("timesheet_submitted:{employee_id}:{period_start}:{submitted_at}"),
            Self::MissedClockOut { employee_id, date } => {
                format!("missed_clock_out:{employee_id}:{date}")
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NotificationJob {
    pub id: i64,
    pub org_id: OrgId,
    pub notice: Notice,
    #[schema(value_type = String, format = DateTime)]
    pub run_at: Timestamp,
    pub attempts: u32,
    pub max_attempts: u32,
    /// `queued`, `done` or `failed`.
    pub status: String,
    pub outcome: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<Timestamp>,
}

/// Who gets a notice, resolved when the job runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recipients {
    pub employee_name: String,
    pub employee_email: Option<String>,
    /// Managers of the employee's department and the org admins (active accounts).
    pub reviewers: Vec<String>,
}

#[async_trait]
pub trait NotificationStore: Send + Sync {
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
}
