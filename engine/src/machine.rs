//! Equipment sessions → machine minutes per work date and equipment id.

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::instant::{minute_floor, minutes, secs};
use crate::output::{Exception, ExceptionKind};
use crate::rules::MachineInput;
use crate::work_date::Schedule;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct MachineTime {
    pub per_day: BTreeMap<Date, BTreeMap<String, u32>>,
    pub exceptions: Vec<Exception>,
}

/// A session counts in full on the work date of its start (the clock-in rule). An
/// unstopped session counts nothing: while running it is not finished, and once older
/// than `max_open` seconds its stop was lost and it is reported instead of guessed.
pub(crate) fn machine_time(
    inputs: &[MachineInput],
    schedule: &Schedule,
    max_open: i64,
    now: i64,
) -> MachineTime {
    // One record per session id whatever the input order; a stopped copy beats a
    // running one, since the stop event may have arrived after the start was sent.
    let mut sorted: Vec<&MachineInput> = inputs.iter().collect();
    sorted.sort_unstable_by(|a, b| key(a).cmp(&key(b)));
    sorted.dedup_by(|b, a| a.session_id == b.session_id);

    let mut out = MachineTime::default();
    for m in sorted {
        let start = secs(m.started_at);
        let date = schedule.date_for_clock_in(start);
        match m.stopped_at {
            Some(stop) => {
                let span = minute_floor(secs(stop)) - minute_floor(start);
                let total = out
                    .per_day
                    .entry(date)
                    .or_default()
                    .entry(m.equipment_id.clone())
                    .or_default();
                *total = total.saturating_add(minutes(span));
            }
            None if now > start.saturating_add(max_open) => out.exceptions.push(Exception {
                date,
                kind: ExceptionKind::UnstoppedMachine {
                    session_id: m.session_id.clone(),
                    equipment_id: m.equipment_id.clone(),
                },
                punch_ids: Vec::new(),
            }),
            None => {}
        }
    }
    out
}

fn key(m: &MachineInput) -> (&str, bool, jiff::Timestamp, Option<jiff::Timestamp>, &str) {
    (
        &m.session_id,
        m.stopped_at.is_none(),
        m.started_at,
        m.stopped_at,
        &m.equipment_id,
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use jiff::Timestamp;
    use jiff::civil::date;
    use jiff::tz::TimeZone;

    const H: i64 = 3600;

    fn m(session: &str, equipment: &str, start: &str, stop: Option<&str>) -> MachineInput {
        MachineInput {
            session_id: session.into(),
            equipment_id: equipment.into(),
            started_at: start.parse().unwrap(),
            stopped_at: stop.map(|s| s.parse::<Timestamp>().unwrap()),
        }
    }

    fn run(inputs: &[MachineInput], now: &str) -> MachineTime {
        let now = secs(now.parse().unwrap());
        machine_time(inputs, &Schedule::new(&[], &TimeZone::UTC), 16 * H, now)
    }

    #[test]
    fn minutes_add_up_per_equipment_and_day() {
        let out = run(
            &[
                m(
                    "1",
                    "press",
                    "2024-06-03T08:00:00Z",
                    Some("2024-06-03T09:30:00Z"),
                ),
                m(
                    "2",
                    "press",
                    "2024-06-03T10:00:00Z",
                    Some("2024-06-03T10:15:00Z"),
                ),
                m(
                    "3",
                    "lathe",
                    "2024-06-03T11:00:00Z",
                    Some("2024-06-03T11:45:00Z"),
                ),
            ],
            "2024-06-04T00:00:00Z",
        );
        let day = &out.per_day[&date(2024, 6, 3)];
        assert_eq!((day["press"], day["lathe"]), (105, 45));
    }

    #[test]
    fn a_stopped_copy_of_a_session_wins_over_a_running_copy() {
        let running = m("1", "press", "2024-06-03T08:00:00Z", None);
        let stopped = m(
            "1",
            "press",
            "2024-06-03T08:00:00Z",
            Some("2024-06-03T09:00:00Z"),
        );
        for input in [[running.clone(), stopped.clone()], [stopped, running]] {
            assert_eq!(
                run(&input, "2024-06-04T00:00:00Z").per_day[&date(2024, 6, 3)]["press"],
                60
            );
        }
    }

    #[test]
    fn a_running_session_counts_nothing_and_a_lost_stop_is_reported() {
        let input = [m("1", "press", "2024-06-03T08:00:00Z", None)];
        let running = run(&input, "2024-06-03T09:00:00Z");
        assert!(running.per_day.is_empty() && running.exceptions.is_empty());
        let lost = run(&input, "2024-06-05T00:00:00Z");
        assert!(matches!(
            lost.exceptions[0].kind,
            ExceptionKind::UnstoppedMachine { .. }
        ));
    }

    #[test]
    fn a_stop_before_the_start_counts_zero() {
        let out = run(
            &[m(
                "1",
                "press",
                "2024-06-03T08:00:00Z",
                Some("2024-06-03T07:00:00Z"),
            )],
            "2024-06-04T00:00:00Z",
        );
        assert_eq!(out.per_day[&date(2024, 6, 3)]["press"], 0);
    }
}
