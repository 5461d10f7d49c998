//! The timesheet workflow as a pure state machine: `draft → submitted → approved`, and
//! `submitted → draft` when a reviewer rejects it with a reason. Approved timesheets are locked.
//! No I/O: the store applies what [`transition`] allows, in one audited transaction.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
        match text {
            "draft" => Some(Self::Draft),
            "submitted" => Some(Self::Submitted),
            "approved" => Some(Self::Approved),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Submit,
    Approve,
    Reject,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::Approve => "approve",
            Self::Reject => "reject",
        }
    }
}

/// Who is acting, as far as the workflow cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The employee the timesheet belongs to.
    Owner,
    /// A manager of the employee's department, or an admin.
    Reviewer,
}

/// Why a transition is refused; each says what to do instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("approved timesheets are locked")]
    Locked,
    #[error("the timesheet is already submitted")]
    AlreadySubmitted,
    #[error("only a submitted timesheet can be {0}: submit it first")]
    NotSubmitted(&'static str),
    #[error("only a reviewer may {0} a timesheet, and never their own")]
    NotReviewer(&'static str),
    #[error("the timesheet period has not ended yet")]
    PeriodOpen,
}

/// The status after `action`, or why not. Submitting is allowed only once the period is over,
/// because later punches would change what was submitted.
pub fn transition(
    status: Status,
    action: Action,
    actor: Actor,
    period_over: bool,
) -> Result<Status, Refusal> {
    if status == Status::Approved {
        return Err(Refusal::Locked);
    }
    match (action, status) {
        (Action::Submit, Status::Submitted) => Err(Refusal::AlreadySubmitted),
        (Action::Submit, _) if !period_over => Err(Refusal::PeriodOpen),
        (Action::Submit, _) => Ok(Status::Submitted),
        (Action::Approve | Action::Reject, _) if actor != Actor::Reviewer => {
            Err(Refusal::NotReviewer(action.as_str()))
        }
        (Action::Approve, Status::Submitted) => Ok(Status::Approved),
        (Action::Reject, Status::Submitted) => Ok(Status::Draft),
        (Action::Approve | Action::Reject, _) => Err(Refusal::NotSubmitted(past(action))),
    }
}

fn past(action: Action) -> &'static str {
    match action {
        Action::Submit => "submitted",
        Action::Approve => "approved",
        Action::Reject => "rejected",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUSES: [Status; 3] = [Status::Draft, Status::Submitted, Status::Approved];
    const ACTIONS: [Action; 3] = [Action::Submit, Action::Approve, Action::Reject];

    #[test]
    fn the_allowed_transitions_are_exactly_these() {
        let mut allowed = Vec::new();
        for status in STATUSES {
            for action in ACTIONS {
                for actor in [Actor::Owner, Actor::Reviewer] {
                    if let Ok(next) = transition(status, action, actor, true) {
                        allowed.push((status, action, actor, next));
                    }
                }
            }
        }
        use {Action as A, Actor as W, Status as S};
        assert_eq!(
            allowed,
            vec![
                (S::Draft, A::Submit, W::Owner, S::Submitted),
                (S::Draft, A::Submit, W::Reviewer, S::Submitted),
                (S::Submitted, A::Approve, W::Reviewer, S::Approved),
                (S::Submitted, A::Reject, W::Reviewer, S::Draft),
            ]
        );
    }

    #[test]
    fn every_refusal_says_why() {
        let r = |s, a, w| transition(s, a, w, true).expect_err("refused");
        assert_eq!(
            r(Status::Approved, Action::Reject, Actor::Reviewer),
            Refusal::Locked
        );
        assert_eq!(
            r(Status::Approved, Action::Submit, Actor::Owner),
            Refusal::Locked
        );
        assert_eq!(
            r(Status::Submitted, Action::Submit, Actor::Owner),
            Refusal::AlreadySubmitted
        );
        assert_eq!(
            r(Status::Draft, Action::Approve, Actor::Reviewer),
            Refusal::NotSubmitted("approved")
        );
        assert_eq!(
            r(Status::Submitted, Action::Approve, Actor::Owner),
            Refusal::NotReviewer("approve")
        );
        assert_eq!(
            transition(Status::Draft, Action::Submit, Actor::Owner, false),
            Err(Refusal::PeriodOpen)
        );
        assert_eq!(
            Refusal::NotSubmitted("approved").to_string(),
            "only a submitted timesheet can be approved: submit it first"
        );
    }
}
