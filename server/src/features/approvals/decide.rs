//! What every service does around the workflow: who the caller is to a request, the reason
//! given with a decision, and refusals as the API's errors. [`decision_routes!`] declares the
//! four decision routes of a request kind (approve, reject, escalate, cancel).

use attend_protocol::ids::EmployeeId;
use serde::Deserialize;
use utoipa::ToSchema;

use super::workflow::{Flow, Party, Refusal, Step, transition};
use super::{ApprovalStatus, Recorded, Review};
use crate::access::{Action, Caller};
use crate::db::Page;
use crate::platform::error::{AppResult, Error};
use crate::platform::extract::PageQuery;
use crate::platform::limits;

/// The body of a decision.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Required to reject; optional otherwise.
    pub reason: Option<String>,
}

/// The caller's part in a request that belongs to `owner`: its owner (whatever their role),
/// or a reviewer of their role's level. Anyone else may not see it at all.
pub fn party(caller: &Caller, owner: Option<EmployeeId>) -> AppResult<Party> {
    if owner.is_some_and(|o| caller.is(o)) {
        return Ok(Party::Owner);
    }
    caller
        .role
        .approval_level()
        .map(|level| Party::Reviewer { level })
        .ok_or(Error::NotFound)
}

/// The reason given with `step`: trimmed, at most 500 characters, required to reject.
pub fn reason(step: Step, text: Option<String>) -> AppResult<Option<String>> {
    let text = text.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
    if step == Step::Reject && text.is_none() {
        return Err(Error::field("reason", "is required to reject"));
    }
    let max = limits::NOTE.max;
    if text.as_ref().is_some_and(|r| r.chars().count() > max) {
        return Err(Error::field(
            "reason",
            format!("must be at most {max} characters"),
        ));
    }
    Ok(text)
}

/// The queue's filter and page (`limit` and `after` as every list has them: [`PageQuery`]).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatusQuery {
    #[param(inline)]
    pub status: Option<ApprovalStatus>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next` value of the previous page.
    pub after: Option<String>,
}

impl StatusQuery {
    /// The page asked for; a `limit` out of bounds is refused naming the field.
    pub fn page(&self) -> AppResult<Page> {
        PageQuery {
            limit: self.limit,
            after: self.after.clone(),
        }
        .page()
    }
}

/// `step` on a request of `owner` at `review`, as the workflow allows it for the caller: the
/// permission `action` on the owner's record, the caller's part, the reason, the next state.
#[allow(clippy::too_many_arguments)]
pub fn plan<Id>(
    caller: &Caller,
    action: Action,
    flow: &Flow,
    owner: EmployeeId,
    review: &Review,
    id: Id,
    step: Step,
    reason_text: Option<String>,
) -> AppResult<Recorded<Id>> {
    caller.permit_on(action, owner)?;
    let party = party(caller, Some(owner))?;
    // Four eyes: staff who filed a request for someone else do not approve it themselves.
    let waived = if step == Step::Approve
        && matches!(party, Party::Reviewer { .. })
        && review.filed_by == Some(caller.user_id)
    {
        caller.four_eyes("you filed this request, so another reviewer approves it")?
    } else {
        None
    };
    let reason = reason(step, reason_text)?;
    let before = review.state();
    let after = transition(flow, before, step, party, Ok(()))?;
    Ok(Recorded {
        id,
        step,
        before,
        after,
        reason,
        waived,
    })
}

/// A refused step is a conflict with the request's state; the message says what to do.
impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Self {
        Self::Conflict {
            message: refusal.to_string(),
            details: Vec::new(),
        }
    }
}

/// Declares the routes of one kind of request: its queue (`list`, filtered by status, a page at
/// a time) and its approve, reject, escalate and cancel routes, each of which parses the id and
/// the [`Decision`] body and calls the kind's request desk:
/// `app.$service.decide(caller, id, step, reason)`. The invoking module imports
/// `crate::db::Paged`: utoipa resolves a generic response body by its bare name.
#[macro_export]
macro_rules! decision_routes {
    ($service:ident, $id:ty, $record:ty, $tag:literal, $list:literal,
     $approve:literal, $reject:literal, $escalate:literal, $cancel:literal) => {
        #[utoipa::path(get, path = $list, tag = $tag, security(("bearer" = [])),
            params($crate::features::approvals::decide::StatusQuery),
            responses((status = 200, body = $crate::db::Paged<$record>, description = "in the caller's scope, newest first")))]
        pub async fn list(
            axum::extract::State(app): axum::extract::State<$crate::app::state::AppState>,
            caller: $crate::access::Caller,
            $crate::platform::extract::ApiQuery(q): $crate::platform::extract::ApiQuery<
                $crate::features::approvals::decide::StatusQuery,
            >,
        ) -> $crate::platform::error::AppResult<axum::Json<$crate::db::Paged<$record>>> {
            let page = q.page()?;
            Ok(axum::Json(app.$service.list(&caller, q.status, &page).await?))
        }

        $crate::decision_routes!(@one approve, Approve, $service, $id, $record, $tag, $approve);
        $crate::decision_routes!(@one reject, Reject, $service, $id, $record, $tag, $reject);
        $crate::decision_routes!(@one escalate, Escalate, $service, $id, $record, $tag, $escalate);
        $crate::decision_routes!(@one cancel, Cancel, $service, $id, $record, $tag, $cancel);
    };
    (@one $name:ident, $step:ident, $service:ident, $id:ty, $record:ty, $tag:literal, $path:literal) => {
        #[utoipa::path(post, path = $path, tag = $tag, security(("bearer" = [])),
            request_body = $crate::features::approvals::decide::Decision,
            responses((status = 200, body = $record), (status = 409, body = attend_protocol::error::ErrorBody)))]
        pub async fn $name(
            axum::extract::State(app): axum::extract::State<$crate::app::state::AppState>,
            caller: $crate::access::Caller,
            $crate::platform::extract::ApiPath(id): $crate::platform::extract::ApiPath<$id>,
            $crate::platform::extract::ApiJson(body): $crate::platform::extract::ApiJson<
                $crate::features::approvals::decide::Decision,
            >,
        ) -> $crate::platform::error::AppResult<axum::Json<$record>> {
            let step = $crate::features::approvals::Step::$step;
            let decided = app.$service.decide(&caller, id, step, body.reason).await?;
            Ok(axum::Json(decided))
        }
    };
}
