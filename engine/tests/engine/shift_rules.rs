//! Schedule-relative rules: grace, early arrival, absence, and rounding.

use super::common::{local, rules, shift, worked, zone};
use super::support::{graced, kinds, paid, rounded, run};
use attend_engine::{ExceptionKind, RoundingMode, Rules};

#[test]
fn a_late_arrival_within_grace_is_paid_from_shift_start_and_not_flagged() {
    let tz = zone("UTC");
    let p = worked(&tz, "a", "2024-06-03 08:05", "2024-06-03 16:55");
    let out = run(&p, &[shift("2024-06-03", "08:00", "17:00")], &graced(&tz));
    assert_eq!(paid(&out, "2024-06-03"), 540);
    assert!(out.exceptions.is_empty(), "{:?}", out.exceptions);
}

#[test]
fn late_arrival_and_early_leave_beyond_grace_are_flagged_with_their_minutes() {
    let tz = zone("UTC");
    let p = worked(&tz, "a", "2024-06-03 08:06", "2024-06-03 16:50");
    let out = run(&p, &[shift("2024-06-03", "08:00", "17:00")], &graced(&tz));
    assert_eq!(paid(&out, "2024-06-03"), 524);
    assert_eq!(
        kinds(&out),
        [
            ExceptionKind::LateArrival { minutes: 6 },
            ExceptionKind::EarlyLeave { minutes: 10 }
        ]
    );
    assert_eq!(
        (
            out.exceptions[0].punch_ids[0].as_str(),
            out.exceptions[1].punch_ids[0].as_str()
        ),
        ("a-in", "a-out")
    );
}

#[test]
fn early_arrival_is_unpaid_unless_the_site_pays_it() {
    let tz = zone("UTC");
    let p = worked(&tz, "a", "2024-06-03 07:30", "2024-06-03 17:00");
    let shifts = [shift("2024-06-03", "08:00", "17:00")];
    assert_eq!(paid(&run(&p, &shifts, &rules(&tz)), "2024-06-03"), 540);
    let paying = Rules {
        pay_early_arrival: true,
        ..rules(&tz)
    };
    assert_eq!(paid(&run(&p, &shifts, &paying), "2024-06-03"), 570);
}

#[test]
fn a_scheduled_shift_with_no_punches_is_an_absence() {
    let tz = zone("UTC");
    let out = run(&[], &[shift("2024-06-03", "08:00", "17:00")], &rules(&tz));
    assert_eq!(kinds(&out), [ExceptionKind::Absent]);
}

#[test]
fn rounding_to_quarter_hours_in_kathmandu_follows_the_local_clock() {
    // +05:45: local 08:07 is 02:22 UTC.
    let tz = zone("Asia/Kathmandu");
    let p = worked(&tz, "a", "2024-06-03 08:07", "2024-06-03 16:53");
    let span = |mode| {
        let s = &run(&p, &[], &rounded(&tz, mode, 15)).days[0].sessions[0];
        (s.start, s.end.unwrap(), s.paid_minutes)
    };
    let t = |civil| local(&tz, civil);
    assert_eq!(
        span(RoundingMode::Nearest),
        (t("2024-06-03 08:00"), t("2024-06-03 17:00"), 540)
    );
    assert_eq!(
        span(RoundingMode::Up),
        (t("2024-06-03 08:15"), t("2024-06-03 17:00"), 525)
    );
    assert_eq!(
        span(RoundingMode::Down),
        (t("2024-06-03 08:00"), t("2024-06-03 16:45"), 525)
    );
}

#[test]
fn half_hour_rounding_in_kathmandu_is_not_utc_rounding() {
    // Local 08:20 rounds to local 08:30; on the UTC grid (02:35) it would become 08:15.
    let tz = zone("Asia/Kathmandu");
    let p = worked(&tz, "a", "2024-06-03 08:20", "2024-06-03 12:00");
    let s = &run(&p, &[], &rounded(&tz, RoundingMode::Nearest, 30)).days[0].sessions[0];
    assert_eq!(s.start, local(&tz, "2024-06-03 08:30"));
}

#[test]
fn hourly_rounding_in_kolkata_lands_on_the_local_hour() {
    let tz = zone("Asia/Kolkata");
    let p = worked(&tz, "a", "2024-06-03 08:40", "2024-06-03 17:10");
    let out = run(&p, &[], &rounded(&tz, RoundingMode::Nearest, 60));
    assert_eq!(
        out.days[0].sessions[0].start,
        local(&tz, "2024-06-03 09:00")
    );
    assert_eq!(paid(&out, "2024-06-03"), 480);
}

#[test]
fn rounding_never_makes_a_session_negative() {
    let tz = zone("UTC");
    let p = worked(&tz, "a", "2024-06-03 08:14", "2024-06-03 08:16");
    let out = run(&p, &[], &rounded(&tz, RoundingMode::Nearest, 60));
    assert_eq!(paid(&out, "2024-06-03"), 0);
    let s = &out.days[0].sessions[0];
    assert!(s.end.unwrap() >= s.start);
}
