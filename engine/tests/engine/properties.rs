//! Property tests: invariants that must hold for any punches, rules, schedule and `now`.

use attend_engine::{
    AutoDeduct, BreakRule, EngineOutput, MachineInput, Overtime, PunchInput, PunchKind, Rounding,
    RoundingMode, Rules, ScheduledShift, compute,
};
use jiff::Timestamp;
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use proptest::prelude::*;

/// Monday 2024-03-25 00:00 UTC: the fortnight after it crosses Europe's spring-forward.
const BASE: i64 = 1_711_324_800;
const FORTNIGHT: i64 = 14 * 86_400;
const ZONES: [&str; 5] = [
    "UTC",
    "Europe/Lisbon",
    "America/New_York",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
];

fn ts(s: i64) -> Timestamp {
    Timestamp::from_second(s).unwrap()
}

fn kind() -> impl Strategy<Value = PunchKind> {
    prop_oneof![
        3 => Just(PunchKind::In),
        3 => Just(PunchKind::Out),
        1 => Just(PunchKind::BreakStart),
        1 => Just(PunchKind::BreakEnd),
    ]
}

/// Realistic punches: few ids (so some collide), times within a fortnight.
fn punches() -> impl Strategy<Value = Vec<PunchInput>> {
    prop::collection::vec((0u8..40, 0..FORTNIGHT, kind()), 0..40).prop_map(|v| {
        v.into_iter()
            .map(|(id, offset, kind)| PunchInput {
                id: format!("p{id}"),
                at: ts(BASE + offset),
                kind,
            })
            .collect()
    })
}

fn machines() -> impl Strategy<Value = Vec<MachineInput>> {
    let one = (
        0u8..8,
        0u8..3,
        0..FORTNIGHT,
        prop::option::of(-3_600..43_200i64),
    );
    prop::collection::vec(one, 0..8).prop_map(|v| {
        v.into_iter()
            .map(|(id, eq, start, len)| MachineInput {
                session_id: format!("m{id}"),
                equipment_id: format!("e{eq}"),
                started_at: ts(BASE + start),
                stopped_at: len.map(|l| ts(BASE + start + l)),
            })
            .collect()
    })
}

fn shifts() -> impl Strategy<Value = Vec<ScheduledShift>> {
    let one = (
        0i64..14,
        0i8..24,
        prop::sample::select(vec![0i8, 15, 30]),
        0i8..24,
    );
    prop::collection::vec(one, 0..10).prop_map(|v| {
        v.into_iter()
            .map(|(d, sh, sm, eh)| ScheduledShift {
                date: Date::constant(2024, 3, 25)
                    .checked_add(jiff::Span::new().days(d))
                    .unwrap(),
                start: Time::constant(sh, sm, 0, 0),
                end: Time::constant(eh, 0, 0, 0),
            })
            .collect()
    })
}

fn rules() -> impl Strategy<Value = Rules> {
    let rounding = prop::option::of((
        prop::sample::select(vec![1u32, 5, 6, 10, 15, 30, 60]),
        prop::sample::select(vec![
            RoundingMode::Nearest,
            RoundingMode::Up,
            RoundingMode::Down,
        ]),
    ));
    let deduct = prop::option::of((0u32..600, 0u32..90));
    let overtime = (
        prop::option::of(0u32..720),
        prop::option::of(0u32..3000),
        0u8..7,
    );
    (
        prop::sample::select(ZONES.to_vec()),
        0u32..30,
        0u32..30,
        rounding,
        any::<bool>(),
        deduct,
        overtime,
        1u32..30,
        any::<bool>(),
    )
        .prop_map(
            |(
                zone,
                late,
                early,
                rounding,
                paid,
                deduct,
                (daily, weekly, week),
                max_open,
                pay_early,
            )| Rules {
                time_zone: TimeZone::get(zone).unwrap(),
                grace_late_minutes: late,
                grace_early_leave_minutes: early,
                rounding: rounding.map(|(increment_minutes, mode)| Rounding {
                    increment_minutes,
                    mode,
                }),
                breaks: BreakRule {
                    paid,
                    auto_deduct: deduct.map(|(after_worked_minutes, deduct_minutes)| AutoDeduct {
                        after_worked_minutes,
                        deduct_minutes,
                    }),
                },
                overtime: Overtime {
                    daily_threshold_minutes: daily,
                    weekly_threshold_minutes: weekly,
                    week_starts: Weekday::from_monday_zero_offset(week as i8).unwrap(),
                },
                max_open_hours: max_open,
                pay_early_arrival: pay_early,
            },
        )
}

fn now() -> impl Strategy<Value = Timestamp> {
    (0..FORTNIGHT + 3 * 86_400).prop_map(|o| ts(BASE + o))
}

fn total_paid(out: &EngineOutput) -> u64 {
    out.totals().paid_minutes
}

