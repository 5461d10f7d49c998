//! Payroll rows (hours per employee for one pay period) and the payroll CSV: pure, from the
//! timesheets the service reads.

use attend_protocol::ids::EmployeeId;
use serde::Serialize;
use utoipa::ToSchema;

use crate::features::timesheets::period::Period;
use crate::features::timesheets::{Status, TimesheetView};

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

/// The row of one timesheet, as payroll systems import it.
pub fn row_of(
    employee_number: String,
    name: String,
    department: Option<String>,
    sheet: &TimesheetView,
) -> PayrollRow {
    let t = &sheet.hours.totals;
    let leave_minutes: u64 = sheet
        .hours
        .leave
        .iter()
        .filter(|l| l.paid)
        .map(|l| u64::from(l.minutes))
        .sum();
    PayrollRow {
        employee_id: sheet.employee_id,
        employee_number,
        name,
        department,
        period: sheet.period,
        status: sheet.status,
        regular_minutes: t.regular_minutes,
        overtime_minutes: t.daily_overtime_minutes + t.weekly_overtime_minutes,
        leave_minutes,
        machine_minutes: t.machine_minutes.values().sum(),
        paid_minutes: t.paid_minutes + leave_minutes,
    }
}

/// Decimal hours with two places, as payroll systems import them (`510` → `8.50`).
pub fn hours(minutes: u64) -> String {
    let hundredths = (minutes * 100 + 30) / 60;
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// A cell that a spreadsheet would run as a formula gets a leading apostrophe. Leading spaces
/// are looked through (some importers trim them and then see the formula), and `|` starts a
/// DDE call in some spreadsheets.
fn cell(text: &str) -> String {
    let head = text.trim_start_matches([' ', '\u{a0}']);
    if head.starts_with(['=', '+', '-', '@', '|', '\t', '\r', '\n']) {
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
        assert_eq!(cell("  =1+1"), "'  =1+1", "behind spaces");
        assert_eq!(cell("|cmd"), "'|cmd");
        assert_eq!(cell("Ana-Maria"), "Ana-Maria", "only a leading sign counts");
    }
}
