//! Instants as whole seconds since the Unix epoch, the engine's internal time scale.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// Floors, so a pre-1970 instant with a fraction does not move forward.
pub(crate) fn secs(ts: Timestamp) -> i64 {
    let s = ts.as_second();
    if ts.subsec_nanosecond() < 0 { s - 1 } else { s }
}

/// Clamped to jiff's range: invented instants (in + max open hours) may pass its end.
pub(crate) fn to_ts(s: i64) -> Timestamp {
    let clamped = s.clamp(secs(Timestamp::MIN) + 1, secs(Timestamp::MAX));
    Timestamp::from_second(clamped).unwrap_or(Timestamp::MAX)
}

/// Durations are counted in whole minutes: seconds on a punch are dropped.
pub(crate) fn minute_floor(s: i64) -> i64 {
    s.div_euclid(60) * 60
}

/// Whole minutes of a span of seconds; never negative.
pub(crate) fn minutes(span: i64) -> u32 {
    u32::try_from(span.max(0) / 60).unwrap_or(u32::MAX)
}

pub(crate) fn local_date(s: i64, tz: &TimeZone) -> Date {
    tz.to_datetime(to_ts(s)).date()
}

pub(crate) fn offset_seconds(s: i64, tz: &TimeZone) -> i64 {
    i64::from(tz.to_offset(to_ts(s)).seconds())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn seconds_floor_before_the_epoch() {
        let ts = Timestamp::new(-5, -1).unwrap();
        assert_eq!(secs(ts), -6);
        assert_eq!(minute_floor(-1), -60);
    }

    #[test]
    fn instants_past_the_representable_range_clamp_instead_of_failing() {
        assert_eq!(to_ts(i64::MAX).as_second(), Timestamp::MAX.as_second());
        assert!(to_ts(i64::MIN) > Timestamp::MIN);
    }

    #[test]
    fn negative_spans_count_as_zero_minutes() {
        assert_eq!(minutes(-600), 0);
        assert_eq!(minutes(119), 1);
    }
}
