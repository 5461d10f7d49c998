//! Equipment, qualifications and machine sessions (see `storage::equipment` for the rules).

use async_trait::async_trait;
use attend_protocol::ids::{EmployeeId, EquipmentId, OrgId, QualificationId, SiteId};
use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use crate::db::sqlite::employee_in_scope as load_employee;
use super::{
    SqliteStore, Audit, db, get_id, get_opt_id, new_id, opt_org, query_rows, roster_changed, ts,
};
use crate::storage::{
    AuditCtx, DepartmentFilter, Equipment, EquipmentStore, EquipmentUpdate, HeldQualification,
    Hold, MachineSession, NewEquipment, Qualification, Scope, StoreError, StoreResult,
};

const COLS: &str =
    "id, org_id, site_id, name, relay_channel, required_qualification_id, locked_out,
    lockout_reason, out_of_service, service_reason";

fn row(r: &Row<'_>) -> rusqlite::Result<Equipment> {
    Ok(Equipment {
        id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        site_id: get_id(r, 2)?,
        name: r.get(3)?,
        relay_channel: r.get(4)?,
        required_qualification: get_opt_id(r, 5)?,
        locked_out: r.get(6)?,
        lockout_reason: r.get(7)?,
        out_of_service: r.get(8)?,
        service_reason: r.get(9)?,
    })
}

fn load(c: &Connection, scope: Scope, id: EquipmentId) -> StoreResult<Equipment> {
    c.query_row(
        &format!("SELECT {COLS} FROM equipment WHERE id = ?1 AND deleted_at IS NULL AND (?2 IS NULL OR org_id = ?2)"),
        params![id.to_string(), opt_org(scope.org())],
        row,
    )
    .map_err(db)
}

/// The qualification must be a live one of the organisation.
fn require_qualification(
    c: &Connection,
    org: OrgId,
    q: Option<QualificationId>,
) -> StoreResult<()> {
    let Some(q) = q else { return Ok(()) };
    c.query_row(
        "SELECT 1 FROM qualifications WHERE id = ?1 AND org_id = ?2 AND deleted_at IS NULL",
        params![q.to_string(), org.to_string()],
        |r| r.get::<_, i64>(0),
    )
    .optional()
    .map_err(db)?
    .map(|_| ())
    .ok_or(StoreError::BadReference {
        field: "required_qualification_id",
    })
}

/// Audits the change and tells kiosks, in the caller's transaction.
fn changed(
    tx: &Transaction<'_>,
    ctx: &AuditCtx,
    action: &str,
    before: Option<&Equipment>,
    after: &Equipment,
) -> StoreResult<()> {
    roster_changed(tx, after.org_id, "equipment", &after.id.to_string())?;
    Audit::new(ctx, Some(after.org_id), action, "equipment").id(&after.id.to_string()).maybe_before(before).after(after).write(tx)
}

fn held(c: &Connection, employee: EmployeeId) -> StoreResult<Vec<HeldQualification>> {
    query_rows(
        c,
        "SELECT q.id, q.name, h.expires_on FROM employee_qualifications h JOIN qualifications q ON q.id = h.qualification_id
         WHERE h.employee_id = ?1 AND q.deleted_at IS NULL ORDER BY q.name",
        [employee.to_string()],
        |r| {
            let expires: Option<String> = r.get(2)?;
            Ok(HeldQualification {
                qualification_id: get_id(r, 0)?,
                name: r.get(1)?,
                expires_on: expires.and_then(|d| d.parse().ok()),
            })
        },
    )
}

