//! The approval workflow as a pure state machine, one for every kind of request: leave,
//! corrections, timesheets and enrolment candidates differ only in their [`Flow`].
//!
//! ```text
//! draft ──submit──▶ pending ──approve──▶ approved ──cancel (reviewer)──▶ cancelled
//!                      │  └──reject──▶ rejected (or back to draft, if the flow reopens)
//!                      ├──escalate──▶ pending, one level up (up to the flow's top level)
//!                      └──cancel──▶ cancelled
//! ```
//!
//! A request needs a reviewer of at least its level (1: a manager of the employee's
//! department, 2: an org admin); a reviewer who may not or will not decide can escalate it.
//! Nobody decides their own request: the employee it belongs to is its owner, whatever their
//! role.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Draft,
    Pending,
    Approved,
    Rejected,
    Cancelled,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
        }
    }
}

/// What someone does to a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Submit,
    Approve,
    Reject,
    Escalate,
    Cancel,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Escalate => "escalate",
            Self::Cancel => "cancel",
        }
    }

    fn past(self) -> &'static str {
        match self {
            Self::Submit => "submitted",
            Self::Approve => "approved",
            Self::Reject => "rejected",
            Self::Escalate => "escalated",
            Self::Cancel => "cancelled",
        }
    }
}

/// Who acts on a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    /// The employee it belongs to.
    Owner,
    /// Someone who may review it, with their approval level.
    Reviewer { level: u8 },
}

/// What sets one kind of request apart. The flags are independent properties of a flow, so
/// they stay flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)]
pub struct Flow {
    /// What refusals call it: "request", "timesheet", "enrolment candidate".
    pub noun: &'static str,
    /// The highest approval level; 1 means it cannot be escalated.
    pub top_level: u8,
    /// It starts as a draft that its owner (or a reviewer for them) submits; otherwise it is
    /// pending from the start.
    pub drafts: bool,
    /// A rejection sends it back to draft, to be submitted again (instead of closing it).
    pub reject_reopens: bool,
    /// The owner may cancel it while pending, and a reviewer even once approved.
    pub cancellable: bool,
    /// An approved one is locked, and refusals say so.
    pub locks: bool,
}

/// The highest approval level (org admins).
pub const TOP_LEVEL: u8 = 2;

/// Leave requests and corrections: two levels, cancellable, closed by a decision.
pub const REQUEST: Flow = Flow {
    noun: "request",
    top_level: TOP_LEVEL,
    drafts: false,
    reject_reopens: false,
    cancellable: true,
    locks: false,
};

/// Timesheets: one level, drafted and submitted by their owner (or a reviewer for them), sent
/// back to draft by a rejection, locked once approved.
pub const TIMESHEET: Flow = Flow {
    noun: "timesheet",
    top_level: 1,
    drafts: true,
    reject_reopens: true,
    cancellable: false,
    locks: true,
};

/// Enrolment candidates (a face captured at a kiosk or from uploaded photos): one level,
/// decided once.
pub const CANDIDATE: Flow = Flow {
    noun: "candidate",
    top_level: 1,
    drafts: false,
    reject_reopens: false,
    cancellable: false,
    locks: false,
};

/// A request where it stands: its stage and the level of reviewer it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct State {
    pub stage: Stage,
    pub level: u8,
}

/// Why a step is refused; each says what to do instead.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("this {noun} is already {stage}")]
    Closed {
        noun: &'static str,
        stage: &'static str,
    },
    #[error("approved {noun}s are locked")]
    Locked { noun: &'static str },
    #[error("the {noun} is already submitted")]
    AlreadySubmitted { noun: &'static str },
    #[error("only a submitted {noun} can be {past}: submit it first")]
    NotSubmitted {
        noun: &'static str,
        past: &'static str,
    },
    #[error("only a reviewer may {step} a {noun}, and never their own")]
    NotReviewer {
        noun: &'static str,
        step: &'static str,
    },
    #[error(
        "this {noun} needs an approver of level {needed}; yours is {yours}: escalate it instead"
    )]
    LevelTooLow {
        noun: &'static str,
        needed: u8,
        yours: u8,
    },
    #[error("the {noun} is already at the highest approval level")]
    TopLevel { noun: &'static str },
    #[error("only a reviewer may cancel an approved {noun}")]
    ApprovedCancel { noun: &'static str },
    #[error("a {noun} cannot be {past}")]
    NotInFlow {
        noun: &'static str,
        past: &'static str,
    },
    /// The flow's own precondition for submitting (a timesheet's period must be over).
    #[error("{0}")]
    NotReady(&'static str),
}

/// The state after `step`, or why not. `ready` is the flow's own precondition for submitting
/// (`Err` with its message when not met).
pub fn transition(
    flow: &Flow,
    now: State,
    step: Step,
    party: Party,
    ready: Result<(), &'static str>,
) -> Result<State, Refusal> {
    let noun = flow.noun;
    let go = |stage| State {
        stage,
        level: now.level,
    };
    if flow.locks && now.stage == Stage::Approved {
        return Err(Refusal::Locked { noun });
    }
    match (now.stage, step, party) {
        (Stage::Rejected | Stage::Cancelled, _, _) => Err(Refusal::Closed {
            noun,
            stage: now.stage.as_str(),
        }),
        (_, Step::Cancel, _) if !flow.cancellable => Err(Refusal::NotInFlow {
            noun,
            past: step.past(),
        }),
        (Stage::Approved, Step::Cancel, Party::Reviewer { .. }) => Ok(go(Stage::Cancelled)),
        (Stage::Approved, Step::Cancel, Party::Owner) => Err(Refusal::ApprovedCancel { noun }),
        (Stage::Approved, _, _) => Err(Refusal::Closed {
            noun,
            stage: "approved",
        }),
        (Stage::Pending, Step::Submit, _) => Err(Refusal::AlreadySubmitted { noun }),
        (_, Step::Submit, _) if !flow.drafts => Err(Refusal::NotInFlow {
            noun,
            past: step.past(),
        }),
        (Stage::Draft, Step::Submit, _) => ready
            .map(|()| go(Stage::Pending))
            .map_err(Refusal::NotReady),
        (_, Step::Cancel, _) => Ok(go(Stage::Cancelled)),
        (_, _, Party::Owner) => Err(Refusal::NotReviewer {
            noun,
            step: step.as_str(),
        }),
        (Stage::Draft, _, _) => Err(Refusal::NotSubmitted {
            noun,
            past: step.past(),
        }),
        (Stage::Pending, Step::Escalate, Party::Reviewer { .. }) => {
            if now.level >= flow.top_level {
                Err(Refusal::TopLevel { noun })
            } else {
                Ok(State {
                    stage: Stage::Pending,
                    level: now.level + 1,
                })
            }
        }
        (Stage::Pending, Step::Approve | Step::Reject, Party::Reviewer { level }) => {
            if level < now.level {
                Err(Refusal::LevelTooLow {
                    noun,
                    needed: now.level,
                    yours: level,
                })
            } else if step == Step::Approve {
                Ok(go(Stage::Approved))
            } else if flow.reject_reopens {
                Ok(go(Stage::Draft))
            } else {
                Ok(go(Stage::Rejected))
            }
        }
    }
}
