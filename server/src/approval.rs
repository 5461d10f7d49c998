//! The approval workflow for leave requests and timesheet corrections, as a pure state
//! machine with approval levels.
//!
//! `pending → approved | rejected | cancelled`, `approved → cancelled`. A request needs an
//! approver of at least its level (1: a manager of the employee's department, 2: an org
//! admin); a reviewer who may not or will not decide can escalate it one level up. Nobody
//! decides their own request.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
        }
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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalAction {
    Approve,
    Reject,
    Escalate,
    Cancel,
}

impl ApprovalAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Escalate => "escalate",
            Self::Cancel => "cancel",
        }
    }
}

/// The highest approval level (org admins).
pub const TOP_LEVEL: u8 = 2;

/// Who acts on a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The employee who asked.
    Owner,
    /// Someone who may review it, with their approval level.
    Reviewer { level: u8 },
}

/// What the request looks like after an allowed action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Next {
    pub status: ApprovalStatus,
    pub required_level: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("this request is already {0}")]
    Closed(&'static str),
    #[error(
        "this request needs an approver of level {needed}; yours is {yours}: escalate it instead"
    )]
    LevelTooLow { needed: u8, yours: u8 },
    #[error("only a reviewer may {0} a request, and never their own")]
    NotReviewer(&'static str),
    #[error("the request is already at the highest approval level")]
    TopLevel,
    #[error("only a reviewer may cancel an approved request")]
    ApprovedCancel,
}

/// The request after `action`, or why not.
pub fn transition(
    status: ApprovalStatus,
    required_level: u8,
    action: ApprovalAction,
    actor: Actor,
) -> Result<Next, Refusal> {
    let keep = |status| Next {
        status,
        required_level,
    };
    match (status, action, actor) {
        (ApprovalStatus::Rejected | ApprovalStatus::Cancelled, _, _) => {
            Err(Refusal::Closed(status.as_str()))
        }
        (ApprovalStatus::Approved, ApprovalAction::Cancel, Actor::Reviewer { .. }) => {
            Ok(keep(ApprovalStatus::Cancelled))
        }
        (ApprovalStatus::Approved, ApprovalAction::Cancel, Actor::Owner) => {
            Err(Refusal::ApprovedCancel)
        }
        (ApprovalStatus::Approved, _, _) => Err(Refusal::Closed("approved")),
        (ApprovalStatus::Pending, ApprovalAction::Cancel, _) => Ok(keep(ApprovalStatus::Cancelled)),
        (ApprovalStatus::Pending, _, Actor::Owner) => Err(Refusal::NotReviewer(action.as_str())),
        (ApprovalStatus::Pending, ApprovalAction::Escalate, Actor::Reviewer { .. }) => {
            if required_level >= TOP_LEVEL {
                Err(Refusal::TopLevel)
            } else {
                Ok(Next {
                    status: ApprovalStatus::Pending,
                    required_level: required_level + 1,
                })
            }
        }
        (
            ApprovalStatus::Pending,
            ApprovalAction::Approve | ApprovalAction::Reject,
            Actor::Reviewer { level },
        ) => {
            if level < required_level {
                Err(Refusal::LevelTooLow {
                    needed: required_level,
                    yours: level,
                })
            } else if action == ApprovalAction::Approve {
                Ok(keep(ApprovalStatus::Approved))
            } else {
                Ok(keep(ApprovalStatus::Rejected))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANAGER: Actor = Actor::Reviewer { level: 1 };
    const ADMIN: Actor = Actor::Reviewer { level: 2 };

    #[test]
    fn the_allowed_transitions_are_exactly_these() {
        use ApprovalAction as A;
        use ApprovalStatus as S;
        let mut allowed = Vec::new();
        for status in [S::Pending, S::Approved, S::Rejected, S::Cancelled] {
            for level in 1..=2 {
                for action in [A::Approve, A::Reject, A::Escalate, A::Cancel] {
                    for (who, actor) in [
                        ("owner", Actor::Owner),
                        ("manager", MANAGER),
                        ("admin", ADMIN),
                    ] {
                        if let Ok(next) = transition(status, level, action, actor) {
                            allowed.push((
                                status,
                                level,
                                action,
                                who,
                                next.status,
                                next.required_level,
                            ));
                        }
                    }
                }
            }
        }
        assert_eq!(
            allowed,
            vec![
                (S::Pending, 1, A::Approve, "manager", S::Approved, 1),
                (S::Pending, 1, A::Approve, "admin", S::Approved, 1),
                (S::Pending, 1, A::Reject, "manager", S::Rejected, 1),
                (S::Pending, 1, A::Reject, "admin", S::Rejected, 1),
                (S::Pending, 1, A::Escalate, "manager", S::Pending, 2),
                (S::Pending, 1, A::Escalate, "admin", S::Pending, 2),
                (S::Pending, 1, A::Cancel, "owner", S::Cancelled, 1),
                (S::Pending, 1, A::Cancel, "manager", S::Cancelled, 1),
                (S::Pending, 1, A::Cancel, "admin", S::Cancelled, 1),
                (S::Pending, 2, A::Approve, "admin", S::Approved, 2),
                (S::Pending, 2, A::Reject, "admin", S::Rejected, 2),
                (S::Pending, 2, A::Cancel, "owner", S::Cancelled, 2),
                (S::Pending, 2, A::Cancel, "manager", S::Cancelled, 2),
                (S::Pending, 2, A::Cancel, "admin", S::Cancelled, 2),
                (S::Approved, 1, A::Cancel, "manager", S::Cancelled, 1),
                (S::Approved, 1, A::Cancel, "admin", S::Cancelled, 1),
                (S::Approved, 2, A::Cancel, "manager", S::Cancelled, 2),
                (S::Approved, 2, A::Cancel, "admin", S::Cancelled, 2),
            ]
        );
    }

    #[test]
    fn refusals_say_what_to_do() {
        let e = transition(ApprovalStatus::Pending, 2, ApprovalAction::Approve, MANAGER)
            .expect_err("refused");
        assert_eq!(
            e.to_string(),
            "this request needs an approver of level 2; yours is 1: escalate it instead"
        );
        assert_eq!(
            transition(ApprovalStatus::Pending, 2, ApprovalAction::Escalate, ADMIN),
            Err(Refusal::TopLevel)
        );
        assert_eq!(
            transition(ApprovalStatus::Rejected, 1, ApprovalAction::Cancel, ADMIN),
            Err(Refusal::Closed("rejected"))
        );
        assert_eq!(
            transition(
                ApprovalStatus::Approved,
                1,
                ApprovalAction::Cancel,
                Actor::Owner
            ),
            Err(Refusal::ApprovedCancel)
        );
    }
}
