//! The leave queue by status, 100 requests a page with a link to the next, and approve, reject
//! (with a reason) and escalate, through the leave service (levels, escalation and "nobody
//! decides their own").

use attend_protocol::ids::LeaveRequestId;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use minijinja::context;
use serde::{Deserialize, Serialize};

use crate::app::state::AppState;
use crate::dashboard::fmt::v;
use crate::dashboard::pages::Pages;
use crate::dashboard::session::{Posted, Viewer};
use crate::dashboard::{done, or_error_page, show};
use crate::db::Page;
use crate::features::approvals::{ApprovalStatus, Step};
use crate::platform::extract::MAX_PAGE;

pub fn routes() -> Pages {
    Pages::new()
        .get("/dashboard/leave", queue)
        .post("/dashboard/leave/{id}/{action}", decide)
}

#[derive(Debug, Deserialize)]
struct QueueQuery {
    status: Option<ApprovalStatus>,
    /// The `next` key of the page before.
    after: Option<String>,
}

/// The queue's address: one status, from the page after `after` (the first page without).
fn queue_href(status: ApprovalStatus, after: Option<&str>) -> String {
    crate::dashboard::queue_href("/dashboard/leave", "status", status.as_str(), after)
}

#[derive(Serialize)]
struct Row {
    id: String,
    name: String,
    kind: String,
    first: String,
    last: String,
    days: u32,
    level: u8,
    note: String,
    status: &'static str,
    reason: String,
}

async fn queue(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<QueueQuery>,
) -> Response {
    let status = q.status.unwrap_or(ApprovalStatus::Pending);
    let who = &viewer.caller;
    let page = Page {
        limit: MAX_PAGE,
        after: q.after.clone(),
    };
    let (listed, people) = match (
        state.leave.list(who, Some(status), &page).await,
        state.people.all_employees(who).await,
    ) {
        (Ok(l), Ok(p)) => (l, p),
        (Err(e), _) | (_, Err(e)) => return or_error_page(&viewer, "leave", e),
    };
    let by_id: std::collections::HashMap<_, _> =
        people.into_iter().map(|e| (e.id, e.display_name)).collect();
    let next = listed.next.as_deref().map(|n| queue_href(status, Some(n)));
    let first = q.after.is_some().then(|| queue_href(status, None));
    let rows: Vec<Row> = listed
        .items
        .into_iter()
        .map(|r| Row {
            id: r.id.to_string(),
            name: by_id.get(&r.employee_id).cloned().unwrap_or_default(),
            kind: r.leave_type,
            first: r.first_day.to_string(),
            last: r.last_day.to_string(),
            days: r.days,
            level: r.review.required_level,
            note: r.note.unwrap_or_default(),
            status: r.review.status.as_str(),
            reason: r.review.decision_reason.unwrap_or_default(),
        })
        .collect();
    show(
        &viewer,
        "leave.html",
        "leave",
        context! { rows => v(&rows), status => status.as_str(), next, first },
    )
}

#[derive(Debug, Deserialize)]
struct DecisionForm {
    #[serde(default)]
    reason: String,
}

async fn decide(
    State(state): State<AppState>,
    Path((id, action)): Path<(LeaveRequestId, String)>,
    Posted(viewer, form): Posted<DecisionForm>,
) -> Response {
    let step = match action.as_str() {
        "approve" => Step::Approve,
        "reject" => Step::Reject,
        "escalate" => Step::Escalate,
        _ => {
            return done(
                "/dashboard/leave",
                Err(crate::platform::error::Error::NotFound),
            );
        }
    };
    let decided = state
        .leave
        .decide(&viewer.caller, id, step, Some(form.reason))
        .await;
    let outcome = decided.map(|r| match (step, r.review.status) {
        (Step::Approve, ApprovalStatus::Approved) => "Leave approved.".to_owned(),
        (Step::Approve, _) => "Approved at your level; it now needs a higher approver.".to_owned(),
        (Step::Reject, _) => "Leave rejected with your reason.".to_owned(),
        _ => "Escalated to the next approval level.".to_owned(),
    });
    done("/dashboard/leave", outcome)
}
