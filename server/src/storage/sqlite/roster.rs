//! The roster delta: the latest change per entity after a cursor, sent whole or as a
//! tombstone, scoped to the device's organisation (and site, for equipment).

use attend_protocol::roster::{
    DeviceConfig, EntityKind, HeldQualification, RosterDelta, RosterEmployee, RosterEquipment,
    RosterQualification, RosterTemplate, Tombstone,
};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{db, get_id, get_opt_id};
use crate::storage::{DeviceAuth, DeviceStatus, StoreResult, parse_consent};

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
        "SELECT id, name, activation_code_hash, required_qualification_id, relay_channel, (locked_out OR out_of_service) FROM equipment
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

pub(crate) fn roster_tx(
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
