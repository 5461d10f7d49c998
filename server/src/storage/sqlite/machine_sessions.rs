//! Machine sessions as kiosks reported them: start and stop events paired by session id.

use std::collections::BTreeMap;

use attend_protocol::events::{EquipmentAction, Event, EventBody};
use attend_protocol::ids::EquipmentId;
use jiff::Timestamp;
use rusqlite::{Connection, params};

use super::{opt_org, query_rows, ts};
use crate::storage::{MachineSession, Scope, StoreResult};

/// Sessions that started in `[from, to)`, oldest first, with their stop if it synced.
pub(super) fn sessions(
    c: &Connection,
    scope: Scope,
    equipment: Option<EquipmentId>,
    from: Timestamp,
    to: Timestamp,
) -> StoreResult<Vec<MachineSession>> {
    // Stops may come after `to`; a machine session is capped at a day by the kiosks.
    let until = to
        .checked_add(jiff::SignedDuration::from_hours(48))
        .unwrap_or(to);
    let rows = query_rows(
                c,
                "SELECT d.payload, e.display_name FROM device_events d JOIN employees e ON e.id = d.employee_id
                 WHERE d.kind = 'equipment' AND (?1 IS NULL OR d.org_id = ?1) AND d.captured_at >= ?2 AND d.captured_at < ?3
                   AND (?4 IS NULL OR json_extract(d.payload, '$.body.equipment_id') = ?4)",
                params![opt_org(scope.org()), ts(from), ts(until), equipment.map(|e| e.to_string())],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )?;
    let mut sessions: BTreeMap<(Timestamp, String), MachineSession> = BTreeMap::new();
    let mut stops = BTreeMap::new();
    for (payload, name) in rows {
        let Ok(event) = serde_json::from_str::<Event>(&payload) else {
            continue;
        };
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
    Ok(sessions
        .into_values()
        .map(|mut s| {
            if let Some((at, reason)) = stops.remove(&s.session_id) {
                s.stopped_at = Some(at);
                s.stop_reason = reason;
            }
            s
        })
        .collect())
}
