//! Machine sessions on SQLite: the stored equipment events in scope, paired by
//! [`super::super::sessions::pair`].

use crate::db::sql::{Sql, params};
use attend_protocol::events::Event;
use attend_protocol::ids::EquipmentId;
use jiff::Timestamp;

use super::super::MachineSession;
use super::super::sessions::pair;
use crate::db::sql::{counted, opt_org, query_rows, ts};
use crate::db::{Scope, StoreResult};

/// Sessions that started in `[from, to)`, oldest first, with their stop if it synced.
pub(super) fn sessions(
    c: &Sql<'_>,
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
        &format!(
            "SELECT d.payload, e.display_name FROM device_events d JOIN employees e ON e.id = d.employee_id
             WHERE d.kind = 'equipment' AND (?1 IS NULL OR d.org_id = ?1) AND d.captured_at >= ?2 AND d.captured_at < ?3
               AND (?4 IS NULL OR json_extract(d.payload, '$.body.equipment_id') = ?4) AND {}",
            counted("d")
        ),
        params![opt_org(scope.org()), ts(from), ts(until), equipment.map(|e| e.to_string())],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
    )?;
    // Stored payloads were validated at ingest; one that no longer parses is skipped.
    let events = rows.into_iter().filter_map(|(payload, name)| {
        serde_json::from_str::<Event>(&payload)
            .ok()
            .map(|event| (event, name))
    });
    Ok(pair(events, to))
}
