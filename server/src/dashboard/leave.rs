//! Leave requests: the queue by status, and approve, reject (with a reason) and escalate,
//! through the API's leave handlers (levels, escalation and "nobody decides their own").

use attend_protocol::ids::LeaveRequestId;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::lookup::{employees, names};
use super::session::{Posted, Viewer};
use super::{done, fmt::v, or_error_page, show};
use crate::approval::ApprovalStatus;
use crate::http::AppState;
use crate::platform::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::routes::leave::{self as api, Decision, StatusQuery};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard/leave", get(queue))
        .route("/dashboard/leave/{id}/{action}", post(decide))
}

#[derive(Debug, Deserialize)]
struct QueueQuery {
    status: Option<ApprovalStatus>,
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
    let listed = api::list_leave(
        State(state.clone()),
        viewer.auth.clone(),
        ApiQuery(StatusQuery {
            status: Some(status),
        }),
    )
    .await;
    let (listed, people) = match (listed, employees(&state, &viewer).await) {
        (Ok(l), Ok(p)) => (l.0, p),
        (Err(e), _) | (_, Err(e)) => return or_error_page(&viewer, "leave", e),
    };
    let by_id = names(&people);
    let rows: Vec<Row> = listed
        .into_iter()
        .map(|r| Row {
            id: r.id.to_string(),
            name: by_id.get(&r.employee_id).cloned().unwrap_or_default(),
            kind: r.leave_type,
            first: r.first_day.to_string(),
            last: r.last_day.to_string(),
            days: r.days,
            level: r.required_level,
            note: r.note.unwrap_or_default(),
            status: r.status.as_str(),
            reason: r.decision_reason.unwrap_or_default(),
        })
        .collect();
    show(
        &viewer,
        "leave.html",
        "leave",
        context! { rows => v(&rows), status => status.as_str() },
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
    let body = ApiJson(Decision {
        reason: Some(form.reason).filter(|r| !r.trim().is_empty()),
    });
    let (s, who, path) = (State(state), viewer.auth, ApiPath(id));
    let outcome = match action.as_str() {
        "approve" => api::approve(s, who, path, body)
            .await
            .map(|r| match r.0.status {
                ApprovalStatus::Approved => "Leave approved.".to_owned(),
                _ => "Approved at your level; it now needs a higher approver.".to_owned(),
            }),
        "reject" => api::reject(s, who, path, body)
            .await
            .map(|_| "Leave rejected with your reason.".to_owned()),
        "escalate" => api::escalate(s, who, path, body)
            .await
            .map(|_| "Escalated to the next approval level.".to_owned()),
        _ => Err(crate::platform::error::Error::NotFound),
    };
    done("/dashboard/leave", outcome)
}
