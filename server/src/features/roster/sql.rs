//! The roster store on SQLite: the latest change per entity after a cursor, and what a kiosk
//! may have of each, scoped to the device's organisation and site (equipment at the site, and
//! only the people who may punch there).

use crate::db::sql::{OptionalExtension, Row, Sql, params};
use async_trait::async_trait;
use attend_protocol::roster::{
    EntityKind, HeldQualification, RosterDelta, RosterEmployee, RosterEquipment,
    RosterQualification, RosterTemplate,
};

use super::store::RosterStore;
use super::{Change, Entry, assemble};
use crate::db::StoreResult;
use crate::db::sql::{SqlDb, db, get_enum, get_id, get_opt_id};
use crate::features::devices::DeviceAuth;
use crate::features::orgs::face_match_sql::site_face_match;
use crate::features::orgs::liveness_sql::site_liveness;
use crate::features::people::parse_consent;

/// Whether employee `e` may punch at site `?3`: the sites listed for them, else their home
/// site, else (nothing says where they work) any site. The same rule as ingest's
/// `PunchFacts::may_punch_at`, so a kiosk holds exactly the people whose punches it may take,
/// and a stolen kiosk reveals only its own site's PIN hashes and faces.
const MAY_PUNCH_AT_SITE: &str =
    "(CASE WHEN EXISTS (SELECT 1 FROM employee_sites s WHERE s.employee_id = e.id)
     THEN EXISTS (SELECT 1 FROM employee_sites s WHERE s.employee_id = e.id AND s.site_id = ?3)
     ELSE (e.site_id IS NULL OR e.site_id = ?3) END)";

/// The roster's ids come from the change log, which is filtered by organisation; every loader
/// checks the organisation again, so a row logged under the wrong one can never leak.
fn employee_entry(
    c: &Sql<'_>,
    id: &str,
    device: &DeviceAuth,
) -> StoreResult<Option<RosterEmployee>> {
    let row = c
        .query_row(
            &format!(
            "SELECT e.id, e.employee_number, e.display_name, e.pin_hash, e.consent, e.no_head_turn
             FROM employees e
             WHERE e.id = ?1 AND e.org_id = ?2 AND e.deleted_at IS NULL AND e.status = 'active'
             AND {MAY_PUNCH_AT_SITE}"
        ),
            params![id, device.org_id.to_string(), device.site_id.to_string()],
            |r| {
                Ok(RosterEmployee {
                    id: get_id(r, 0)?,
                    employee_number: r.get(1)?,
                    display_name: r.get(2)?,
                    pin_hash: r.get(3)?,
                    consent: get_enum(r, 4, parse_consent)?,
                    qualifications: Vec::new(),
                    no_head_turn: r.get(5)?,
                })
            },
        )
        .optional()
        .map_err(db)?;
    let Some(mut employee) = row else {
        return Ok(None);
    };
    employee.qualifications = c
        .query_map(
            "SELECT q.qualification_id, q.expires_on FROM employee_qualifications q
             JOIN qualifications d ON d.id = q.qualification_id AND d.deleted_at IS NULL WHERE q.employee_id = ?1",
            [id],
            |r| {
                let expires: Option<String> = r.get(1)?;
                Ok(HeldQualification {
                    qualification_id: get_id(r, 0)?,
                    expires_on: expires.and_then(|d| d.parse().ok()),
                })
            },
        )
        .map_err(db)?;
    Ok(Some(employee))
}

fn template_entry(
    c: &Sql<'_>,
    id: &str,
    device: &DeviceAuth,
) -> StoreResult<Option<RosterTemplate>> {
    // Only templates of active employees who granted consent, and may punch here, ever reach a
    // kiosk.
    c.query_row(
&format!(
        "SELECT t.id, t.employee_id, t.model_id, t.vector FROM face_templates t JOIN employees e ON e.id = t.employee_id
         WHERE t.id = ?1 AND e.org_id = ?2 AND t.deleted_at IS NULL AND e.deleted_at IS NULL
         AND e.status = 'active' AND e.consent = 'granted' AND {MAY_PUNCH_AT_SITE}"
    ), params![id, device.org_id.to_string(), device.site_id.to_string()], |r| {
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

fn equipment_entry(
    c: &Sql<'_>,
    id: &str,
    device: &DeviceAuth,
) -> StoreResult<Option<RosterEquipment>> {
    c.query_row(
"SELECT id, name, activation_code_hash, required_qualification_id, relay_channel, (locked_out <> 0 OR out_of_service <> 0) FROM equipment
         WHERE id = ?1 AND org_id = ?2 AND site_id = ?3 AND deleted_at IS NULL", params![id, device.org_id.to_string(), device.site_id.to_string()], |r: &Row<'_>| {
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

fn qualification_entry(
    c: &Sql<'_>,
    id: &str,
    device: &DeviceAuth,
) -> StoreResult<Option<RosterQualification>> {
    c.query_row(
        "SELECT id, name FROM qualifications WHERE id = ?1 AND org_id = ?2 AND deleted_at IS NULL",
        params![id, device.org_id.to_string()],
        |r| {
            Ok(RosterQualification {
                id: get_id(r, 0)?,
                name: r.get(1)?,
            })
        },
    )
    .optional()
    .map_err(db)
}

/// The latest change per entity after `since`, oldest first, at most `limit`.
fn changes(c: &Sql<'_>, device: &DeviceAuth, since: u64, limit: u32) -> StoreResult<Vec<Change>> {
    let rows: Vec<(String, String, i64)> = c
        .query_map(
            "SELECT entity, entity_id, MAX(seq) AS s FROM roster_changes WHERE org_id = ?1 AND seq > ?2
             GROUP BY entity, entity_id ORDER BY s LIMIT ?3",
            params![device.org_id.to_string(), since as i64, i64::from(limit)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map_err(db)?;
    Ok(rows
        .into_iter()
        .map(|(entity, id, seq)| Change {
            kind: match entity.as_str() {
                "employee" => EntityKind::Employee,
                "template" => EntityKind::Template,
                "equipment" => EntityKind::Equipment,
                _ => EntityKind::Qualification,
            },
            id: id.parse().unwrap_or_default(),
            seq: seq as u64,
        })
        .collect())
}

#[async_trait]
impl RosterStore for SqlDb {
    async fn roster_delta(
        &self,
        device: &DeviceAuth,
        since: u64,
        limit: u32,
    ) -> StoreResult<RosterDelta> {
        let device = device.clone();
        self.read(move |c| {
            // One more than asked, to learn whether more remain.
            let changes = changes(c, &device, since, limit + 1)?;
            let liveness = site_liveness(c, device.site_id)?;
            let face_match = site_face_match(c, device.site_id)?;
            let mut delta = assemble(&device, since, limit, changes, |change| {
                let id = change.id.to_string();
                Ok(match change.kind {
                    EntityKind::Employee => employee_entry(c, &id, &device)?.map(Entry::Employee),
                    EntityKind::Template => template_entry(c, &id, &device)?.map(Entry::Template),
                    EntityKind::Equipment => {
                        equipment_entry(c, &id, &device)?.map(Entry::Equipment)
                    }
                    EntityKind::Qualification => {
                        qualification_entry(c, &id, &device)?.map(Entry::Qualification)
                    }
                })
            })?;
            delta.config.liveness = Some(liveness);
            delta.config.face_match = Some(face_match);
            Ok(delta)
        })
        .await
    }
}
