//! Attendance with filters: a date range, a department, one employee, and "only people with
//! exceptions". Each employee's hours come from the engine through the attendance service
//! (which checks the range and the viewer's scope).

use attend_protocol::ids::{DepartmentId, EmployeeId};
use axum::extract::{Query, State};
use axum::response::Response;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::hours::{DayRow, TotalsRow, rows};
use crate::app::state::AppState;
use crate::dashboard::fmt::v;
use crate::dashboard::pages::Pages;
use crate::dashboard::session::Viewer;
use crate::dashboard::{or_error_page, show};

pub fn routes() -> Pages {
    Pages::new().get("/dashboard/attendance", page)
}

#[derive(Debug, Default, Deserialize)]
struct Filters {
    from: Option<Date>,
    to: Option<Date>,
    #[serde(default, deserialize_with = "crate::dashboard::fmt::empty_is_none")]
    department_id: Option<DepartmentId>,
    #[serde(default, deserialize_with = "crate::dashboard::fmt::empty_is_none")]
    employee_id: Option<EmployeeId>,
    #[serde(default)]
    exceptions_only: Option<String>,
}

#[derive(Serialize)]
struct Person {
    name: String,
    department: String,
    totals: TotalsRow,
    days: Vec<DayRow>,
}

async fn page(State(state): State<AppState>, viewer: Viewer, Query(f): Query<Filters>) -> Response {
    let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    // This week so far, Monday first, unless the filters say otherwise.
    let monday = today
        .checked_sub(i64::from(today.weekday().to_monday_zero_offset()).days())
        .unwrap_or(today);
    let (from, to) = (f.from.unwrap_or(monday), f.to.unwrap_or(today));
    let who = &viewer.caller;
    let (people, depts) = match (
        state.people.all_employees(who).await,
        state.orgs.all_departments(who).await,
    ) {
        (Ok(p), Ok(d)) => (p, d),
        (Err(e), _) | (_, Err(e)) => return or_error_page(&viewer, "attendance", e),
    };
    let dept_names: std::collections::HashMap<_, _> =
        depts.iter().map(|d| (d.id, d.name.clone())).collect();
    let exceptions_only = f.exceptions_only.is_some();
    let now = Timestamp::now();
    let mut shown = Vec::new();
    for person in people.iter().filter(|p| {
        f.employee_id.is_none_or(|id| id == p.id)
            && f.department_id.is_none_or(|d| p.department_id == Some(d))
    }) {
        let report = match state.attendance.report(who, person.id, from, to).await {
            Ok(r) => r,
            Err(e) => return or_error_page(&viewer, "attendance", e),
        };
        if exceptions_only && report.exceptions.is_empty() {
            continue;
        }
        let (days, totals) = rows(&report, now);
        shown.push(Person {
            name: person.display_name.clone(),
            department: person
                .department_id
                .and_then(|d| dept_names.get(&d).cloned())
                .unwrap_or_default(),
            totals,
            days,
        });
    }
    let choices = |id: String, name: &str| context! { id, name };
    show(
        &viewer,
        "attendance.html",
        "attendance",
        context! {
            from => from.to_string(), to => to.to_string(),
            department_id => f.department_id.map(|d| d.to_string()),
            employee_id => f.employee_id.map(|e| e.to_string()),
            exceptions_only,
            depts => depts.iter().map(|d| choices(d.id.to_string(), &d.name)).collect::<Vec<_>>(),
            people => people.iter().map(|p| choices(p.id.to_string(), &p.display_name)).collect::<Vec<_>>(),
            shown => v(&shown),
        },
    )
}
