//! Reports built on timesheets: hours per employee and department for one pay period, the
//! payroll CSV, and labour cost with its forecast ([`labour`], [`forecast`]). Each employee's hours are their timesheet's (frozen if approved, live
//! otherwise), so the export and the timesheet screen never disagree.

pub mod forecast;
pub mod labour;

use std::collections::HashMap;

use attend_protocol::ids::{DepartmentId, EmployeeId};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use utoipa::ToSchema;

use crate::storage::{Employee, SharedStore, StoreResult, all_pages};
use crate::timesheet::period::Period;
use crate::timesheet::workflow::Status;
use crate::timesheet::{Caller, TimesheetView, view};

/// One employee's hours for one pay period, in minutes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct PayrollRow {
    pub employee_id: EmployeeId,
    pub employee_number: String,
    pub name: String,
    pub department: Option<String>,
    pub period: Period,
    pub status: Status,
    pub regular_minutes: u64,
    /// Daily and weekly overtime together.
    pub overtime_minutes: u64,
    /// Approved paid leave.
    pub leave_minutes: u64,
    /// All equipment sessions together.
    pub machine_minutes: u64,
    /// Paid work plus paid leave.
    pub paid_minutes: u64,
}

async fn all_employees(store: &SharedStore, caller: &Caller) -> StoreResult<Vec<Employee>> {
    all_pages(|page| async move {
        store
            .list_employees(caller.scope, &caller.depts, &page)
            .await
    })
    .await
}

async fn department_names(
    store: &SharedStore,
    caller: &Caller,
) -> StoreResult<HashMap<DepartmentId, String>> {
    let all =
        all_pages(|page| async move { store.list_departments(caller.scope, &page).await }).await?;
    Ok(all.into_iter().map(|d| (d.id, d.name)).collect())
}

/// The payroll rows of every active employee in scope (optionally one department) for the pay
/// period containing `date`, by employee number.
pub async fn payroll(
    store: &SharedStore,
    caller: &Caller,
    date: Date,
    department: Option<DepartmentId>,
    now: Timestamp,
) -> StoreResult<Vec<PayrollRow>> {
    let sheets = payroll_with_sheets(store, caller, date, department, now).await?;
    Ok(sheets.into_iter().map(|(row, _)| row).collect())
}

/// [`payroll`] with each row's timesheet (its days too), for callers that show more than the
/// totals: the engine runs once per employee either way.
pub async fn payroll_with_sheets(
    store: &SharedStore,
    caller: &Caller,
    date: Date,
    department: Option<DepartmentId>,
    now: Timestamp,
) -> StoreResult<Vec<(PayrollRow, TimesheetView)>> {
    let names = department_names(store, caller).await?;
    let mut rows = Vec::new();
    for e in all_employees(store, caller).await? {
        if e.status != crate::storage::EmployeeStatus::Active
            || department.is_some_and(|d| e.department_id != Some(d))
        {
            continue;
        }
        let sheet = view(store, caller, e.id, date, now).await?;
        let t = &sheet.hours.totals;
        let leave_minutes: u64 = sheet
            .hours
            .leave
            .iter()
            .filter(|l| l.paid)
            .map(|l| u64::from(l.minutes))
            .sum();
        let row = PayrollRow {
            employee_id: e.id,
            employee_number: e.employee_number,
            name: e.display_name,
            department: e.department_id.and_then(|d| names.get(&d).cloned()),
            period: sheet.period,
            status: sheet.status,
            regular_minutes: t.regular_minutes,
            overtime_minutes: t.daily_overtime_minutes + t.weekly_overtime_minutes,
            leave_minutes,
            machine_minutes: t.machine_minutes.values().sum(),
            paid_minutes: t.paid_minutes + leave_minutes,
        };
        rows.push((row, sheet));
    }
    rows.sort_by(|a, b| a.0.employee_number.cmp(&b.0.employee_number));
    Ok(rows)
}

/// Decimal hours with two places, as payroll systems import them (`510` → `8.50`).
pub fn hours(minutes: u64) -> String {
    let hundredths = (minutes * 100 + 30) / 60;
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// A cell that a spreadsheet would run as a formula gets a leading apostrophe.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The payroll CSV: a header and one line per row.
pub fn payroll_csv(rows: &[PayrollRow]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "employee_number",
        "name",
        "department",
        "period_start",
        "period_end",
        "timesheet_status",
        "regular_hours",
        "overtime_hours",
        "leave_hours",
        "machine_hours",
        "paid_hours",
    ])?;
    for r in rows {
        w.write_record([
            cell(&r.employee_number),
            cell(&r.name),
            cell(r.department.as_deref().unwrap_or("")),
            r.period.start.to_string(),
            r.period.end.to_string(),
            r.status.as_str().to_owned(),
            hours(r.regular_minutes),
            hours(r.overtime_minutes),
            hours(r.leave_minutes),
            hours(r.machine_minutes),
            hours(r.paid_minutes),
        ])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_are_decimal_with_two_places() {
        assert_eq!(hours(0), "0.00");
        assert_eq!(hours(510), "8.50");
        assert_eq!(hours(20), "0.33");
        assert_eq!(hours(2_700), "45.00");
    }

    #[test]
    fn formula_like_cells_are_defused() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("Ana"), "Ana");
    }
}
