//! The top-level `compute`: punches, machines and schedule → days, hours and exceptions.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use jiff::civil::Date;

use crate::ingest::{DoubleTap, ingest};
use crate::instant::{minute_floor, minutes, secs, to_ts};
use crate::machine::machine_time;
use crate::output::{
    DaySummary, EngineOutput, Exception, ExceptionKind, SessionStatus, WorkSession,
};
use crate::overtime::allocate;
use crate::pairing::{End, Issue, Paired, RawSession, pair};
use crate::rounding::paid_bounds;
use crate::rules::{MachineInput, PunchInput, Rules, ScheduledShift};
use crate::work_date::Schedule;

/// Computes one employee's timesheet. Pure and total: any input gives an answer, the
/// same answer for any order or repetition of the punches (see the crate docs).
pub fn compute(
    punches: &[PunchInput],
    machines: &[MachineInput],
    shifts: &[ScheduledShift],
    rules: &Rules,
    now: Timestamp,
) -> EngineOutput {
    let schedule = Schedule::new(shifts, &rules.time_zone);
    let now = secs(now);
    let max_open = rules.max_open_seconds();

    let (kept, taps) = ingest(punches);
    let paired = pair(&kept, &schedule, max_open, now);
    let sessions = paid_sessions(&paired.sessions, rules);

    let mut exceptions = Vec::new();
    session_exceptions(&paired, &sessions, &mut exceptions);
    punch_exceptions(&paired, &taps, &schedule, &mut exceptions);
    shift_exceptions(&paired.sessions, &schedule, rules, now, &mut exceptions);
    let machine = machine_time(machines, &schedule, max_open, now);
    exceptions.extend(machine.exceptions);
    exceptions.sort_unstable();

    EngineOutput {
        days: build_days(sessions, machine.per_day, rules),
        exceptions,
    }
}

