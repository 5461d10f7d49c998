//! Leave's own rules, pure: which days count (Monday to Friday), and whether a request fits
//! (no overlap with the employee's open leave, within the year's allowance). The store applies
//! [`check_request`] inside the transaction that creates the request, so two requests at once
//! cannot both squeeze in.

use jiff::ToSpan as _;
use jiff::civil::{Date, Weekday};

use super::{LeaveType, NewLeaveRequest};

/// Monday-to-Friday dates in `[first, last]`.
pub fn working_days(first: Date, last: Date) -> impl Iterator<Item = Date> {
    first
        .series(1.day())
        .take_while(move |d| *d <= last)
        .filter(|d| !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday))
}

/// What is already booked against a new request: another open request it overlaps (its
/// range as text), and the approved and pending days of its type in its year.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Booked {
    pub overlap: Option<String>,
    pub approved_days: u32,
    pub pending_days: u32,
}

/// Days left of an allowance (none: no limit).
pub fn remaining(allowance: Option<u32>, approved: u32, pending: u32) -> Option<i64> {
    allowance.map(|a| i64::from(a) - i64::from(approved) - i64::from(pending))
}

/// Why `new` cannot be requested, or `Ok`.
pub fn check_request(
    kind: &LeaveType,
    new: &NewLeaveRequest,
    booked: &Booked,
) -> Result<(), String> {
    if let Some(other) = &booked.overlap {
        return Err(format!(
            "this overlaps the leave already requested for {other}"
        ));
    }
    if let Some(left) = remaining(kind.annual_days, booked.approved_days, booked.pending_days)
        && i64::from(new.days) > left
    {
        return Err(format!(
            "only {} day(s) of {} left in {} (approved or pending: {}); this request needs {}",
            left.max(0),
            kind.name,
            new.first_day.year(),
            booked.approved_days + booked.pending_days,
            new.days
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn working_days_skip_weekends() {
        // Friday 2026-03-27 to Tuesday 2026-03-31: Fri, Mon, Tue.
        assert_eq!(
            working_days(date(2026, 3, 27), date(2026, 3, 31)).count(),
            3
        );
        assert_eq!(
            working_days(date(2026, 3, 28), date(2026, 3, 29)).count(),
            0
        );
    }

    #[test]
    fn a_request_fits_its_allowance_or_says_how_much_is_left() {
        let kind = LeaveType {
            id: uuid::Uuid::nil().into(),
            org_id: uuid::Uuid::nil().into(),
            name: "Holiday".into(),
            paid: true,
            annual_days: Some(10),
            day_minutes: 480,
            approval_level: 1,
        };
        let new = |days| NewLeaveRequest {
            leave_type: kind.id,
            first_day: date(2026, 3, 2),
            last_day: date(2026, 3, 6),
            days,
            note: None,
        };
        let booked = Booked {
            overlap: None,
            approved_days: 4,
            pending_days: 2,
        };
        assert_eq!(check_request(&kind, &new(4), &booked), Ok(()));
        assert_eq!(
            check_request(&kind, &new(5), &booked),
            Err("only 4 day(s) of Holiday left in 2026 (approved or pending: 6); this request needs 5".into())
        );
        let overlapping = Booked {
            overlap: Some("2026-03-03 to 2026-03-04".into()),
            ..Booked::default()
        };
        assert_eq!(
            check_request(&kind, &new(1), &overlapping),
            Err("this overlaps the leave already requested for 2026-03-03 to 2026-03-04".into())
        );
        let unlimited = LeaveType {
            annual_days: None,
            ..kind.clone()
        };
        assert_eq!(check_request(&unlimited, &new(200), &booked), Ok(()));
    }
}
