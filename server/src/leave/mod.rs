//! Leave: types with yearly allowances, requests counted in working days (Monday to Friday),
//! and the approval workflow with levels (`crate::approval`). Approved paid leave appears in
//! timesheets and payroll as leave hours, and its days raise no "absent" exception.

use jiff::ToSpan as _;
use jiff::civil::{Date, Weekday};

/// Monday-to-Friday dates in `[first, last]`.
pub fn working_days(first: Date, last: Date) -> impl Iterator<Item = Date> {
    first
        .series(1.day())
        .take_while(move |d| *d <= last)
        .filter(|d| !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    #[test]
    fn working_days_skip_weekends() {
        // Friday 2026-03-27 to Tuesday 2026-03-31: Fri, Mon, Tue.
        assert_eq!(
            super::working_days(date(2026, 3, 27), date(2026, 3, 31)).count(),
            3
        );
        assert_eq!(
            super::working_days(date(2026, 3, 28), date(2026, 3, 29)).count(),
            0
        );
    }
}
