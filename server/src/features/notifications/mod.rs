//! Notifications and e-mail: durable notification jobs (deduplicated, retried with backoff,
//! every outcome recorded), the hourly scan for forgotten clock-outs, and the mail outbox and
//! its sender.
//!
//! - [`compose`]: who gets which mail for a notice, and the retry backoff (pure).
//! - [`service`]: running due jobs, the scan, the worker, and the jobs list for admins.
//! - [`mail`]: the outbox worker and the [`mail::MailSender`] trait.
//! - [`api`]: the jobs route; [`store`]: the data access; [`sqlite`] implements it.
//!
//! Invariants: causes queue their notice (and features their mail) inside their own
//! transaction, so nothing is lost to a crash; a job is delivered at most once (it is claimed
//! by its attempt count); a notice is queued once per cause.

pub mod api;
pub mod compose;
pub mod mail;
pub mod service;
pub mod sqlite;
pub mod store;

use attend_protocol::ids::{EmployeeId, OrgId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use service::NotificationService;
pub use store::NotificationStore;

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

/// A queued outgoing e-mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: u32,
}
