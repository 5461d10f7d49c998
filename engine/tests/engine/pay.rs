//! Pay: daily and weekly overtime, breaks, auto-deduction, machine minutes.

use super::common::{day, later, local, machine, punch, rules, shift, worked, zone};
use super::support::{deducting, kinds, nine_hour_days, overtime, paid, run, with_lunch};
use attend_engine::{ExceptionKind, PunchKind, compute};

#[test]
fn daily_overtime_is_paid_time_beyond_eight_hours() {
    let tz = zone("UTC");
    let d = &run(
        &nine_hour_days(&tz, 1),
        &[],
        &overtime(&tz, Some(480), None),
    )
    .days[0];
    assert_eq!(
        (
            d.regular_minutes,
            d.daily_overtime_minutes,
            d.weekly_overtime_minutes
        ),
        (480, 60, 0)
    );
}

#[test]
fn weekly_overtime_starts_on_the_day_the_week_passes_forty_hours() {
    // 4 × 9 h = 36 h regular; Friday: 4 h reach 40 h, the other 5 h are weekly overtime.
    let tz = zone("UTC");
    let out = run(
        &nine_hour_days(&tz, 5),
        &[],
        &overtime(&tz, None, Some(2400)),
    );
    let fri = out.day(day("2024-06-07")).unwrap();
    assert_eq!(
        (fri.regular_minutes, fri.weekly_overtime_minutes),
        (240, 300)
    );
    let t = out.totals();
    assert_eq!(
        (t.regular_minutes, t.weekly_overtime_minutes, t.paid_minutes),
        (2400, 300, 2700)
    );
}

#[test]
fn daily_and_weekly_overtime_together_never_count_a_minute_twice() {
    let tz = zone("UTC");
    // 5 × 9 h: 5 × 1 h daily overtime, 5 × 8 h = 40 h regular, so no weekly overtime.
    let t = run(
        &nine_hour_days(&tz, 5),
        &[],
        &overtime(&tz, Some(480), Some(2400)),
    )
    .totals();
    assert_eq!(
        (
            t.regular_minutes,
            t.daily_overtime_minutes,
            t.weekly_overtime_minutes
        ),
        (2400, 300, 0)
    );
    // A sixth day: its 8 regular hours are beyond 40 h, its 9th hour is daily already.
    let out = run(
        &nine_hour_days(&tz, 6),
        &[],
        &overtime(&tz, Some(480), Some(2400)),
    );
    let sat = out.day(day("2024-06-08")).unwrap();
    assert_eq!(
        (
            sat.regular_minutes,
            sat.daily_overtime_minutes,
            sat.weekly_overtime_minutes
        ),
        (0, 60, 480)
    );
    let t = out.totals();
    assert_eq!(
        t.regular_minutes + t.daily_overtime_minutes + t.weekly_overtime_minutes,
        6 * 540
    );
}

#[test]
fn an_unpaid_punched_break_is_not_paid() {
    let tz = zone("UTC");
    let d = &run(&with_lunch(&tz), &[], &rules(&tz)).days[0];
    assert_eq!(
        (
            d.clocked_minutes,
            d.unpaid_break_minutes,
            d.paid_minutes,
            d.worked_minutes
        ),
        (540, 30, 510, 510)
    );
}

#[test]
fn a_paid_punched_break_is_paid_but_not_worked() {
    let tz = zone("UTC");
    let mut r = rules(&tz);
    r.breaks.paid = true;
    let d = &run(&with_lunch(&tz), &[], &r).days[0];
    assert_eq!(
        (d.paid_break_minutes, d.paid_minutes, d.worked_minutes),
        (30, 540, 510)
    );
}

#[test]
fn auto_deduction_takes_a_meal_break_from_a_day_without_one() {
    let tz = zone("UTC");
    let d = &run(&nine_hour_days(&tz, 1), &[], &deducting(&tz)).days[0];
    assert_eq!(
        (
            d.auto_deducted_minutes,
            d.paid_minutes,
            d.unpaid_break_minutes
        ),
        (30, 510, 30)
    );
}

#[test]
fn auto_deduction_only_tops_up_a_short_punched_break() {
    let tz = zone("UTC");
    let mut p = worked(&tz, "a", "2024-06-03 08:00", "2024-06-03 17:00");
    p.push(punch(
        "bs",
        local(&tz, "2024-06-03 12:00"),
        PunchKind::BreakStart,
    ));
    p.push(punch(
        "be",
        local(&tz, "2024-06-03 12:10"),
        PunchKind::BreakEnd,
    ));
    let d = &run(&p, &[], &deducting(&tz)).days[0];
    assert_eq!(
        (
            d.auto_deducted_minutes,
            d.unpaid_break_minutes,
            d.paid_minutes
        ),
        (20, 30, 510)
    );
    let full = &run(&with_lunch(&tz), &[], &deducting(&tz)).days[0];
    assert_eq!((full.auto_deducted_minutes, full.paid_minutes), (0, 510));
}

#[test]
fn auto_deduction_skips_a_day_below_its_threshold() {
    let tz = zone("UTC");
    let p = worked(&tz, "a", "2024-06-03 08:00", "2024-06-03 13:00");
    assert_eq!(paid(&run(&p, &[], &deducting(&tz)), "2024-06-03"), 300);
}

#[test]
fn machine_minutes_are_summed_per_equipment_on_the_work_date() {
    let tz = zone("Europe/Berlin");
    let t = |civil| local(&tz, civil);
    let machines = [
        machine(
            "m1",
            "press",
            t("2024-06-03 22:30"),
            Some(t("2024-06-03 23:30")),
        ),
        machine(
            "m2",
            "press",
            t("2024-06-04 01:00"),
            Some(t("2024-06-04 01:30")),
        ),
        machine(
            "m3",
            "lathe",
            t("2024-06-04 02:00"),
            Some(t("2024-06-04 02:45")),
        ),
        machine("m3", "lathe", t("2024-06-04 02:00"), None),
        machine("m4", "lathe", t("2024-06-04 03:00"), None),
    ];
    let p = worked(&tz, "a", "2024-06-03 22:00", "2024-06-04 06:00");
    let shifts = [shift("2024-06-03", "22:00", "06:00")];
    let out = compute(&p, &machines, &shifts, &rules(&tz), t("2024-06-04 06:30"));
    assert_eq!(
        out.days.len(),
        1,
        "the night shift's machines count on its start date"
    );
    let m = &out.days[0].machine_minutes;
    assert_eq!((m["press"], m["lathe"]), (90, 45));
    assert!(
        out.exceptions.is_empty(),
        "m4 may still be running: {:?}",
        out.exceptions
    );
    let much_later = compute(&p, &machines, &shifts, &rules(&tz), later());
    assert!(matches!(
        kinds(&much_later)[..],
        [ExceptionKind::UnstoppedMachine { .. }]
    ));
}
