//! Punch handling: ordering, duplicates, missing punches and auto-closing.

use super::common::{day, local, punch, rules, shift, worked, zone};
use super::support::{kinds, paid, run};
use attend_engine::{ExceptionKind, PunchKind, SessionStatus, compute};

#[test]
fn punches_arriving_out_of_order_give_the_same_result() {
    let tz = zone("Europe/Berlin");
    let mut p = worked(&tz, "mon", "2024-06-03 08:00", "2024-06-03 17:00");
    p.push(punch(
        "bs",
        local(&tz, "2024-06-03 12:00"),
        PunchKind::BreakStart,
    ));
    p.push(punch(
        "be",
        local(&tz, "2024-06-03 12:30"),
        PunchKind::BreakEnd,
    ));
    p.extend(worked(&tz, "tue", "2024-06-04 08:00", "2024-06-04 16:00"));
    let forward = run(&p, &[], &rules(&tz));
    p.reverse();
    p.swap(1, 3);
    assert_eq!(run(&p, &[], &rules(&tz)), forward);
    assert_eq!(forward.totals().paid_minutes, 510 + 480);
}

#[test]
fn a_resent_punch_with_the_same_id_is_ignored_silently() {
    let tz = zone("UTC");
    let p = worked(&tz, "a", "2024-06-03 08:00", "2024-06-03 16:00");
    let twice: Vec<_> = p.iter().chain(&p).cloned().collect();
    assert_eq!(run(&twice, &[], &rules(&tz)), run(&p, &[], &rules(&tz)));
    assert!(run(&twice, &[], &rules(&tz)).exceptions.is_empty());
}

#[test]
fn a_double_tap_is_ignored_for_pairing_and_flagged() {
    let tz = zone("UTC");
    let mut p = worked(&tz, "a", "2024-06-03 08:00", "2024-06-03 16:00");
    p.push(punch("tap", local(&tz, "2024-06-03 08:01"), PunchKind::In));
    let out = run(&p, &[], &rules(&tz));
    assert_eq!(paid(&out, "2024-06-03"), 480);
    assert_eq!(out.days[0].sessions.len(), 1);
    assert_eq!(kinds(&out), [ExceptionKind::DuplicatePunch]);
    assert_eq!(out.exceptions[0].punch_ids, ["tap", "a-in"]);
}

#[test]
fn a_forgotten_clock_out_is_auto_closed_at_shift_end_and_flagged() {
    let tz = zone("Europe/Berlin");
    let p = [punch("in", local(&tz, "2024-06-03 07:58"), PunchKind::In)];
    let out = run(&p, &[shift("2024-06-03", "08:00", "17:00")], &rules(&tz));
    let s = &out.days[0].sessions[0];
    assert_eq!(
        (s.status, s.end),
        (
            SessionStatus::AutoClosed,
            Some(local(&tz, "2024-06-03 17:00"))
        )
    );
    assert_eq!(paid(&out, "2024-06-03"), 9 * 60);
    let closed_at = local(&tz, "2024-06-03 17:00");
    assert_eq!(
        kinds(&out),
        [
            ExceptionKind::MissingOut,
            ExceptionKind::AutoClosed { closed_at }
        ]
    );
}

#[test]
fn without_a_shift_a_forgotten_clock_out_closes_after_max_open_hours() {
    let tz = zone("UTC");
    let mut r = rules(&tz);
    r.max_open_hours = 12;
    let out = run(
        &[punch("in", local(&tz, "2024-06-03 08:00"), PunchKind::In)],
        &[],
        &r,
    );
    assert_eq!(
        out.days[0].sessions[0].end,
        Some(local(&tz, "2024-06-03 20:00"))
    );
    assert_eq!(paid(&out, "2024-06-03"), 12 * 60);
    assert!(kinds(&out).contains(&ExceptionKind::MissingOut));
}

#[test]
fn a_session_that_may_still_be_running_is_open_and_counts_nothing() {
    let tz = zone("UTC");
    let p = [punch("in", local(&tz, "2024-06-03 08:00"), PunchKind::In)];
    let shifts = [shift("2024-06-03", "08:00", "17:00")];
    // Past the shift end but within max_open_hours: an Out may still come (overtime).
    let out = compute(
        &p,
        &[],
        &shifts,
        &rules(&tz),
        local(&tz, "2024-06-03 18:00"),
    );
    assert_eq!(out.days[0].sessions[0].status, SessionStatus::Open);
    assert_eq!((out.days[0].paid_minutes, out.exceptions.len()), (0, 0));
}

#[test]
fn a_second_clock_in_closes_the_forgotten_session_at_the_shift_end() {
    let tz = zone("UTC");
    let p = [
        punch("mon", local(&tz, "2024-06-03 08:00"), PunchKind::In),
        punch("tue", local(&tz, "2024-06-04 08:00"), PunchKind::In),
        punch("tue-out", local(&tz, "2024-06-04 17:00"), PunchKind::Out),
    ];
    let shifts = [
        shift("2024-06-03", "08:00", "17:00"),
        shift("2024-06-04", "08:00", "17:00"),
    ];
    let out = run(&p, &shifts, &rules(&tz));
    assert_eq!(
        (paid(&out, "2024-06-03"), paid(&out, "2024-06-04")),
        (540, 540)
    );
    assert!(
        out.exceptions
            .iter()
            .all(|e| e.date == day("2024-06-03") && e.punch_ids == ["mon"])
    );
}

#[test]
fn a_clock_out_with_no_clock_in_credits_nothing_and_is_flagged() {
    let tz = zone("UTC");
    let out = run(
        &[punch("out", local(&tz, "2024-06-03 17:00"), PunchKind::Out)],
        &[],
        &rules(&tz),
    );
    assert!(out.days.is_empty());
    assert_eq!(kinds(&out), [ExceptionKind::MissingIn]);
    assert_eq!(out.exceptions[0].date, day("2024-06-03"));
}

#[test]
fn a_break_never_ended_runs_to_the_clock_out_and_is_flagged() {
    let tz = zone("UTC");
    let mut p = worked(&tz, "a", "2024-06-03 08:00", "2024-06-03 17:00");
    p.push(punch(
        "bs",
        local(&tz, "2024-06-03 16:00"),
        PunchKind::BreakStart,
    ));
    let out = run(&p, &[], &rules(&tz));
    assert_eq!(paid(&out, "2024-06-03"), 480);
    assert_eq!(kinds(&out), [ExceptionKind::UnendedBreak]);
}
