//! The one approval workflow that leave requests, corrections, timesheets and enrolment
//! candidates all go through: a stage, the level of reviewer it needs, who asked (the owner),
//! who decided and why, and escalation.
//!
//! - [`workflow`]: the pure state machine and each kind's [`workflow::Flow`].
//! - [`decide`]: what every service does around it: who the caller is to a request (owner or
//!   reviewer), the decision reason, refusals as errors, and the decision routes.
//! - [`requests`]: the desk for kinds of request that wait on a reviewer (leave, corrections):
//!   the queue, one employee's, and decisions, written once for all of them.
//! - [`sql`]: recording a decision with a guard on the state it was taken on; the desk's
//!   store for every kind on SQLite.
//!
//! Invariants: nobody decides their own request; a decision taken on a state that changed
//! meanwhile is refused, never applied; every decision is audited with the change.

pub mod decide;
pub mod requests;
pub mod sql;
pub mod workflow;

#[cfg(test)]
mod tests;

use attend_protocol::ids::UserId;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use workflow::{Flow, Party, Stage, State, Step};

/// Where a request (leave, a correction) stands in review: part of each such record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Review {
    pub status: ApprovalStatus,
    /// The reviewer level it needs: 1 a manager, 2 an org admin.
    pub required_level: u8,
    pub decision_reason: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<Timestamp>,
    pub decided_by: Option<UserId>,
    /// The account that filed it (the employee, or staff on their behalf).
    pub filed_by: Option<UserId>,
}

impl Review {
    /// The workflow's view of it.
    pub fn state(&self) -> State {
        State {
            stage: self.status.stage(),
            level: self.required_level,
        }
    }
}

/// A step the workflow allowed, for a store to record: from `before` to `after`, with the
/// reason given. The store refuses it if the request is no longer at `before`.
#[derive(Clone, Debug)]
pub struct Recorded<Id> {
    pub id: Id,
    pub step: Step,
    pub before: State,
    pub after: State,
    pub reason: Option<String>,
    /// The four-eyes rule the single-admin setting let this step through, if any.
    pub waived: Option<&'static str>,
}

impl<Id> Recorded<Id> {
    /// Whether it leaves `pending` for good (who decided and when are recorded then).
    pub fn decided(&self) -> bool {
        !matches!(self.after.stage, Stage::Pending | Stage::Draft)
    }
}

/// Where a leave request or a correction stands (the stages of [`workflow::REQUEST`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalStatus {
    Pending,
    Approved,
    Rejected,
    Cancelled,
}

impl ApprovalStatus {
    pub fn as_str(self) -> &'static str {
        self.stage().as_str()
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Approved,
            Self::Rejected,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    pub fn stage(self) -> Stage {
        match self {
            Self::Pending => Stage::Pending,
            Self::Approved => Stage::Approved,
            Self::Rejected => Stage::Rejected,
            Self::Cancelled => Stage::Cancelled,
        }
    }

    /// The status of a request at `stage` (a request is never a draft).
    pub fn of(stage: Stage) -> Self {
        match stage {
            Stage::Draft | Stage::Pending => Self::Pending,
            Stage::Approved => Self::Approved,
            Stage::Rejected => Self::Rejected,
            Stage::Cancelled => Self::Cancelled,
        }
    }
}