proptest! {
    #[test]
    fn any_permutation_of_the_input_gives_the_same_output(
        (p, shuffled) in punches().prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
        (m, m_shuffled) in machines().prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
        s in shifts(), r in rules(), now in now(),
    ) {
        let a = compute(&p, &m, &s, &r, now);
        let b = compute(&shuffled, &m_shuffled, &s, &r, now);
        prop_assert_eq!(total_paid(&a), total_paid(&b));
        prop_assert_eq!(a, b);
    }

    #[test]
    fn resending_every_punch_or_recomputing_changes_nothing(
        p in punches(), m in machines(), s in shifts(), r in rules(), now in now(),
    ) {
        let once = compute(&p, &m, &s, &r, now);
        let doubled: Vec<_> = p.iter().chain(&p).cloned().collect();
        prop_assert_eq!(&compute(&doubled, &m, &s, &r, now), &once);
        prop_assert_eq!(&compute(&p, &m, &s, &r, now), &once);
    }

    #[test]
    fn every_day_splits_its_paid_minutes_exactly(
        p in punches(), s in shifts(), r in rules(), now in now(),
    ) {
        let out = compute(&p, &[], &s, &r, now);
        for d in &out.days {
            prop_assert_eq!(d.regular_minutes + d.daily_overtime_minutes + d.weekly_overtime_minutes, d.paid_minutes);
            prop_assert_eq!(d.paid_minutes + d.unpaid_break_minutes, d.clocked_minutes);
            prop_assert_eq!(d.worked_minutes + d.paid_break_minutes, d.paid_minutes);
            let sessions: u32 = d.sessions.iter().map(|s| s.paid_minutes).sum();
            prop_assert_eq!(sessions - d.auto_deducted_minutes, d.paid_minutes);
            prop_assert!(d.sessions.iter().all(|s| s.work_date == d.date));
        }
        prop_assert!(out.days.windows(2).all(|w| w[0].date < w[1].date));
        prop_assert!(out.exceptions.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn no_duration_is_negative_or_longer_than_the_time_it_covers(
        p in punches(), s in shifts(), r in rules(), now in now(),
    ) {
        let out = compute(&p, &[], &s, &r, now);
        let sessions: Vec<_> = out.days.iter().flat_map(|d| &d.sessions).filter(|s| s.end.is_some()).collect();
        let mut spans: Vec<(Timestamp, Timestamp)> = sessions.iter().map(|s| (s.start, s.end.unwrap())).collect();
        spans.sort();
        for w in spans.windows(2) {
            prop_assert!(w[0].1 <= w[1].0, "sessions overlap: {:?}", w);
        }
        // At most max_open_hours, or a shift (≤ 24 h + a DST hour) plus 4 h early, plus
        // at most one rounding increment on the clock-out.
        let longest = i64::from(r.max_open_hours.max(29)) * 60 + 60;
        for s in &sessions {
            let span = (s.end.unwrap().as_second() - s.start.as_second()) / 60;
            prop_assert!((0..=longest).contains(&span), "{span} min");
            prop_assert!(i64::from(s.paid_minutes + s.unpaid_break_minutes) == span);
        }
        if let (Some(first), Some(last)) = (spans.first(), spans.iter().map(|s| s.1).max()) {
            let days = (last.as_second() - first.0.as_second()) / 86_400 + 1;
            let clocked = out.totals().clocked_minutes;
            prop_assert!(clocked as i64 <= days * 24 * 60);
            prop_assert!(clocked as i64 <= (last.as_second() - first.0.as_second()) / 60);
        }
    }

    #[test]
    fn compute_never_panics_on_arbitrary_input(
        raw in prop::collection::vec((".{0,3}", any::<i64>(), kind()), 0..30),
        machines in prop::collection::vec((".{0,2}", any::<i64>(), prop::option::of(any::<i64>())), 0..6),
        shifts in prop::collection::vec((-9999i16..=9999, 1i8..=12, 1i8..=28, 0i8..24, 0i8..60, 0i8..24, 0i8..60), 0..6),
        zone in prop::sample::select(ZONES.to_vec()),
        knobs in (any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>()),
        now in any::<i64>(),
    ) {
        let range = |s: i64| ts(s.clamp(Timestamp::MIN.as_second(), Timestamp::MAX.as_second()));
        let punches: Vec<_> = raw.into_iter().map(|(id, at, kind)| PunchInput { id, at: range(at), kind }).collect();
        let machines: Vec<_> = machines
            .into_iter()
            .map(|(id, start, stop)| MachineInput { session_id: id.clone(), equipment_id: id, started_at: range(start), stopped_at: stop.map(range) })
            .collect();
        let shifts: Vec<_> = shifts
            .into_iter()
            .map(|(y, mo, d, sh, sm, eh, em)| ScheduledShift { date: Date::constant(y, mo, d), start: Time::constant(sh, sm, 0, 0), end: Time::constant(eh, em, 0, 0) })
            .collect();
        let (late, early, inc, after, deduct, daily, max_open) = knobs;
        let rules = Rules {
            grace_late_minutes: late,
            grace_early_leave_minutes: early,
            rounding: Some(Rounding { increment_minutes: inc % 120, mode: RoundingMode::Nearest }),
            breaks: BreakRule { paid: false, auto_deduct: Some(AutoDeduct { after_worked_minutes: after, deduct_minutes: deduct }) },
            overtime: Overtime { daily_threshold_minutes: Some(daily), weekly_threshold_minutes: Some(daily / 2), week_starts: Weekday::Sunday },
            max_open_hours: max_open,
            pay_early_arrival: late % 2 == 0,
            ..Rules::new(TimeZone::get(zone).unwrap())
        };
        let out = compute(&punches, &machines, &shifts, &rules, range(now));
        for d in &out.days {
            prop_assert_eq!(d.regular_minutes + d.daily_overtime_minutes + d.weekly_overtime_minutes, d.paid_minutes);
        }
    }
}
