//! Sync ingest (idempotent on `event_id`), the roster delta by cursor, and event listing.

use std::collections::HashMap;

use async_trait::async_trait;
use attend_protocol::ack::Ack;
use attend_protocol::events::{Event, EventBody};
use attend_protocol::ids::{EmployeeId, EquipmentId};
use attend_protocol::roster::{
    DeviceConfig, EntityKind, HeldQualification, RosterDelta, RosterEmployee, RosterEquipment,
    RosterQualification, RosterTemplate, Tombstone,
};
use attend_protocol::validate::check_event;
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::employees::dept_param;
use super::{SqliteStore, db, get_id, get_opt_id, get_ts, opt_org, page_params, paged, ts};
use crate::storage::{
    DepartmentFilter, DeviceAuth, DeviceStatus, EventFilter, Page, Paged, Scope, StoreResult,
    StoredEvent, SyncStore, parse_consent,
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
    events: Vec<Event>,
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
    for event in events {
        if let Some(reason) = rejection(tx, &mut known, &org, &event)? {
            acks.push(Ack::rejected(event.event_id, reason));
            continue;
        }
        let payload = serde_json::to_string(&event)
            .map_err(|e| crate::storage::StoreError::Backend(Box::new(e)))?;
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
                payload,
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

fn employee_entry(c: &Connection, id: &str) -> StoreResult<Option<RosterEmployee>> {
    let row = c
        .prepare_cached(
            "SELECT id, employee_number, display_name, pin_hash, consent FROM employees
             WHERE id = ?1 AND deleted_at IS NULL AND status = 'active'",
        )
        .map_err(db)?
        .query_row([id], |r| {
            Ok(RosterEmployee {
                id: get_id(r, 0)?,
                employee_number: r.get(1)?,
                display_name: r.get(2)?,
                pin_hash: r.get(3)?,
                consent: super::get_enum(r, 4, parse_consent)?,
                qualifications: Vec::new(),
            })
        })
        .optional()
        .map_err(db)?;
    let Some(mut employee) = row else {
        return Ok(None);
    };
    let mut stmt = c
        .prepare_cached(
            "SELECT q.qualification_id, q.expires_on FROM employee_qualifications q
             JOIN qualifications d ON d.id = q.qualification_id AND d.deleted_at IS NULL WHERE q.employee_id = ?1",
        )
        .map_err(db)?;
    employee.qualifications = stmt
        .query_map([id], |r| {
            let expires: Option<String> = r.get(1)?;
            Ok(HeldQualification {
                qualification_id: get_id(r, 0)?,
                expires_on: expires.and_then(|d| d.parse().ok()),
            })
        })
        .map_err(db)?
        .collect::<Result<_, _>>()
        .map_err(db)?;
    Ok(Some(employee))
}

fn template_entry(c: &Connection, id: &str) -> StoreResult<Option<RosterTemplate>> {
    // Only templates of active employees who granted consent ever reach a kiosk.
    c.prepare_cached(
        "SELECT t.id, t.employee_id, t.model_id, t.vector FROM face_templates t JOIN employees e ON e.id = t.employee_id
         WHERE t.id = ?1 AND t.deleted_at IS NULL AND e.deleted_at IS NULL AND e.status = 'active' AND e.consent = ?2",
    )
    .map_err(db)?
    .query_row(params![id, "granted"], |r| {
        let vector: String = r.get(3)?;
        Ok(RosterTemplate {
            id: get_id(r, 0)?,
            employee_id: get_id(r, 1)?,
            model_id: r.get(2)?,
            vector: serde_json::from_str(&vector).unwrap_or_default(),
        })
    })
    .optional()
    .map_err(db)
}

fn equipment_entry(c: &Connection, id: &str, site: &str) -> StoreResult<Option<RosterEquipment>> {
    c.prepare_cached(
        "SELECT id, name, activation_code_hash, required_qualification_id, relay_channel, locked_out FROM equipment
         WHERE id = ?1 AND site_id = ?2 AND deleted_at IS NULL",
    )
    .map_err(db)?
    .query_row(params![id, site], |r: &Row<'_>| {
        Ok(RosterEquipment {
            id: get_id(r, 0)?,
            name: r.get(1)?,
            activation_code_hash: r.get(2)?,
            required_qualification: get_opt_id(r, 3)?,
            relay_channel: r.get(4)?,
            locked_out: r.get(5)?,
        })
    })
    .optional()
    .map_err(db)
}

fn qualification_entry(c: &Connection, id: &str) -> StoreResult<Option<RosterQualification>> {
    c.prepare_cached("SELECT id, name FROM qualifications WHERE id = ?1 AND deleted_at IS NULL")
        .map_err(db)?
        .query_row([id], |r| {
            Ok(RosterQualification {
                id: get_id(r, 0)?,
                name: r.get(1)?,
            })
        })
        .optional()
        .map_err(db)
}

fn roster_tx(
    c: &Connection,
    device: &DeviceAuth,
    since: u64,
    limit: u32,
) -> StoreResult<RosterDelta> {
    // Latest change per entity after the cursor, oldest first, one more than asked to learn `more`.
    let mut stmt = c
        .prepare_cached(
            "SELECT entity, entity_id, MAX(seq) AS s FROM roster_changes WHERE org_id = ?1 AND seq > ?2
             GROUP BY entity, entity_id ORDER BY s LIMIT ?3",
        )
        .map_err(db)?;
    let changes: Vec<(String, String, i64)> = stmt
        .query_map(
            params![
                device.org_id.to_string(),
                since as i64,
                i64::from(limit) + 1
            ],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map_err(db)?
        .collect::<Result<_, _>>()
        .map_err(db)?;
    let more = changes.len() > limit as usize;
    let mut delta = RosterDelta {
        cursor: since,
        more,
        employees: Vec::new(),
        templates: Vec::new(),
        equipment: Vec::new(),
        qualifications: Vec::new(),
        tombstones: Vec::new(),
        config: DeviceConfig {
            timezone: device.timezone.clone(),
            enabled: device.status == DeviceStatus::Active,
            punch_repeat_window_s: 60,
            pin_max_attempts: 5,
            heartbeat_interval_s: 60,
            max_clock_offset_s: 120,
        },
    };
    let site = device.site_id.to_string();
    for (entity, id, seq) in changes.into_iter().take(limit as usize) {
        delta.cursor = seq as u64;
        let tomb = |kind| Tombstone {
            entity: kind,
            id: id.parse().unwrap_or_default(),
        };
        match entity.as_str() {
            "employee" => match employee_entry(c, &id)? {
                Some(e) => delta.employees.push(e),
                None => delta.tombstones.push(tomb(EntityKind::Employee)),
            },
            "template" => match template_entry(c, &id)? {
                Some(t) => delta.templates.push(t),
                None => delta.tombstones.push(tomb(EntityKind::Template)),
            },
            "equipment" => match equipment_entry(c, &id, &site)? {
                Some(e) => delta.equipment.push(e),
                None => delta.tombstones.push(tomb(EntityKind::Equipment)),
            },
            _ => match qualification_entry(c, &id)? {
                Some(q) => delta.qualifications.push(q),
                None => delta.tombstones.push(tomb(EntityKind::Qualification)),
            },
        }
    }
    Ok(delta)
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
        events: Vec<Event>,
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
                let mut stmt = c
                    .prepare_cached(
                        "SELECT event_id, org_id, device_id, kind, employee_id, seq, captured_at, received_at,
                                clock_suspect, payload
                         FROM device_events WHERE (?1 IS NULL OR org_id = ?1) AND (?2 IS NULL OR device_id = ?2)
                         AND (?3 IS NULL OR employee_id = ?3) AND (?4 IS NULL OR kind = ?4)
                         AND (?5 IS NULL OR event_id > ?5)
                         AND (?7 IS NULL OR employee_id IN (SELECT id FROM employees
                              WHERE department_id IN (SELECT value FROM json_each(?7))))
                         ORDER BY event_id LIMIT ?6",
                    )
                    .map_err(db)?;
                let rows = stmt
                    .query_map(
                        params![
                            org,
                            f.device_id.map(|d| d.to_string()),
                            f.employee_id.map(|e| e.to_string()),
                            f.kind,
                            after,
                            limit,
                            depts
                        ],
                        event_row,
                    )
                    .map_err(db)?;
                rows.collect::<Result<Vec<_>, _>>().map_err(db)
            })
            .await?;
        Ok(paged(rows, page, |e| e.event_id.to_string()))
    }
}
