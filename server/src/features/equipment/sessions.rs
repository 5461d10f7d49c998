//! Machine sessions from what kiosks report (pure, so every backend and the board agree): a
//! start and a stop event share a session id; a session counts from its start; the board's
//! running session is the latest one without a stop; usage counts stopped sessions only.

use std::collections::BTreeMap;

use attend_protocol::events::{EquipmentAction, Event, EventBody};
use jiff::{SignedDuration, Timestamp};

use super::{BoardEntry, Equipment, MachineSession};

/// Kiosks cap a session well under a day; anything older without a stop is not running.
pub const RUNNING_WITHIN: SignedDuration = SignedDuration::from_hours(24);

/// Pairs equipment events (each with its employee's name) into the sessions that started
/// before `to`, oldest first, each with its stop if one was reported. Events of other kinds are
/// ignored; when a session has several stops, the last one given wins.
pub fn pair(
    events: impl IntoIterator<Item = (Event, String)>,
    to: Timestamp,
) -> Vec<MachineSession> {
    let mut sessions: BTreeMap<(Timestamp, String), MachineSession> = BTreeMap::new();
    let mut stops = BTreeMap::new();
    for (event, name) in events {
        let EventBody::Equipment(e) = event.body else {
            continue;
        };
        match e.action {
            EquipmentAction::Start if event.captured_at < to => {
                sessions.insert(
                    (event.captured_at, e.session_id.to_string()),
                    MachineSession {
                        session_id: e.session_id,
                        equipment_id: e.equipment_id,
                        employee_id: e.employee_id,
                        employee_name: name,
                        started_at: event.captured_at,
                        stopped_at: None,
                        stop_reason: None,
                    },
                );
            }
            EquipmentAction::Start => {}
            EquipmentAction::Stop => {
                let reason = e
                    .stop_reason
                    .and_then(|r| serde_json::to_value(r).ok())
                    .and_then(|v| v.as_str().map(str::to_owned));
                stops.insert(e.session_id, (event.captured_at, reason));
            }
        }
    }
    sessions
        .into_values()
        .map(|mut s| {
            if let Some((at, reason)) = stops.remove(&s.session_id) {
                s.stopped_at = Some(at);
                s.stop_reason = reason;
            }
            s
        })
        .collect()
}

/// Each machine with the latest of `sessions` (oldest first) that runs on it and has no stop.
pub fn board(machines: Vec<Equipment>, sessions: &[MachineSession]) -> Vec<BoardEntry> {
    machines
        .into_iter()
        .map(|equipment| {
            let running = sessions
                .iter()
                .rev()
                .find(|s| s.equipment_id == equipment.id && s.stopped_at.is_none())
                .cloned();
            BoardEntry { equipment, running }
        })
        .collect()
}

/// Minutes of the stopped sessions; a running one counts once it stops.
pub fn machine_minutes(sessions: &[MachineSession]) -> i64 {
    sessions
        .iter()
        .filter_map(|s| {
            s.stopped_at
                .map(|stop| stop.duration_since(s.started_at).as_mins())
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use attend_protocol::events::{EquipmentEvent, StopReason};
    use attend_protocol::ids::{EmployeeId, EquipmentId, SessionId};

    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    fn event(
        session: SessionId,
        machine: EquipmentId,
        when: &str,
        stop: Option<StopReason>,
    ) -> (Event, String) {
        let body = EventBody::Equipment(EquipmentEvent {
            session_id: session,
            equipment_id: machine,
            employee_id: EmployeeId::from(uuid::Uuid::nil()),
            action: if stop.is_some() {
                EquipmentAction::Stop
            } else {
                EquipmentAction::Start
            },
            stop_reason: stop,
        });
        let event = Event {
            event_id: uuid::Uuid::now_v7().into(),
            seq: 1,
            captured_at: at(when),
            clock_suspect: false,
            body,
        };
        (event, "Ana".into())
    }

    fn ids() -> (SessionId, SessionId, EquipmentId) {
        (
            uuid::Uuid::now_v7().into(),
            uuid::Uuid::now_v7().into(),
            uuid::Uuid::now_v7().into(),
        )
    }

    #[test]
    fn starts_and_stops_pair_by_session_oldest_first_whatever_order_they_arrive_in() {
        let (a, b, lathe) = ids();
        let events = vec![
            event(b, lathe, "2026-02-03T12:00:00Z", None),
            event(
                a,
                lathe,
                "2026-02-03T10:30:00Z",
                Some(StopReason::CodeRetyped),
            ),
            event(a, lathe, "2026-02-03T09:00:00Z", None),
        ];
        let sessions = pair(events, at("2026-02-04T00:00:00Z"));
        assert_eq!(sessions.len(), 2);
        assert_eq!(sessions[0].session_id, a);
        assert_eq!(sessions[0].stopped_at, Some(at("2026-02-03T10:30:00Z")));
        assert_eq!(sessions[0].stop_reason.as_deref(), Some("code_retyped"));
        assert_eq!(sessions[0].employee_name, "Ana");
        assert_eq!(sessions[1].session_id, b);
        assert_eq!(sessions[1].stopped_at, None);
        assert_eq!(
            machine_minutes(&sessions),
            90,
            "the running one does not count yet"
        );
    }

    #[test]
    fn a_session_counts_from_its_start_and_a_stop_alone_is_no_session() {
        let (a, b, lathe) = ids();
        let events = vec![
            event(a, lathe, "2026-02-04T00:00:00Z", None),
            event(b, lathe, "2026-02-03T10:00:00Z", Some(StopReason::StopKey)),
        ];
        assert!(pair(events, at("2026-02-04T00:00:00Z")).is_empty());
    }

    #[test]
    fn the_board_shows_the_latest_unstopped_session_of_each_machine() {
        let (a, b, lathe) = ids();
        let drill: EquipmentId = uuid::Uuid::now_v7().into();
        let sessions = pair(
            vec![
                event(a, lathe, "2026-02-03T08:00:00Z", None),
                event(b, lathe, "2026-02-03T09:00:00Z", None),
            ],
            at("2026-02-04T00:00:00Z"),
        );
        let machine = |id: EquipmentId| Equipment {
            id,
            org_id: uuid::Uuid::nil().into(),
            site_id: uuid::Uuid::nil().into(),
            name: "m".into(),
            relay_channel: 0,
            required_qualification: None,
            locked_out: false,
            lockout_reason: None,
            out_of_service: false,
            service_reason: None,
        };
        let board = board(vec![machine(lathe), machine(drill)], &sessions);
        assert_eq!(board[0].running.as_ref().map(|s| s.session_id), Some(b));
        assert!(board[1].running.is_none());
    }
}