#[async_trait]
impl EquipmentStore for SqliteStore {
    async fn create_equipment(
        &self,
        ctx: &AuditCtx,
        new: NewEquipment,
    ) -> StoreResult<EquipmentId> {
        let ctx = ctx.clone();
        self.write(move |tx| {
            let site: Option<i64> = tx
                .query_row("SELECT 1 FROM sites WHERE id = ?1 AND org_id = ?2", params![new.site_id.to_string(), new.org_id.to_string()], |r| r.get(0))
                .optional()
                .map_err(db)?;
            if site.is_none() {
                return Err(StoreError::BadReference { field: "site_id" });
            }
            require_qualification(tx, new.org_id, new.required_qualification)?;
            let id: EquipmentId = new_id();
            tx.execute(
                "INSERT INTO equipment (id, org_id, site_id, name, relay_channel, activation_code_hash, required_qualification_id, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![id.to_string(), new.org_id.to_string(), new.site_id.to_string(), new.name, new.relay_channel,
                        new.activation_code_hash, new.required_qualification.map(|q| q.to_string()), ts(Timestamp::now())],
            )
            .map_err(db)?;
            let after = load(tx, Scope::All, id)?;
            changed(tx, &ctx, "create", None, &after)?;
            Ok(id)
        })
        .await
    }

    async fn list_equipment(&self, scope: Scope) -> StoreResult<Vec<Equipment>> {
        self.read(move |c| {
            query_rows(c, &format!("SELECT {COLS} FROM equipment WHERE deleted_at IS NULL AND (?1 IS NULL OR org_id = ?1) ORDER BY site_id, name"),
                params![opt_org(scope.org())], row)
        })
        .await
    }

    async fn get_equipment(&self, scope: Scope, id: EquipmentId) -> StoreResult<Equipment> {
        self.read(move |c| load(c, scope, id)).await
    }

    async fn site_code_hashes(
        &self,
        site: SiteId,
        except: Option<EquipmentId>,
    ) -> StoreResult<Vec<String>> {
        self.read(move |c| {
            query_rows(c, "SELECT activation_code_hash FROM equipment WHERE site_id = ?1 AND deleted_at IS NULL AND (?2 IS NULL OR id <> ?2)",
                params![site.to_string(), except.map(|e| e.to_string())], |r| r.get(0))
        })
        .await
    }

    async fn update_equipment(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        id: EquipmentId,
        update: EquipmentUpdate,
    ) -> StoreResult<Equipment> {
        let ctx = ctx.clone();
        self.write(move |tx| {
            let before = load(tx, scope, id)?;
            if let Some(q) = update.required_qualification {
                require_qualification(tx, before.org_id, q)?;
                tx.execute(
                    "UPDATE equipment SET required_qualification_id = ?2 WHERE id = ?1",
                    params![id.to_string(), q.map(|q| q.to_string())],
                )
                .map_err(db)?;
            }
            if let Some(name) = &update.name {
                tx.execute(
                    "UPDATE equipment SET name = ?2 WHERE id = ?1",
                    params![id.to_string(), name],
                )
                .map_err(db)?;
            }
            if let Some(relay) = update.relay_channel {
                tx.execute(
                    "UPDATE equipment SET relay_channel = ?2 WHERE id = ?1",
                    params![id.to_string(), relay],
                )
                .map_err(db)?;
            }
            let rotated = update.activation_code_hash.is_some();
            if let Some(hash) = &update.activation_code_hash {
                tx.execute(
                    "UPDATE equipment SET activation_code_hash = ?2 WHERE id = ?1",
                    params![id.to_string(), hash],
                )
                .map_err(db)?;
            }
            let after = load(tx, scope, id)?;
            changed(
                tx,
                &ctx,
                if rotated { "rotate_code" } else { "update" },
                Some(&before),
                &after,
            )?;
            Ok(after)
        })
        .await
    }

    async fn set_hold(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        id: EquipmentId,
        hold: Hold,
    ) -> StoreResult<Equipment> {
        let ctx = ctx.clone();
        self.write(move |tx| {
            let before = load(tx, scope, id)?;
            let (sql, reason, action) = match &hold {
                Hold::Lockout(r) => (
                    "UPDATE equipment SET locked_out = ?2, lockout_reason = ?3 WHERE id = ?1",
                    r,
                    if r.is_some() {
                        "lock_out"
                    } else {
                        "lift_lockout"
                    },
                ),
                Hold::OutOfService(r) => (
                    "UPDATE equipment SET out_of_service = ?2, service_reason = ?3 WHERE id = ?1",
                    r,
                    if r.is_some() {
                        "out_of_service"
                    } else {
                        "back_in_service"
                    },
                ),
            };
            tx.execute(sql, params![id.to_string(), reason.is_some(), reason])
                .map_err(db)?;
            let after = load(tx, scope, id)?;
            changed(tx, &ctx, action, Some(&before), &after)?;
            Ok(after)
        })
        .await
    }

    async fn delete_equipment(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        id: EquipmentId,
    ) -> StoreResult<()> {
        let ctx = ctx.clone();
        self.write(move |tx| {
            let before = load(tx, scope, id)?;
            tx.execute(
                "UPDATE equipment SET deleted_at = ?2 WHERE id = ?1",
                params![id.to_string(), ts(Timestamp::now())],
            )
            .map_err(db)?;
            roster_changed(tx, before.org_id, "equipment", &id.to_string())?;
            Audit::new(&ctx, Some(before.org_id), "delete", "equipment").id(&id.to_string()).before(&before).write(tx)
        })
        .await
    }

    async fn create_qualification(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        name: &str,
    ) -> StoreResult<Qualification> {
        let (ctx, name) = (ctx.clone(), name.to_owned());
        self.write(move |tx| {
            let id: QualificationId = new_id();
            tx.execute(
                "INSERT INTO qualifications (id, org_id, name) VALUES (?1, ?2, ?3)",
                params![id.to_string(), org.to_string(), name],
            )
            .map_err(db)?;
            let q = Qualification {
                id,
                org_id: org,
                name,
            };
            roster_changed(tx, org, "qualification", &id.to_string())?;
            Audit::new(&ctx, Some(org), "create", "qualification").id(&id.to_string()).after(&q).write(tx)?;
            Ok(q)
        })
        .await
    }

    async fn list_qualifications(&self, scope: Scope) -> StoreResult<Vec<Qualification>> {
        self.read(move |c| {
            query_rows(c, "SELECT id, org_id, name FROM qualifications WHERE deleted_at IS NULL AND (?1 IS NULL OR org_id = ?1) ORDER BY name",
                params![opt_org(scope.org())], |r| Ok(Qualification { id: get_id(r, 0)?, org_id: get_id(r, 1)?, name: r.get(2)? }))
        })
        .await
    }

    async fn set_employee_qualification(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
        qualification: QualificationId,
        grant: Option<Option<Date>>,
    ) -> StoreResult<Vec<HeldQualification>> {
        let (ctx, depts) = (ctx.clone(), depts.clone());
        self.write(move |tx| {
            let person = load_employee(tx, scope, &depts, employee)?;
            require_qualification(tx, person.org_id, Some(qualification))
                .map_err(|_| StoreError::BadReference { field: "qualification_id" })?;
            match grant {
                Some(expires) => tx.execute(
                    "INSERT INTO employee_qualifications (employee_id, qualification_id, expires_on) VALUES (?1, ?2, ?3)
                     ON CONFLICT (employee_id, qualification_id) DO UPDATE SET expires_on = ?3",
                    params![employee.to_string(), qualification.to_string(), expires.map(|d| d.to_string())],
                ),
                None => tx.execute(
                    "DELETE FROM employee_qualifications WHERE employee_id = ?1 AND qualification_id = ?2",
                    params![employee.to_string(), qualification.to_string()],
                ),
            }
            .map_err(db)?;
            // Kiosks check qualifications offline from the employee's roster entry.
            roster_changed(tx, person.org_id, "employee", &employee.to_string())?;
            let after = serde_json::json!({ "qualification_id": qualification, "granted": grant.is_some(), "expires_on": grant.flatten().map(|d| d.to_string()) });
            Audit::new(&ctx, Some(person.org_id), if grant.is_some() { "grant" } else { "revoke" }, "qualification").id(&employee.to_string()).after(&after).write(tx)?;
            held(tx, employee)
        })
        .await
    }

    async fn employee_qualifications(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
    ) -> StoreResult<Vec<HeldQualification>> {
        let depts = depts.clone();
        self.read(move |c| {
            load_employee(c, scope, &depts, employee)?;
            held(c, employee)
        })
        .await
    }

    async fn machine_sessions(
        &self,
        scope: Scope,
        equipment: Option<EquipmentId>,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<Vec<MachineSession>> {
        self.read(move |c| super::machine_sessions::sessions(c, scope, equipment, from, to))
            .await
    }
}
