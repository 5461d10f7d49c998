//! Where a session's paid time starts and ends: early arrival, grace, then rounding.

use jiff::tz::TimeZone;

use crate::instant::{minute_floor, offset_seconds};
use crate::pairing::{End, RawSession};
use crate::rules::{Rounding, RoundingMode, Rules};

/// Rounds `t` onto the grid of the site's wall clock. The offset in force at `t` is kept,
/// so at a DST change the result moves by less than one increment of real time.
pub(crate) fn round_local(t: i64, tz: &TimeZone, rounding: Rounding) -> i64 {
    let inc = i64::from(rounding.increment_minutes.max(1)) * 60;
    let offset = offset_seconds(t, tz);
    let local = t + offset;
    let floor = local.div_euclid(inc) * inc;
    let up = match rounding.mode {
        RoundingMode::Down => false,
        RoundingMode::Up => floor != local,
        // Half up: with whole-minute punches and 15 minutes, :07 down and :08 up.
        RoundingMode::Nearest => 2 * (local - floor) >= inc,
    };
    let rounded = if up { floor + inc } else { floor };
    rounded - offset
}

/// The paid start of a session, and its paid end unless it is still open.
///
/// Order: seconds dropped; a clock-in before the shift start moves to it (unless early
/// arrival is paid); one within the late grace moves back to it; a clock-out within the
/// early-leave grace moves to the shift end; remaining punched times are rounded.
/// Times taken from the schedule or invented by auto-close are not rounded.
pub(crate) fn paid_bounds(session: &RawSession<'_>, rules: &Rules) -> (i64, Option<i64>) {
    let tz = &rules.time_zone;
    let rounding = rules.effective_rounding();
    let round = |t: i64| rounding.map_or(t, |r| round_local(t, tz, r));
    let clock_in = minute_floor(session.clock_in);

    let mut start = match session.shift {
        Some(s) if clock_in <= s.start && !rules.pay_early_arrival => s.start,
        Some(s) if clock_in > s.start && clock_in <= s.start + rules.grace_late_seconds() => {
            s.start
        }
        _ => round(clock_in),
    };
    if let Some(s) = session.shift
        && !rules.pay_early_arrival
        && start < s.start
    {
        // Rounding down must not reach back into unpaid early-arrival time.
        start = s.start;
    }

    let end = match session.end {
        End::Open => None,
        End::AutoClosed(t) => Some(t),
        End::Punched(t) => {
            let out = minute_floor(t);
            Some(match session.shift {
                Some(s) if out < s.end && out >= s.end - rules.grace_early_seconds() => s.end,
                _ => round(out),
            })
        }
    };
    (start, end.map(|e| e.max(start)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::instant::secs;
    use jiff::civil::date;

    fn local(tz: &TimeZone, h: i8, m: i8) -> i64 {
        secs(tz.to_timestamp(date(2024, 6, 3).at(h, m, 0, 0)).unwrap())
    }

    fn r(mode: RoundingMode, increment_minutes: u32) -> Rounding {
        Rounding {
            increment_minutes,
            mode,
        }
    }

    #[test]
    fn nearest_rounds_seven_minutes_down_and_eight_up() {
        let tz = TimeZone::UTC;
        let q = r(RoundingMode::Nearest, 15);
        assert_eq!(round_local(local(&tz, 8, 7), &tz, q), local(&tz, 8, 0));
        assert_eq!(round_local(local(&tz, 8, 8), &tz, q), local(&tz, 8, 15));
    }

    #[test]
    fn up_and_down_leave_times_on_the_grid_alone() {
        let tz = TimeZone::UTC;
        for mode in [RoundingMode::Up, RoundingMode::Down, RoundingMode::Nearest] {
            assert_eq!(
                round_local(local(&tz, 8, 15), &tz, r(mode, 15)),
                local(&tz, 8, 15)
            );
        }
        assert_eq!(
            round_local(local(&tz, 8, 1), &tz, r(RoundingMode::Up, 15)),
            local(&tz, 8, 15)
        );
        assert_eq!(
            round_local(local(&tz, 8, 14), &tz, r(RoundingMode::Down, 15)),
            local(&tz, 8, 0)
        );
    }

    #[test]
    fn hourly_rounding_follows_the_local_clock_in_a_half_hour_zone() {
        // Kolkata is UTC+05:30: a local 09:10 is 03:40 UTC and must become local 09:00.
        let tz = TimeZone::get("Asia/Kolkata").unwrap();
        let rounded = round_local(local(&tz, 9, 10), &tz, r(RoundingMode::Down, 60));
        assert_eq!(rounded, local(&tz, 9, 0));
        assert_ne!(rounded.rem_euclid(3600), 0, "not on the UTC hour");
    }

    #[test]
    fn rounding_across_fall_back_moves_less_than_one_increment() {
        let tz = TimeZone::get("America/New_York").unwrap();
        // 05:50 UTC on 2024-11-03 is 01:50 EDT; the clock falls back at 06:00 UTC.
        let t = secs("2024-11-03T05:50:00Z".parse().unwrap());
        let up = round_local(t, &tz, r(RoundingMode::Up, 15));
        assert_eq!(up - t, 600);
    }
}
