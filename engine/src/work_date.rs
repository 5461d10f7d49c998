//! The schedule resolved to real instants, and which work date an instant belongs to.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

use crate::instant::{local_date, minute_floor, secs};
use crate::rules::ScheduledShift;

/// How long before its start a shift's window opens for clock-ins.
pub(crate) const EARLY_WINDOW_SECS: i64 = 4 * 3600;

/// A scheduled shift as real instants (seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Shift {
    pub date: Date,
    pub start: i64,
    pub end: i64,
}

/// The employee's shifts, one per work date, sorted by start.
#[derive(Clone, Debug)]
pub(crate) struct Schedule {
    shifts: Vec<Shift>,
    tz: TimeZone,
}

impl Schedule {
    /// Keeps the first shift per date (by start, then end) so extra shifts cannot make
    /// the result depend on slice order; drops shifts the zone cannot place.
    pub fn new(shifts: &[ScheduledShift], tz: &TimeZone) -> Self {
        let mut sorted = shifts.to_vec();
        sorted.sort_unstable();
        sorted.dedup_by_key(|s| s.date);
        let mut resolved: Vec<Shift> = sorted.iter().filter_map(|s| resolve(s, tz)).collect();
        resolved.sort_unstable_by_key(|s| (s.start, s.date));
        Self {
            shifts: resolved,
            tz: tz.clone(),
        }
    }

    pub fn shifts(&self) -> &[Shift] {
        &self.shifts
    }

    /// The shift a clock-in at `t` starts: window `[start - 4 h, end)`. Where windows
    /// overlap, the nearest start wins (ties: the earlier date), because a clock-in
    /// begins the shift it is closest to starting.
    pub fn shift_for_clock_in(&self, t: i64) -> Option<&Shift> {
        self.shifts
            .iter()
            .filter(|s| s.start - EARLY_WINDOW_SECS <= t && t < s.end)
            .min_by_key(|s| ((t - s.start).abs(), s.date))
    }

    /// The shift a punch other than In at `t` ends: window `(start, end + 4 h]`,
    /// nearest end wins. Only used for punches that belong to no session.
    fn shift_for_other_punch(&self, t: i64) -> Option<&Shift> {
        self.shifts
            .iter()
            .filter(|s| s.start < t && t <= s.end + EARLY_WINDOW_SECS)
            .min_by_key(|s| ((t - s.end).abs(), s.date))
    }

    pub fn date_for_clock_in(&self, t: i64) -> Date {
        self.shift_for_clock_in(t)
            .map_or_else(|| local_date(t, &self.tz), |s| s.date)
    }

    pub fn date_for_other_punch(&self, t: i64) -> Date {
        self.shift_for_other_punch(t)
            .map_or_else(|| local_date(t, &self.tz), |s| s.date)
    }
}

/// Civil times resolve with the "compatible" disambiguation: a time in a spring-forward
/// gap moves forward by the gap, a time in a fall-back fold takes the first occurrence.
fn resolve(shift: &ScheduledShift, tz: &TimeZone) -> Option<Shift> {
    let start = tz
        .to_timestamp(DateTime::from_parts(shift.date, shift.start))
        .ok()?;
    let end_date = if shift.end <= shift.start {
        shift.date.tomorrow().ok()?
    } else {
        shift.date
    };
    let end = tz
        .to_timestamp(DateTime::from_parts(end_date, shift.end))
        .ok()?;
    let (start, end) = (minute_floor(secs(start)), minute_floor(secs(end)));
    // A start and end folded onto each other by a DST change would give an empty shift.
    (end > start).then_some(Shift {
        date: shift.date,
        start,
        end,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    fn at(tz: &TimeZone, d: Date, h: i8, m: i8) -> i64 {
        secs(tz.to_timestamp(d.at(h, m, 0, 0)).unwrap())
    }

    #[test]
    fn overnight_shift_ends_on_the_next_civil_day() {
        let tz = TimeZone::UTC;
        let d = date(2024, 5, 6);
        let s = Schedule::new(
            &[ScheduledShift {
                date: d,
                start: time(22, 0, 0, 0),
                end: time(6, 0, 0, 0),
            }],
            &tz,
        );
        let shift = s.shifts()[0];
        assert_eq!(shift.end - shift.start, 8 * 3600);
        assert_eq!(s.date_for_clock_in(at(&tz, d, 21, 50)), d);
    }

    #[test]
    fn clock_in_up_to_four_hours_early_belongs_to_the_shift() {
        let tz = TimeZone::UTC;
        let d = date(2024, 5, 6);
        // Starts at 01:00, so a 21:30 clock-in the evening before is still this shift.
        let s = Schedule::new(
            &[ScheduledShift {
                date: d,
                start: time(1, 0, 0, 0),
                end: time(9, 0, 0, 0),
            }],
            &tz,
        );
        assert_eq!(s.date_for_clock_in(at(&tz, date(2024, 5, 5), 21, 30)), d);
        assert_eq!(
            s.date_for_clock_in(at(&tz, date(2024, 5, 5), 20, 59)),
            date(2024, 5, 5)
        );
        assert_eq!(
            s.date_for_clock_in(at(&tz, d, 9, 0)),
            d,
            "after the window: local date"
        );
        assert!(s.shift_for_clock_in(at(&tz, d, 9, 0)).is_none());
    }

    #[test]
    fn overlapping_windows_pick_the_nearest_start() {
        let tz = TimeZone::UTC;
        let night = ScheduledShift {
            date: date(2024, 5, 6),
            start: time(22, 0, 0, 0),
            end: time(6, 0, 0, 0),
        };
        let early = ScheduledShift {
            date: date(2024, 5, 7),
            start: time(6, 0, 0, 0),
            end: time(14, 0, 0, 0),
        };
        let s = Schedule::new(&[early, night], &tz);
        assert_eq!(
            s.date_for_clock_in(at(&tz, date(2024, 5, 7), 5, 0)),
            date(2024, 5, 7)
        );
        assert_eq!(
            s.date_for_clock_in(at(&tz, date(2024, 5, 6), 23, 0)),
            date(2024, 5, 6)
        );
    }

    #[test]
    fn a_second_shift_on_the_same_date_is_ignored_whatever_the_order() {
        let tz = TimeZone::UTC;
        let a = ScheduledShift {
            date: date(2024, 5, 6),
            start: time(8, 0, 0, 0),
            end: time(16, 0, 0, 0),
        };
        let b = ScheduledShift {
            date: date(2024, 5, 6),
            start: time(12, 0, 0, 0),
            end: time(20, 0, 0, 0),
        };
        assert_eq!(
            Schedule::new(&[a, b], &tz).shifts(),
            Schedule::new(&[b, a], &tz).shifts()
        );
        assert_eq!(Schedule::new(&[b, a], &tz).shifts().len(), 1);
    }

    #[test]
    fn shift_starting_in_a_spring_forward_gap_starts_after_the_gap() {
        let tz = TimeZone::get("America/New_York").unwrap();
        let d = date(2024, 3, 10);
        let s = Schedule::new(
            &[ScheduledShift {
                date: d,
                start: time(2, 30, 0, 0),
                end: time(10, 0, 0, 0),
            }],
            &tz,
        );
        assert_eq!(s.shifts()[0].start, at(&tz, d, 3, 30));
        assert_eq!(s.shifts()[0].end - s.shifts()[0].start, 6 * 3600 + 1800);
    }
}
