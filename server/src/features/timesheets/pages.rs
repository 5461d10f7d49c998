//! Timesheet review: the queue (filtered by status), one timesheet with its days, and the
//! approve and reject actions, all through the timesheets service.

use attend_protocol::ids::EmployeeId;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use jiff::civil::Date;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::Status;
use crate::app::state::AppState;
use crate::dashboard::fmt::v;
use crate::dashboard::pages::Pages;
use crate::dashboard::session::{Posted, Viewer};
use crate::dashboard::{done, or_error_page, show};
use crate::db::Page;
use crate::features::approvals::Step;
use crate::features::attendance::hours::rows;

pub fn routes() -> Pages {
    Pages::new()
        .get("/dashboard/timesheets", queue)
        .get("/dashboard/timesheets/open", open)
        .get("/dashboard/timesheets/{employee}/{date}", one)
        .post("/dashboard/timesheets/{employee}/{date}/approve", approve)
        .post("/dashboard/timesheets/{employee}/{date}/reject", reject)
}

#[derive(Debug, Deserialize)]
struct QueueQuery {
    #[serde(default)]
    status: Option<Status>,
}

#[derive(Serialize)]
struct QueueRow {
    employee_id: String,
    name: String,
    start: String,
    end: String,
    status: &'static str,
    reason: Option<String>,
}

async fn queue(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<QueueQuery>,
) -> Response {
    let status = q.status.unwrap_or(Status::Submitted);
    let who = &viewer.caller;
    let page = Page {
        limit: 100,
        after: None,
    };
    let (listed, people) = match (
        state.timesheets.list(who, Some(status), &page).await,
        state.people.all_employees(who).await,
    ) {
        (Ok(l), Ok(p)) => (l, p),
        (Err(e), _) | (_, Err(e)) => return or_error_page(&viewer, "timesheets", e),
    };
    let by_id: std::collections::HashMap<_, _> = people
        .iter()
        .map(|e| (e.id, e.display_name.clone()))
        .collect();
    let items: Vec<QueueRow> = listed
        .items
        .into_iter()
        .map(|t| QueueRow {
            employee_id: t.employee_id.to_string(),
            name: by_id.get(&t.employee_id).cloned().unwrap_or_default(),
            start: t.period.start.to_string(),
            end: t.period.end.to_string(),
            status: t.status.as_str(),
            reason: t.rejection_reason,
        })
        .collect();
    let people: Vec<_> = people
        .iter()
        .map(|e| context! { id => e.id.to_string(), name => e.display_name.clone() })
        .collect();
    let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    show(
        &viewer,
        "timesheets.html",
        "timesheets",
        context! { items => v(&items), status => status.as_str(), people, today => today.to_string() },
    )
}

#[derive(Debug, Deserialize)]
struct OpenQuery {
    employee: EmployeeId,
    date: Date,
}

/// The "open any timesheet" form: a GET with the choice, answered with the timesheet's address.
async fn open(_viewer: Viewer, Query(q): Query<OpenQuery>) -> Response {
    Redirect::to(&format!("/dashboard/timesheets/{}/{}", q.employee, q.date)).into_response()
}

async fn one(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((employee, date)): Path<(EmployeeId, Date)>,
) -> Response {
    let sheet = state.timesheets.view(&viewer.caller, employee, date).await;
    let person = state.people.get_employee(&viewer.caller, employee).await;
    let (sheet, person) = match (sheet, person) {
        (Ok(s), Ok(p)) => (s, p),
        (Err(e), _) | (_, Err(e)) => return or_error_page(&viewer, "timesheets", e),
    };
    let (days, totals) = rows(&sheet.hours, Timestamp::now());
    let own = viewer.caller.is(employee);
    let base = format!("/dashboard/timesheets/{employee}/{}", sheet.period.start);
    show(
        &viewer,
        "timesheet.html",
        "timesheets",
        context! {
            name => person.display_name,
            start => sheet.period.start.to_string(),
            end => sheet.period.end.to_string(),
            status => sheet.status.as_str(),
            reason => sheet.record.as_ref().and_then(|r| r.rejection_reason.clone()),
            can_decide => sheet.status == Status::Submitted && !own,
            zone => sheet.hours.time_zone,
            days => v(&days), totals => v(&totals), base,
        },
    )
}

#[derive(Debug, Deserialize)]
struct NoFields {}

async fn approve(
    State(state): State<AppState>,
    Path((employee, date)): Path<(EmployeeId, Date)>,
    Posted(viewer, NoFields {}): Posted<NoFields>,
) -> Response {
    let back = format!("/dashboard/timesheets/{employee}/{date}");
    let outcome = state
        .timesheets
        .decide(&viewer.caller, employee, date, Step::Approve, None)
        .await
        .map(|_| "Timesheet approved; its hours are now locked.".to_owned());
    done(&back, outcome)
}

#[derive(Debug, Deserialize)]
struct RejectForm {
    #[serde(default)]
    reason: String,
}

async fn reject(
    State(state): State<AppState>,
    Path((employee, date)): Path<(EmployeeId, Date)>,
    Posted(viewer, form): Posted<RejectForm>,
) -> Response {
    let back = format!("/dashboard/timesheets/{employee}/{date}");
    let outcome = state
        .timesheets
        .decide(
            &viewer.caller,
            employee,
            date,
            Step::Reject,
            Some(form.reason),
        )
        .await
        .map(|_| "Timesheet sent back to the employee with your reason.".to_owned());
    done(&back, outcome)
}