/// Sessions arrive in clock-in order; each paid start is held at or after the previous
/// paid end so rounding can never pay the same minute twice.
fn paid_sessions(raw: &[RawSession<'_>], rules: &Rules) -> Vec<WorkSession> {
    let mut previous_end: Option<i64> = None;
    raw.iter()
        .map(|s| {
            let (mut start, end) = paid_bounds(s, rules);
            start = previous_end.map_or(start, |p| start.max(p));
            let end = end.map(|e| e.max(start));
            previous_end = end.or(previous_end);

            let (mut paid_break, mut unpaid_break, mut span) = (0, 0, 0);
            if let Some(end) = end {
                span = minutes(end - start);
                let on_break: u32 = s
                    .breaks
                    .iter()
                    .map(|b| {
                        minutes(minute_floor(b.end).min(end) - minute_floor(b.start).max(start))
                    })
                    .sum();
                if rules.breaks.paid {
                    paid_break = on_break;
                } else {
                    unpaid_break = on_break;
                }
            }
            let (status, clock_out) = match s.end {
                End::Punched(t) => (SessionStatus::Closed, Some(to_ts(t))),
                End::AutoClosed(_) => (SessionStatus::AutoClosed, None),
                End::Open => (SessionStatus::Open, None),
            };
            WorkSession {
                work_date: s.date,
                status,
                clock_in: to_ts(s.clock_in),
                clock_out,
                start: to_ts(start),
                end: end.map(to_ts),
                paid_minutes: span.saturating_sub(unpaid_break),
                paid_break_minutes: paid_break,
                unpaid_break_minutes: unpaid_break,
                punch_ids: s.punch_ids.iter().map(ToString::to_string).collect(),
            }
        })
        .collect()
}

fn exception(date: Date, kind: ExceptionKind, ids: &[&str]) -> Exception {
    Exception {
        date,
        kind,
        punch_ids: ids.iter().map(ToString::to_string).collect(),
    }
}

fn session_exceptions(paired: &Paired<'_>, sessions: &[WorkSession], out: &mut Vec<Exception>) {
    for (raw, session) in paired.sessions.iter().zip(sessions) {
        if let (End::AutoClosed(_), Some(closed_at)) = (raw.end, session.end) {
            out.push(exception(
                raw.date,
                ExceptionKind::MissingOut,
                &[raw.in_id()],
            ));
            out.push(exception(
                raw.date,
                ExceptionKind::AutoClosed { closed_at },
                &[raw.in_id()],
            ));
        }
    }
}

fn punch_exceptions(
    paired: &Paired<'_>,
    taps: &[DoubleTap<'_>],
    schedule: &Schedule,
    out: &mut Vec<Exception>,
) {
    // Every kept punch's work date, so a double tap is reported where its twin counts.
    let mut date_of: HashMap<&str, Date> = HashMap::new();
    for s in &paired.sessions {
        date_of.extend(s.punch_ids.iter().map(|id| (*id, s.date)));
    }
    for issue in &paired.issues {
        let (date, kind, id) = match *issue {
            Issue::Orphan(p) => (
                schedule.date_for_other_punch(p.at),
                ExceptionKind::MissingIn,
                p.id,
            ),
            Issue::UnendedBreak { date, id } => (date, ExceptionKind::UnendedBreak, id),
            Issue::MissingBreakStart { date, id } => (date, ExceptionKind::MissingBreakStart, id),
        };
        date_of.entry(id).or_insert(date);
        out.push(exception(date, kind, &[id]));
    }
    for tap in taps {
        let date = date_of
            .get(tap.repeats.id)
            .copied()
            .unwrap_or_else(|| match tap.punch.kind {
                crate::PunchKind::In => schedule.date_for_clock_in(tap.punch.at),
                _ => schedule.date_for_other_punch(tap.punch.at),
            });
        out.push(exception(
            date,
            ExceptionKind::DuplicatePunch,
            &[tap.punch.id, tap.repeats.id],
        ));
    }
}

/// Late arrival on the first session of a shift, early leave on its last, absence when
/// a shift has ended with no session on its date.
fn shift_exceptions(
    sessions: &[RawSession<'_>],
    schedule: &Schedule,
    rules: &Rules,
    now: i64,
    out: &mut Vec<Exception>,
) {
    let mut by_shift: BTreeMap<Date, (&RawSession<'_>, &RawSession<'_>)> = BTreeMap::new();
    for s in sessions.iter().filter(|s| s.shift.is_some()) {
        by_shift
            .entry(s.date)
            .and_modify(|e| e.1 = s)
            .or_insert((s, s));
    }
    for (date, (first, last)) in by_shift {
        let Some(shift) = first.shift else { continue };
        let late = minute_floor(first.clock_in) - shift.start;
        if late > rules.grace_late_seconds() {
            let kind = ExceptionKind::LateArrival {
                minutes: minutes(late),
            };
            out.push(exception(date, kind, &[first.in_id()]));
        }
        if let (End::Punched(t), Some(id)) = (last.end, last.out_id()) {
            let early = shift.end - minute_floor(t);
            if early > rules.grace_early_seconds() {
                out.push(exception(
                    date,
                    ExceptionKind::EarlyLeave {
                        minutes: minutes(early),
                    },
                    &[id],
                ));
            }
        }
    }
    for shift in schedule.shifts() {
        if now > shift.end && !sessions.iter().any(|s| s.date == shift.date) {
            out.push(exception(shift.date, ExceptionKind::Absent, &[]));
        }
    }
}

fn build_days(
    sessions: Vec<WorkSession>,
    machines: BTreeMap<Date, BTreeMap<String, u32>>,
    rules: &Rules,
) -> Vec<DaySummary> {
    let mut days: BTreeMap<Date, DaySummary> = BTreeMap::new();
    for s in sessions {
        days.entry(s.work_date)
            .or_insert_with(|| DaySummary::empty(s.work_date))
            .sessions
            .push(s);
    }
    for (date, per_equipment) in machines {
        days.entry(date)
            .or_insert_with(|| DaySummary::empty(date))
            .machine_minutes = per_equipment;
    }
    let mut days: Vec<DaySummary> = days.into_values().collect();
    for day in &mut days {
        total_day(day, rules);
    }
    let paid: Vec<(Date, u32)> = days.iter().map(|d| (d.date, d.paid_minutes)).collect();
    for (day, split) in days.iter_mut().zip(allocate(&paid, &rules.overtime)) {
        day.regular_minutes = split.regular;
        day.daily_overtime_minutes = split.daily;
        day.weekly_overtime_minutes = split.weekly;
    }
    days
}

/// The auto deduction tops punched breaks (paid or not) up to `deduct_minutes`, and only
/// ever from time spent working, so it never eats into paid breaks.
fn total_day(day: &mut DaySummary, rules: &Rules) {
    let sum = |f: fn(&WorkSession) -> u32| {
        day.sessions
            .iter()
            .fold(0u32, |acc, s| acc.saturating_add(f(s)))
    };
    let paid_before = sum(|s| s.paid_minutes);
    let paid_break = sum(|s| s.paid_break_minutes);
    let unpaid_punched = sum(|s| s.unpaid_break_minutes);
    let deducted = rules.breaks.auto_deduct.map_or(0, |rule| {
        if paid_before < rule.after_worked_minutes {
            return 0;
        }
        let punched = paid_break.saturating_add(unpaid_punched);
        rule.deduct_minutes
            .saturating_sub(punched)
            .min(paid_before.saturating_sub(paid_break))
    });
    day.clocked_minutes = paid_before.saturating_add(unpaid_punched);
    day.paid_break_minutes = paid_break;
    day.auto_deducted_minutes = deducted;
    day.unpaid_break_minutes = unpaid_punched.saturating_add(deducted);
    day.paid_minutes = paid_before - deducted;
    day.worked_minutes = day.paid_minutes.saturating_sub(paid_break);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::rules::{AutoDeduct, PunchKind};
    use jiff::civil::{date, time};
    use jiff::tz::TimeZone;

    fn at(h: i8, m: i8) -> Timestamp {
        TimeZone::UTC
            .to_timestamp(date(2024, 6, 3).at(h, m, 0, 0))
            .unwrap()
    }

    fn punch(id: &str, h: i8, m: i8, kind: PunchKind) -> PunchInput {
        PunchInput {
            id: id.into(),
            at: at(h, m),
            kind,
        }
    }

    #[test]
    fn a_clock_out_moved_to_shift_end_by_grace_does_not_pay_the_next_session_twice() {
        let rules = Rules {
            grace_early_leave_minutes: 5,
            ..Rules::new(TimeZone::UTC)
        };
        let shift = ScheduledShift {
            date: date(2024, 6, 3),
            start: time(8, 0, 0, 0),
            end: time(17, 0, 0, 0),
        };
        let punches = [
            punch("a", 8, 0, PunchKind::In),
            punch("b", 16, 56, PunchKind::Out),
            punch("c", 16, 58, PunchKind::In),
            punch("d", 17, 30, PunchKind::Out),
        ];
        let out = compute(&punches, &[], &[shift], &rules, at(23, 0));
        let day = &out.days[0];
        assert_eq!(day.sessions[1].start, at(17, 0));
        assert_eq!(day.paid_minutes, 9 * 60 + 30);
    }

    #[test]
    fn auto_deduction_never_eats_into_paid_breaks() {
        let mut rules = Rules::new(TimeZone::UTC);
        rules.breaks.paid = true;
        rules.breaks.auto_deduct = Some(AutoDeduct {
            after_worked_minutes: 0,
            deduct_minutes: 30,
        });
        let punches = [
            punch("a", 8, 0, PunchKind::In),
            punch("b", 8, 0, PunchKind::BreakStart),
            punch("c", 8, 20, PunchKind::BreakEnd),
            punch("d", 8, 25, PunchKind::Out),
        ];
        let day = &compute(&punches, &[], &[], &rules, at(23, 0)).days[0];
        // 25 min on the clock, 20 of them a paid break: only the 5 worked minutes can go.
        assert_eq!(
            (
                day.auto_deducted_minutes,
                day.paid_minutes,
                day.worked_minutes
            ),
            (5, 20, 0)
        );
    }

    #[test]
    fn exceptions_come_out_sorted_by_date() {
        let punches = [
            punch("late-out", 23, 0, PunchKind::Out),
            PunchInput {
                id: "early-out".into(),
                at: at(1, 0) - jiff::SignedDuration::from_hours(48),
                kind: PunchKind::Out,
            },
        ];
        let out = compute(&punches, &[], &[], &Rules::new(TimeZone::UTC), at(23, 30));
        let dates: Vec<_> = out.exceptions.iter().map(|e| e.date).collect();
        assert_eq!(dates, [date(2024, 6, 1), date(2024, 6, 3)]);
    }
}
