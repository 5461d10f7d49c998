//! Reports: a pay period's payroll rows, a chart of hours per day by department (SVG, with
//! the same numbers as a table), and the payroll CSV download. The hours come from each
//! employee's timesheet (frozen once approved), exactly as the payroll export reads them.

use std::collections::BTreeMap;

use attend_protocol::ids::DepartmentId;
use axum::extract::{Query, State};
use axum::response::Response;
use jiff::Timestamp;
use jiff::civil::Date;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::api::csv_response;
use super::payroll::PayrollRow;
use super::svg::{Bar, stacked_bars};
use crate::app::state::AppState;
use crate::dashboard::fmt::{hours, v};
use crate::dashboard::pages::Pages;
use crate::dashboard::session::Viewer;
use crate::dashboard::{or_error_page, show};
use crate::features::timesheets::TimesheetView;
use crate::platform::error::Error;

pub fn routes() -> Pages {
    Pages::new()
        .get("/dashboard/reports", page)
        .get("/dashboard/reports/payroll.csv", download)
}

#[derive(Debug, Deserialize)]
struct ReportForm {
    date: Option<Date>,
    /// An empty choice means every department.
    #[serde(default, deserialize_with = "crate::dashboard::fmt::empty_is_none")]
    department_id: Option<DepartmentId>,
}

impl ReportForm {
    /// The day asked for, today when none.
    fn date(&self) -> Date {
        self.date
            .unwrap_or_else(|| Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date())
    }
}

#[derive(Serialize)]
struct Line {
    number: String,
    name: String,
    department: String,
    status: &'static str,
    regular: String,
    overtime: String,
    leave: String,
    machine: String,
    paid: String,
}

/// Worked minutes per date and department, over the rows' pay period, from the timesheets
/// the rows were summed from.
fn per_day(
    sheets: &[(PayrollRow, TimesheetView)],
) -> Result<BTreeMap<Date, BTreeMap<String, u64>>, Error> {
    let mut days: BTreeMap<Date, BTreeMap<String, u64>> = BTreeMap::new();
    for (row, sheet) in sheets {
        let mut date = row.period.start;
        while date <= row.period.end {
            days.entry(date).or_default();
            date = date.tomorrow().map_err(|e| Error::Internal(e.into()))?;
        }
        let dept = row
            .department
            .clone()
            .unwrap_or_else(|| "No department".into());
        for day in &sheet.hours.days {
            *days
                .entry(day.date)
                .or_default()
                .entry(dept.clone())
                .or_default() += u64::from(day.worked_minutes);
        }
    }
    Ok(days)
}

async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(form): Query<ReportForm>,
) -> Response {
    let (date, department) = (form.date(), form.department_id);
    let sheets = match state
        .reports
        .hours_chart(&viewer.caller, date, department)
        .await
    {
        Ok(sheets) => sheets,
        Err(e) => return or_error_page(&viewer, "reports", e),
    };
    let rows: Vec<&PayrollRow> = sheets.iter().map(|(row, _)| row).collect();
    let (days, depts) = match (
        per_day(&sheets),
        state.orgs.all_departments(&viewer.caller).await,
    ) {
        (Ok(d), Ok(p)) => (d, p),
        (Err(e), _) | (_, Err(e)) => return or_error_page(&viewer, "reports", e),
    };
    let mut series: Vec<String> = days.values().flat_map(|d| d.keys().cloned()).collect();
    series.sort();
    series.dedup();
    let bars: Vec<Bar> = days
        .iter()
        .map(|(date, by_dept)| Bar {
            label: date.strftime("%a %-d").to_string(),
            parts: by_dept
                .iter()
                .map(|(d, m)| (d.clone(), *m as f64 / 60.0))
                .collect(),
        })
        .collect();
    let period = rows
        .first()
        .map(|r| format!("{} to {}", r.period.start, r.period.end));
    let title = format!(
        "Hours worked per day{}",
        period
            .as_deref()
            .map(|p| format!(", {p}"))
            .unwrap_or_default()
    );
    let chart = stacked_bars(&title, "h", &series, &bars);
    let table: Vec<_> = days
        .iter()
        .map(|(date, by_dept)| {
            context! {
                date => date.strftime("%a %-d %b").to_string(),
                values => series.iter().map(|s| hours(by_dept.get(s).copied().unwrap_or(0))).collect::<Vec<_>>(),
                total => hours(by_dept.values().sum()),
            }
        })
        .collect();
    let lines: Vec<Line> = rows
        .iter()
        .map(|r| Line {
            number: r.employee_number.clone(),
            name: r.name.clone(),
            department: r.department.clone().unwrap_or_default(),
            status: r.status.as_str(),
            regular: hours(r.regular_minutes),
            overtime: hours(r.overtime_minutes),
            leave: hours(r.leave_minutes),
            machine: hours(r.machine_minutes),
            paid: hours(r.paid_minutes),
        })
        .collect();
    let csv = format!(
        "/dashboard/reports/payroll.csv?date={}{}",
        date,
        department
            .map(|d| format!("&department_id={d}"))
            .unwrap_or_default()
    );
    let depts: Vec<_> = depts
        .iter()
        .map(|d| context! { id => d.id.to_string(), name => d.name.clone() })
        .collect();
    show(
        &viewer,
        "reports.html",
        "reports",
        context! {
            date => date.to_string(),
            department_id => department.map(|d| d.to_string()),
            depts, period, chart, series, table, lines => v(&lines), csv,
        },
    )
}

async fn download(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(form): Query<ReportForm>,
) -> Response {
    let date = form.date();
    let rows = state
        .reports
        .payroll(&viewer.caller, date, form.department_id)
        .await;
    match rows.and_then(|rows| csv_response(&rows, date)) {
        Ok(r) => r,
        Err(e) => or_error_page(&viewer, "reports", e),
    }
}
