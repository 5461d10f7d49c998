//! Notifications and e-mail: durable notification jobs (deduplicated, retried with backoff,
//! every outcome recorded), the scans that find what to tell (forgotten clock-outs, kiosks
//! offline too long, approvals waiting), and the mail outbox with its SMTP sender.
//!
//! - [`compose`]: who gets which mail for a notice, and the jobs' retry backoff (pure).
//! - [`messages`]: every e-mail's words, as plain text and escaped HTML (pure).
//! - [`service`]: running due jobs, the worker, the jobs and dead-letter lists for admins;
//!   [`scans`]: the scans that queue notices.
//! - [`mail`]: the outbox worker (claim, send, record), its retry rule, the
//!   [`mail::MailSender`] trait; [`smtp`]: the SMTP sender.
//! - [`api`]: the routes; [`store`]: the data access; [`sql`] implements it (on SQLite and PostgreSQL).
//!
//! Invariants: causes queue their notice (and features their mail) inside their own
//! transaction, so nothing is lost to a crash; a job is delivered at most once (it is claimed
//! by its attempt count); a notice is queued once per cause. A queued mail is claimed by one
//! worker at a time (a lease), ends `sent` or `dead`, and loses its bodies when it does.

pub mod api;
pub mod compose;
pub mod mail;
pub mod messages;
pub mod scans;
pub mod service;
pub mod smtp;
pub mod sql;
pub mod store;

use attend_protocol::ids::{DeviceId, EmployeeId, OrgId};
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
    /// A kiosk has not been heard from since `last_seen_at`: tell the org admins, once per
    /// outage (the outage is named by the last time it was seen).
    KioskOffline {
        device_id: DeviceId,
        device_name: String,
        #[schema(value_type = String, format = DateTime)]
        last_seen_at: Timestamp,
    },
    /// Requests wait for review: a digest to each reviewer with something pending, at most
    /// once a day per organisation.
    ApprovalsWaiting {
        org_id: OrgId,
        #[schema(value_type = String, format = Date)]
        date: jiff::civil::Date,
    },
}

impl Notice {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::TimesheetSubmitted { .. } => "timesheet_submitted",
            Self::MissedClockOut { .. } => "missed_clock_out",
            Self::KioskOffline { .. } => "kiosk_offline",
            Self::ApprovalsWaiting { .. } => "approvals_waiting",
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
            Self::KioskOffline {
                device_id,
                last_seen_at,
                ..
            } => format!("kiosk_offline:{device_id}:{last_seen_at}"),
            Self::ApprovalsWaiting { org_id, date } => format!("approvals_waiting:{org_id}:{date}"),
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

/// An e-mail to queue: its words in both forms, and what kind of mail it is (the outbox keeps
/// the kind, so a dead letter says what was lost).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub kind: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A queued e-mail, as a worker claimed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    /// The plain-text part.
    pub body: String,
    /// The HTML alternative, when the mail has one.
    pub html: Option<String>,
    /// Tries so far, this one included (the claim counts it).
    pub attempts: u32,
}

/// A mail given up on: a permanent refusal, or out of tries. Its bodies are gone; what is left
/// says to whom, what and why, so an admin can act (correct the address, send a new invite).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeadLetter {
    pub id: i64,
    pub org_id: Option<OrgId>,
    /// `invite`, `password_reset`, `register_attempt`, `registration_received`, or a notice's
    /// kind.
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub dead_at: Timestamp,
}
