//! Work dates, overnight shifts and DST nights in a European and an American zone.

use super::common::{day, local, punch, rules, shift, worked, zone};
use super::support::{kinds, paid, run};
use attend_engine::{ExceptionKind, PunchKind, SessionStatus};

#[test]
fn overnight_shift_belongs_to_start_date() {
    let tz = zone("Europe/Berlin");
    let p = worked(&tz, "a", "2024-06-03 21:55", "2024-06-04 06:00");
    let out = run(&p, &[shift("2024-06-03", "22:00", "06:00")], &rules(&tz));
    assert_eq!(out.days.len(), 1);
    assert_eq!(out.days[0].date, day("2024-06-03"));
    assert_eq!(out.days[0].paid_minutes, 8 * 60);
    assert!(out.exceptions.is_empty(), "{:?}", out.exceptions);
}

#[test]
fn spring_forward_night_in_lisbon_is_seven_hours() {
    let tz = zone("Europe/Lisbon");
    let out = run(
        &worked(&tz, "a", "2024-03-30 22:00", "2024-03-31 06:00"),
        &[],
        &rules(&tz),
    );
    assert_eq!(paid(&out, "2024-03-30"), 7 * 60);
}

#[test]
fn fall_back_night_in_lisbon_is_nine_hours() {
    let tz = zone("Europe/Lisbon");
    let out = run(
        &worked(&tz, "a", "2024-10-26 22:00", "2024-10-27 06:00"),
        &[],
        &rules(&tz),
    );
    assert_eq!(paid(&out, "2024-10-26"), 9 * 60);
}

#[test]
fn spring_forward_night_in_new_york_is_seven_hours() {
    let tz = zone("America/New_York");
    let p = worked(&tz, "a", "2024-03-09 22:00", "2024-03-10 06:00");
    let out = run(&p, &[shift("2024-03-09", "22:00", "06:00")], &rules(&tz));
    assert_eq!(paid(&out, "2024-03-09"), 7 * 60);
    assert!(out.exceptions.is_empty(), "{:?}", out.exceptions);
}

#[test]
fn fall_back_night_in_new_york_is_nine_hours_even_when_auto_closed_at_shift_end() {
    let tz = zone("America/New_York");
    let p = [punch("in", local(&tz, "2024-11-02 22:00"), PunchKind::In)];
    let out = run(&p, &[shift("2024-11-02", "22:00", "06:00")], &rules(&tz));
    assert_eq!(paid(&out, "2024-11-02"), 9 * 60);
    assert_eq!(out.days[0].sessions[0].status, SessionStatus::AutoClosed);
}

#[test]
fn exceptions_carry_the_work_date_of_an_overnight_shift() {
    let tz = zone("UTC");
    let mut p = worked(&tz, "a", "2024-06-03 22:00", "2024-06-04 05:00");
    p.push(punch("tap", local(&tz, "2024-06-04 05:01"), PunchKind::Out));
    let out = run(&p, &[shift("2024-06-03", "22:00", "06:00")], &rules(&tz));
    assert_eq!(
        kinds(&out),
        [
            ExceptionKind::EarlyLeave { minutes: 60 },
            ExceptionKind::DuplicatePunch
        ]
    );
    assert!(out.exceptions.iter().all(|e| e.date == day("2024-06-03")));
}
