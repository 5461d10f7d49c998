//! Every flow's transitions, enumerated: what is allowed is exactly these rows.

use super::workflow::{
    CANDIDATE, Flow, Party, REQUEST, Refusal, Stage, State, Step, TIMESHEET, transition,
};

const MANAGER: Party = Party::Reviewer { level: 1 };
const ADMIN: Party = Party::Reviewer { level: 2 };
const STAGES: [Stage; 5] = [
    Stage::Draft,
    Stage::Pending,
    Stage::Approved,
    Stage::Rejected,
    Stage::Cancelled,
];
const STEPS: [Step; 5] = [
    Step::Submit,
    Step::Approve,
    Step::Reject,
    Step::Escalate,
    Step::Cancel,
];

type Row = (Stage, u8, Step, &'static str, Stage, u8);

/// Every allowed (stage, level, step, who) → (stage, level), starting from `stages`.
fn allowed(flow: &Flow, stages: &[Stage]) -> Vec<Row> {
    let mut rows = Vec::new();
    for &stage in stages {
        for level in 1..=flow.top_level {
            for step in STEPS {
                for (who, party) in [
                    ("owner", Party::Owner),
                    ("manager", MANAGER),
                    ("admin", ADMIN),
                ] {
                    let now = State { stage, level };
                    if let Ok(next) = transition(flow, now, step, party, Ok(())) {
                        rows.push((stage, level, step, who, next.stage, next.level));
                    }
                }
            }
        }
    }
    rows
}

#[test]
fn leave_and_corrections_allow_exactly_these_transitions() {
    use {Stage as S, Step as A};
    let stages = [S::Pending, S::Approved, S::Rejected, S::Cancelled];
    assert_eq!(
        allowed(&REQUEST, &stages),
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
fn timesheets_allow_exactly_these_transitions() {
    use {Stage as S, Step as A};
    assert_eq!(
        allowed(&TIMESHEET, &[S::Draft, S::Pending, S::Approved]),
        vec![
            (S::Draft, 1, A::Submit, "owner", S::Pending, 1),
            (S::Draft, 1, A::Submit, "manager", S::Pending, 1),
            (S::Draft, 1, A::Submit, "admin", S::Pending, 1),
            (S::Pending, 1, A::Approve, "manager", S::Approved, 1),
            (S::Pending, 1, A::Approve, "admin", S::Approved, 1),
            (S::Pending, 1, A::Reject, "manager", S::Draft, 1),
            (S::Pending, 1, A::Reject, "admin", S::Draft, 1),
        ]
    );
}

#[test]
fn enrolment_candidates_are_decided_once_by_a_reviewer() {
    use {Stage as S, Step as A};
    assert_eq!(
        allowed(&CANDIDATE, &STAGES),
        vec![
            (S::Pending, 1, A::Approve, "manager", S::Approved, 1),
            (S::Pending, 1, A::Approve, "admin", S::Approved, 1),
            (S::Pending, 1, A::Reject, "manager", S::Rejected, 1),
            (S::Pending, 1, A::Reject, "admin", S::Rejected, 1),
        ]
    );
    let own = transition(
        &CANDIDATE,
        State {
            stage: S::Pending,
            level: 1,
        },
        A::Approve,
        Party::Owner,
        Ok(()),
    );
    assert_eq!(
        own.expect_err("refused").to_string(),
        "only a reviewer may approve a candidate, and never their own"
    );
}

#[test]
fn refusals_say_what_to_do() {
    let at = |stage, level| State { stage, level };
    let refuse = |flow, now, step, party| {
        transition(flow, now, step, party, Ok(()))
            .expect_err("refused")
            .to_string()
    };
    assert_eq!(
        refuse(&REQUEST, at(Stage::Pending, 2), Step::Approve, MANAGER),
        "this request needs an approver of level 2; yours is 1: escalate it instead"
    );
    assert_eq!(
        refuse(&REQUEST, at(Stage::Pending, 2), Step::Escalate, ADMIN),
        "the request is already at the highest approval level"
    );
    assert_eq!(
        refuse(&REQUEST, at(Stage::Rejected, 1), Step::Cancel, ADMIN),
        "this request is already rejected"
    );
    assert_eq!(
        refuse(&REQUEST, at(Stage::Approved, 1), Step::Cancel, Party::Owner),
        "only a reviewer may cancel an approved request"
    );
    assert_eq!(
        refuse(&TIMESHEET, at(Stage::Approved, 1), Step::Reject, MANAGER),
        "approved timesheets are locked"
    );
    assert_eq!(
        refuse(
            &TIMESHEET,
            at(Stage::Approved, 1),
            Step::Submit,
            Party::Owner
        ),
        "approved timesheets are locked"
    );
    assert_eq!(
        refuse(
            &TIMESHEET,
            at(Stage::Pending, 1),
            Step::Submit,
            Party::Owner
        ),
        "the timesheet is already submitted"
    );
    assert_eq!(
        refuse(&TIMESHEET, at(Stage::Draft, 1), Step::Approve, MANAGER),
        "only a submitted timesheet can be approved: submit it first"
    );
    assert_eq!(
        refuse(
            &TIMESHEET,
            at(Stage::Pending, 1),
            Step::Approve,
            Party::Owner
        ),
        "only a reviewer may approve a timesheet, and never their own"
    );
    assert_eq!(
        transition(
            &TIMESHEET,
            at(Stage::Draft, 1),
            Step::Submit,
            Party::Owner,
            Err("the timesheet period has not ended yet")
        ),
        Err(Refusal::NotReady("the timesheet period has not ended yet"))
    );
}
