//! Ingest on SQLite: one transaction per batch, each event stored verbatim at most once, the
//! refusal rule ([`super::super::ingest::rejection`]) answered from this organisation's rows.

use std::collections::HashMap;

use attend_protocol::ack::Ack;
use attend_protocol::events::EventBody;
use attend_protocol::ids::{EmployeeId, EquipmentId};
use jiff::Timestamp;
use rusqlite::{OptionalExtension, Transaction, params};

use super::super::ingest::{Membership, rejection};
use super::super::{DeviceAuth, ReceivedEvent};
use crate::db::StoreResult;
use crate::db::sqlite::{INSERT_EVENT_SQL, db, ts};

/// Per-batch memo of "does this id belong to the device's organisation?".
struct Known<'a> {
    tx: &'a Transaction<'a>,
    org: &'a str,
    employees: HashMap<EmployeeId, bool>,
    equipment: HashMap<EquipmentId, bool>,
}

impl Membership for Known<'_> {
    fn has_employee(&mut self, id: EmployeeId) -> StoreResult<bool> {
        if let Some(&known) = self.employees.get(&id) {
            return Ok(known);
        }
        let known = exists(
            self.tx,
            "SELECT 1 FROM employees WHERE id = ?1 AND org_id = ?2",
            &id.to_string(),
            self.org,
        )?;
        self.employees.insert(id, known);
        Ok(known)
    }

    fn has_equipment(&mut self, id: EquipmentId) -> StoreResult<bool> {
        if let Some(&known) = self.equipment.get(&id) {
            return Ok(known);
        }
        let known = exists(
            self.tx,
            "SELECT 1 FROM equipment WHERE id = ?1 AND org_id = ?2",
            &id.to_string(),
            self.org,
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

pub(super) fn ingest_tx(
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
    let mut known = Known {
        tx,
        org: &org,
        employees: HashMap::new(),
        equipment: HashMap::new(),
    };
    let mut insert = tx.prepare_cached(INSERT_EVENT_SQL).map_err(db)?;
    let mut acks = Vec::with_capacity(events.len());
    for ReceivedEvent { event, raw } in events {
        if let Some(reason) = rejection(&event, &mut known)? {
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
                            attendd_version = ?6, set_aside = ?7, set_aside_reason = ?8
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
                        h.set_aside as i64,
                        h.set_aside_reason,
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
