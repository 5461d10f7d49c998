//! Pay periods: which dates one timesheet covers. Pure date arithmetic.

use jiff::ToSpan as _;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PayCalendarKind {
    Weekly,
    Biweekly,
    /// The 1st to the 15th, and the 16th to the month's end.
    Semimonthly,
    Monthly,
}

impl PayCalendarKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Weekly => "weekly",
            Self::Biweekly => "biweekly",
            Self::Semimonthly => "semimonthly",
            Self::Monthly => "monthly",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Weekly,
            Self::Biweekly,
            Self::Semimonthly,
            Self::Monthly,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// An organisation's pay calendar. `anchor` is the first day of any one period; weekly and
/// biweekly periods repeat from it in both directions, the others ignore it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayCalendar {
    pub kind: PayCalendarKind,
    #[schema(value_type = String, format = Date)]
    pub anchor: Date,
}

impl Default for PayCalendar {
    fn default() -> Self {
        Self {
            kind: PayCalendarKind::Monthly,
            anchor: jiff::civil::date(2026, 1, 1),
        }
    }
}

/// A pay period: its first and last date (inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Period {
    #[schema(value_type = String, format = Date)]
    pub start: Date,
    #[schema(value_type = String, format = Date)]
    pub end: Date,
}

impl PayCalendar {
    /// The period that contains `date`.
    pub fn period_containing(&self, date: Date) -> Period {
        let span = |start: Date, days: i64| Period {
            start,
            end: start.checked_add((days - 1).days()).unwrap_or(Date::MAX),
        };
        match self.kind {
            PayCalendarKind::Monthly => Period {
                start: date.first_of_month(),
                end: date.last_of_month(),
            },
            PayCalendarKind::Semimonthly if date.day() <= 15 => Period {
                start: date.first_of_month(),
                end: date.first_of_month().checked_add(14.days()).unwrap_or(date),
            },
            PayCalendarKind::Semimonthly => Period {
                start: date.first_of_month().checked_add(15.days()).unwrap_or(date),
                end: date.last_of_month(),
            },
            PayCalendarKind::Weekly | PayCalendarKind::Biweekly => {
                let length: i64 = if self.kind == PayCalendarKind::Weekly {
                    7
                } else {
                    14
                };
                let days = date
                    .since(self.anchor)
                    .map_or(0, |s| i64::from(s.get_days()));
                let offset = days.rem_euclid(length);
                let start = date.checked_sub(offset.days()).unwrap_or(date);
                span(start, length)
            }
        }
    }

    /// The first of `locked` (periods of submitted or approved timesheets) that this calendar
    /// would cut differently, if any. A calendar may only change when there is none: an
    /// approved period must never be reopened or resized under its payroll.
    pub fn recuts<'a>(&self, locked: &'a [Period]) -> Option<&'a Period> {
        locked
            .iter()
            .find(|p| self.period_containing(p.start) != **p)
    }

    /// Whether `date` is the first day of a period (what timesheet URLs are keyed by).
    pub fn is_period_start(&self, date: Date) -> bool {
        self.period_containing(date).start == date
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn cal(kind: PayCalendarKind) -> PayCalendar {
        PayCalendar {
            kind,
            anchor: date(2026, 1, 5), // a Monday
        }
    }

    #[test]
    fn a_calendar_that_would_recut_a_locked_period_is_found() {
        let month = Period {
            start: date(2026, 2, 1),
            end: date(2026, 2, 28),
        };
        assert_eq!(cal(PayCalendarKind::Monthly).recuts(&[month]), None);
        assert_eq!(cal(PayCalendarKind::Weekly).recuts(&[month]), Some(&month));
        let first_half = Period {
            start: date(2026, 2, 1),
            end: date(2026, 2, 15),
        };
        assert_eq!(
            cal(PayCalendarKind::Semimonthly).recuts(&[first_half]),
            None
        );
        assert_eq!(
            cal(PayCalendarKind::Monthly).recuts(&[first_half]),
            Some(&first_half)
        );
    }

    #[test]
    fn periods_cover_the_expected_dates() {
        let p = |k, d| {
            let p = cal(k).period_containing(d);
            (p.start, p.end)
        };
        assert_eq!(
            p(PayCalendarKind::Monthly, date(2028, 2, 14)),
            (date(2028, 2, 1), date(2028, 2, 29))
        );
        assert_eq!(
            p(PayCalendarKind::Semimonthly, date(2026, 4, 15)),
            (date(2026, 4, 1), date(2026, 4, 15))
        );
        assert_eq!(
            p(PayCalendarKind::Semimonthly, date(2026, 4, 16)),
            (date(2026, 4, 16), date(2026, 4, 30))
        );
        assert_eq!(
            p(PayCalendarKind::Weekly, date(2026, 3, 29)),
            (date(2026, 3, 23), date(2026, 3, 29))
        );
        assert_eq!(
            p(PayCalendarKind::Biweekly, date(2026, 1, 18)),
            (date(2026, 1, 5), date(2026, 1, 18))
        );
        // Before the anchor too.
        assert_eq!(
            p(PayCalendarKind::Biweekly, date(2026, 1, 4)),
            (date(2025, 12, 22), date(2026, 1, 4))
        );
    }

    proptest::proptest! {
        #[test]
        fn every_date_is_in_exactly_its_own_period(days in -2000i32..2000, kind in 0usize..4) {
            let kinds = [PayCalendarKind::Weekly, PayCalendarKind::Biweekly, PayCalendarKind::Semimonthly, PayCalendarKind::Monthly];
            let c = cal(kinds[kind]);
            let d = date(2026, 1, 5).checked_add(days.days()).expect("date");
            let p = c.period_containing(d);
            proptest::prop_assert!(p.start <= d && d <= p.end);
            proptest::prop_assert!(c.is_period_start(p.start));
            // The next period starts the day after this one ends.
            let next = p.end.tomorrow().expect("date");
            proptest::prop_assert_eq!(c.period_containing(next).start, next);
        }
    }
}
