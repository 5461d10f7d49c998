//! Timesheets: one employee's hours for one pay period, moved through the approval workflow
//! (`draft → submitted → approved`, sent back to draft with a reason), with attachments.
//!
//! - [`period`]: pay calendars (weekly, biweekly, semimonthly, monthly) and their periods.
//! - [`service`]: a timesheet computed (live from the engine until it is approved, frozen
//!   after), and the steps of the workflow ([`crate::features::approvals::workflow::TIMESHEET`]).
//! - [`attachments`]: files attached to a period (checked by their bytes); [`blobs`]: where
//!   their bytes live (a local directory or S3).
//! - [`api`], [`attachments_api`]: the JSON routes; [`pages`]: the review queue and one
//!   timesheet.
//! - [`store`]: the data access; [`sql`] implements it (on SQLite and PostgreSQL).
//!
//! Invariants: an approved timesheet never changes (its hours are the snapshot taken at
//! approval); nobody approves or rejects their own timesheet; every step is audited in the
//! same transaction as the change; a step decided on a stale status is refused.

pub mod api;
pub mod attachments;
pub mod attachments_api;
pub mod blobs;
pub mod pages;
pub mod period;
pub mod service;
pub mod sql;
pub mod store;

use attend_protocol::ids::{AttachmentId, EmployeeId, OrgId, TimesheetId, UserId};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::features::approvals::Stage;
use crate::features::attendance::AttendanceReport;
use period::Period;

pub use service::TimesheetService;
pub use store::TimesheetStore;

/// Where a timesheet stands (the stages of the timesheet flow, by the names people use).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Submitted,
    Approved,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Approved => "approved",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Draft, Self::Submitted, Self::Approved]
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    pub fn stage(self) -> Stage {
        match self {
            Self::Draft => Stage::Draft,
            Self::Submitted => Stage::Pending,
            Self::Approved => Stage::Approved,
        }
    }

    /// The status at `stage` (the timesheet flow never rejects or cancels for good).
    pub fn of(stage: Stage) -> Self {
        match stage {
            Stage::Pending => Self::Submitted,
            Stage::Approved => Self::Approved,
            Stage::Draft | Stage::Rejected | Stage::Cancelled => Self::Draft,
        }
    }
}

/// A stored timesheet (one exists once it was first submitted).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct TimesheetRow {
    pub id: TimesheetId,
    pub org_id: OrgId,
    pub employee_id: EmployeeId,
    pub period: Period,
    pub status: Status,
    /// The reason of the last rejection, while the timesheet is back in draft.
    pub rejection_reason: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub submitted_at: Option<Timestamp>,
    pub submitted_by: Option<UserId>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<Timestamp>,
    pub decided_by: Option<UserId>,
    /// The computed hours frozen at approval (JSON), so later punches never change them.
    #[serde(skip)]
    pub snapshot: Option<String>,
}

/// A timesheet as people see it: its state and its hours.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TimesheetView {
    pub employee_id: EmployeeId,
    pub period: Period,
    pub status: Status,
    /// Approved timesheets are locked: their hours no longer follow new punches.
    pub locked: bool,
    /// The stored row, once the timesheet was first submitted.
    pub record: Option<TimesheetRow>,
    pub hours: AttendanceReport,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Attachment {
    pub id: AttachmentId,
    pub org_id: OrgId,
    pub employee_id: EmployeeId,
    #[schema(value_type = String, format = Date)]
    pub period_start: Date,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: u64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub uploaded_by: Option<UserId>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[serde(skip)]
    pub storage_key: String,
}

#[derive(Clone, Debug)]
pub struct NewAttachment {
    pub employee: EmployeeId,
    pub period: Period,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: u64,
    pub sha256: String,
    pub storage_key: String,
    /// The most bytes of attachments one employee may have in all (`attachments_quota_bytes`).
    pub quota_bytes: u64,
}
