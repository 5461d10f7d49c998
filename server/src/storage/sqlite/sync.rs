//! Sync ingest (idempotent on `event_id`, each event stored verbatim) and event listing.

use std::collections::HashMap;

use async_trait::async_trait;
use attend_protocol::ack::Ack;
use attend_protocol::events::{Event, EventBody};
use attend_protocol::ids::{EmployeeId, EquipmentId};
use attend_protocol::roster::RosterDelta;
use attend_protocol::validate::check_event;
use jiff::Timestamp;
use rusqlite::{OptionalExtension, Row, Transaction, params};

use crate::db::sqlite::dept_param;
use super::roster::roster_tx;
use super::{
    SqliteStore, db, get_id, get_opt_id, get_ts, opt_org, page_params, paged, query_rows, ts,
};
use crate::storage::{
    DepartmentFilter, DeviceAuth, EventFilter, Page, Paged, ReceivedEvent, Scope, StoreResult,
    StoredEvent, SyncStore,
};

/// The one statement that stores an event. The ingest benchmark's raw baseline uses it too.
pub const INSERT_EVENT_SQL: &str = "INSERT INTO device_events
    (event_id, org_id, device_id, kind, employee_id, seq, captured_at, received_at, clock_suspect, payload)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (event_id) DO NOTHING";

/// Per-batch memo of "does this id belong to the device's organisation?".
#[derive(Default)]
struct Known {
    employees: HashMap<EmployeeId, bool>,
    equipment: HashMap<EquipmentId, bool>,
}

impl Known {
    fn employee(&mut self, tx: &Transaction<'_>, org: &str, id: EmployeeId) -> StoreResult<bool> {
        if let Some(&known) = self.employees.get(&id) {
            return Ok(known);
        }
        let known = exists(
            tx,
            "SELECT 1 FROM employees WHERE id = ?1 AND org_id = ?2",
            &id.to_string(),
            org,
        )?;
        self.employees.insert(id, known);
        Ok(known)
    }

    fn equipment(&mut self, tx: &Transaction<'_>, org: &str, id: EquipmentId) -> StoreResult<bool> {
        if let Some(&known) = self.equipment.get(&id) {
            return Ok(known);
        }
        let known = exists(
            tx,
            "SELECT 1 FROM equipment WHERE id = ?1 AND org_id = ?2",
            &id.to_string(),
            org,
        )?;
        self.equipment.insert(id, known);
        Ok(known)
    }
}

fn exists(tx: &Transaction<'_>, sql: &str, id: &str, org: &str) -> StoreResult<bool> {
    let mut stmt = tx.prepare_cached(sql).map_err(db)?;
    Ok(stmt
        .query_row(params![id, org], |_| Ok(()))
        .optional()
        .map_err(db)?
        .is_some())
}

/// Why an event must be rejected, or `None` to store it.
fn rejection(
    tx: &Transaction<'_>,
    known: &mut Known,
    org: &str,
    event: &Event,
) -> StoreResult<Option<String>> {
    if let Err(reason) = check_event(event) {
        return Ok(Some(reason));
    }
    if let Some(employee) = event.body.employee_id()
        && !known.employee(tx, org, employee)?
    {
        return Ok(Some(format!(
            "body.employee_id: {employee} is not an employee of this organisation"
        )));
    }
    if let EventBody::Equipment(e) = &event.body
        && !known.equipment(tx, org, e.equipment_id)?
    {
        return Ok(Some(format!(
            "body.equipment_id: {} is not equipment of this organisation",
            e.equipment_id
        )));
    }
    Ok(None)
}

