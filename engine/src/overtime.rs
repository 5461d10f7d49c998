//! Splitting each day's paid minutes into regular, daily overtime and weekly overtime.

use jiff::ToSpan;
use jiff::civil::Date;

use crate::rules::Overtime;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Split {
    pub regular: u32,
    pub daily: u32,
    pub weekly: u32,
}

/// `days` must be sorted by date. Daily overtime is taken first; weekly overtime then
/// converts only the regular minutes beyond the weekly threshold, in date order, so no
/// minute is overtime twice.
pub(crate) fn allocate(days: &[(Date, u32)], rules: &Overtime) -> Vec<Split> {
    let mut week: Option<Date> = None;
    let mut regular_this_week: u32 = 0;
    days.iter()
        .map(|&(date, paid)| {
            let daily = rules
                .daily_threshold_minutes
                .map_or(0, |limit| paid.saturating_sub(limit));
            let mut regular = paid - daily;

            let this_week = week_start(date, rules);
            if week != Some(this_week) {
                week = Some(this_week);
                regular_this_week = 0;
            }
            let weekly = rules.weekly_threshold_minutes.map_or(0, |limit| {
                let room = limit.saturating_sub(regular_this_week);
                regular.saturating_sub(room)
            });
            regular -= weekly;
            regular_this_week = regular_this_week.saturating_add(regular);
            Split {
                regular,
                daily,
                weekly,
            }
        })
        .collect()
}

/// The first day of the overtime week containing `date`.
fn week_start(date: Date, rules: &Overtime) -> Date {
    let back = date.weekday().since(rules.week_starts);
    date.checked_sub(i64::from(back).days()).unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{Weekday, date};

    fn rules(daily: Option<u32>, weekly: Option<u32>) -> Overtime {
        Overtime {
            daily_threshold_minutes: daily,
            weekly_threshold_minutes: weekly,
            week_starts: Weekday::Monday,
        }
    }

    /// Monday 2024-06-03 onwards, one entry per day.
    fn week(paid: &[u32]) -> Vec<(Date, u32)> {
        (0i8..)
            .zip(paid)
            .map(|(i, &p)| (date(2024, 6, 3 + i), p))
            .collect()
    }

    #[test]
    fn minutes_over_the_daily_threshold_are_daily_overtime() {
        let s = allocate(&week(&[600]), &rules(Some(480), None));
        assert_eq!(
            s[0],
            Split {
                regular: 480,
                daily: 120,
                weekly: 0
            }
        );
    }

    #[test]
    fn weekly_overtime_starts_when_regular_minutes_pass_the_threshold() {
        let s = allocate(&week(&[540; 5]), &rules(None, Some(2400)));
        assert_eq!(
            s[3],
            Split {
                regular: 540,
                daily: 0,
                weekly: 0
            }
        );
        assert_eq!(
            s[4],
            Split {
                regular: 240,
                daily: 0,
                weekly: 300
            }
        );
    }

    #[test]
    fn daily_overtime_minutes_do_not_count_towards_the_weekly_threshold() {
        let s = allocate(&week(&[540; 6]), &rules(Some(480), Some(2400)));
        let daily: u32 = s.iter().map(|x| x.daily).sum();
        let weekly: u32 = s.iter().map(|x| x.weekly).sum();
        assert_eq!((daily, weekly), (360, 480));
        assert_eq!(
            s[5],
            Split {
                regular: 0,
                daily: 60,
                weekly: 480
            }
        );
    }

    #[test]
    fn a_new_week_resets_the_weekly_count() {
        let rules = Overtime {
            week_starts: Weekday::Sunday,
            ..rules(None, Some(60))
        };
        // Saturday then Sunday: Sunday opens a new week.
        let s = allocate(&[(date(2024, 6, 8), 90), (date(2024, 6, 9), 90)], &rules);
        assert_eq!((s[0].weekly, s[1].weekly), (30, 30));
    }
}