fn ingest_tx(
    tx: &Transaction<'_>,
    device: &DeviceAuth,
    events: Vec<ReceivedEvent>,
    received_at: Timestamp,
) -> StoreResult<Vec<Ack>> {
    let (org, device_id, received) = (
        device.org_id.to_string(),
        device.id.to_string(),
        ts(received_at),
    );
    let mut known = Known::default();
    let mut insert = tx.prepare_cached(INSERT_EVENT_SQL).map_err(db)?;
    let mut acks = Vec::with_capacity(events.len());
    for ReceivedEvent { event, raw } in events {
        if let Some(reason) = rejection(tx, &mut known, &org, &event)? {
            acks.push(Ack::rejected(event.event_id, reason));
            continue;
        }
        let inserted = insert
            .execute(params![
                event.event_id.to_string(),
                org,
                device_id,
                event.body.kind(),
                event.body.employee_id().map(|e| e.to_string()),
                event.seq as i64,
                ts(event.captured_at),
                received,
                event.clock_suspect,
                raw,
            ])
            .map_err(db)?;
        if inserted == 0 {
            acks.push(Ack::duplicate(event.event_id));
            continue;
        }
        match &event.body {
            EventBody::Heartbeat(h) => {
                tx.prepare_cached(
                    "UPDATE devices SET heartbeat = ?2, heartbeat_at = ?3, queue_depth = ?4, clock_offset_ms = ?5,
                            attendd_version = ?6
                     WHERE id = ?1 AND (heartbeat_at IS NULL OR heartbeat_at <= ?3)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        device_id,
                        serde_json::to_string(h).unwrap_or_default(),
                        ts(event.captured_at),
                        h.queue_depth as i64,
                        h.clock_offset_ms,
                        h.versions.attendd,
                    ])
                })
                .map_err(db)?;
            }
            EventBody::EnrolmentCandidate(c) => {
                tx.prepare_cached(
                    "INSERT INTO enrolment_candidates (event_id, org_id, employee_id, device_id, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .and_then(|mut s| s.execute(params![event.event_id.to_string(), org, c.employee_id.to_string(), device_id, received]))
                .map_err(db)?;
            }
            EventBody::Punch(_) | EventBody::Equipment(_) => {}
        }
        acks.push(Ack::accepted(event.event_id));
    }
    Ok(acks)
}

fn event_row(r: &Row<'_>) -> rusqlite::Result<StoredEvent> {
    let payload: String = r.get(9)?;
    Ok(StoredEvent {
        event_id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        device_id: get_id(r, 2)?,
        kind: r.get(3)?,
        employee_id: get_opt_id(r, 4)?,
        seq: r.get::<_, i64>(5)? as u64,
        captured_at: get_ts(r, 6)?,
        received_at: get_ts(r, 7)?,
        clock_suspect: r.get(8)?,
        payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
    })
}

#[async_trait]
impl SyncStore for SqliteStore {
    async fn ingest(
        &self,
        device: &DeviceAuth,
        events: Vec<ReceivedEvent>,
        received_at: Timestamp,
    ) -> StoreResult<Vec<Ack>> {
        let device = device.clone();
        self.write(move |tx| ingest_tx(tx, &device, events, received_at))
            .await
    }

    async fn roster_delta(
        &self,
        device: &DeviceAuth,
        since: u64,
        limit: u32,
    ) -> StoreResult<RosterDelta> {
        let device = device.clone();
        self.read(move |c| roster_tx(c, &device, since, limit))
            .await
    }

    async fn list_events(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        filter: &EventFilter,
        page: &Page,
    ) -> StoreResult<Paged<StoredEvent>> {
        let (after, limit) = page_params(page);
        let org = opt_org(scope.org());
        let depts = dept_param(depts);
        let f = filter.clone();
        let rows = self
            .read(move |c| {
                query_rows(c, "SELECT event_id, org_id, device_id, kind, employee_id, seq, captured_at, received_at,
                                clock_suspect, payload
                         FROM device_events WHERE (?1 IS NULL OR org_id = ?1) AND (?2 IS NULL OR device_id = ?2)
                         AND (?3 IS NULL OR employee_id = ?3) AND (?4 IS NULL OR kind = ?4)
                         AND (?5 IS NULL OR event_id > ?5)
                         AND (?7 IS NULL OR employee_id IN (SELECT id FROM employees
                              WHERE department_id IN (SELECT value FROM json_each(?7))))
                         ORDER BY event_id LIMIT ?6", params![
                            org,
                            f.device_id.map(|d| d.to_string()),
                            f.employee_id.map(|e| e.to_string()),
                            f.kind,
                            after,
                            limit,
                            depts
                        ], event_row)
            })
            .await?;
        Ok(paged(rows, page, |e| e.event_id.to_string()))
    }
}
