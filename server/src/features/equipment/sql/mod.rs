//! The equipment store on SQLite: machines and holds here, qualifications and grants in
//! [`qualifications`], machine sessions in [`sessions`]. Each change writes its roster-change
//! row (kiosks pull it) and its audit row in the change's own transaction.

mod qualifications;
mod sessions;

use crate::db::sql::{Row, Sql, params};
use async_trait::async_trait;
use attend_protocol::ids::{EmployeeId, EquipmentId, OrgId, QualificationId, SiteId};
use jiff::Timestamp;
use jiff::civil::Date;

use super::store::EquipmentStore;
use super::{
    Equipment, EquipmentUpdate, HeldQualification, Hold, MachineSession, NewEquipment,
    Qualification,
};
use crate::db::sql::{
    Audit, SqlDb, db, get_id, get_opt_id, new_id, opt_org, query_rows, require_in_org,
    roster_changed, ts,
};
use crate::db::{AuditCtx, DepartmentFilter, Scope, StoreResult};
use qualifications::require_qualification;

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

fn load(c: &Sql<'_>, scope: Scope, id: EquipmentId) -> StoreResult<Equipment> {
    c.query_row(
        &format!("SELECT {COLS} FROM equipment WHERE id = ?1 AND deleted_at IS NULL AND (?2 IS NULL OR org_id = ?2)"),
        params![id.to_string(), opt_org(scope.org())],
        row,
    )
    .map_err(db)
}

/// Audits the change and tells kiosks, in the caller's transaction.
fn changed(
    tx: &Sql<'_>,
    ctx: &AuditCtx,
    action: &str,
    before: Option<&Equipment>,
    after: &Equipment,
) -> StoreResult<()> {
    roster_changed(tx, after.org_id, "equipment", &after.id.to_string())?;
    Audit::new(ctx, Some(after.org_id), action, "equipment")
        .id(after.id)
        .maybe_before(before)
        .after(after)
        .write(tx)
}

#[async_trait]
impl EquipmentStore for SqlDb {
    async fn create_equipment(
        &self,
        ctx: &AuditCtx,
        new: NewEquipment,
    ) -> StoreResult<EquipmentId> {
        let ctx = ctx.clone();
        self.write(move |tx| {
            let site = Some(new.site_id.to_string());
            require_in_org(tx, "sites", "site_id", site, new.org_id)?;
            require_qualification(tx, new.org_id, new.required_qualification)?;
            let id: EquipmentId = new_id();
            tx.execute(
                "INSERT INTO equipment (id, org_id, site_id, name, relay_channel, activation_code_hash, required_qualification_id, created_at,
                                        code_fingerprint)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![id.to_string(), new.org_id.to_string(), new.site_id.to_string(), new.name, new.relay_channel,
                        new.activation_code_hash, new.required_qualification.map(|q| q.to_string()), ts(Timestamp::now()),
                        new.code_fingerprint],
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

    async fn unfingerprinted_code_hashes(
        &self,
        site: SiteId,
        except: Option<EquipmentId>,
    ) -> StoreResult<Vec<String>> {
        self.read(move |c| {
            query_rows(c, "SELECT activation_code_hash FROM equipment
                           WHERE site_id = ?1 AND deleted_at IS NULL AND code_fingerprint IS NULL AND (?2 IS NULL OR id <> ?2)",
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
                    "UPDATE equipment SET activation_code_hash = ?2, code_fingerprint = ?3 WHERE id = ?1",
                    params![id.to_string(), hash, update.code_fingerprint],
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
            Audit::new(&ctx, Some(before.org_id), "delete", "equipment")
                .id(id)
                .before(&before)
                .write(tx)
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
        self.write(move |tx| qualifications::create(tx, &ctx, org, name.clone()))
            .await
    }

    async fn list_qualifications(&self, scope: Scope) -> StoreResult<Vec<Qualification>> {
        self.read(move |c| qualifications::list(c, scope)).await
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
            qualifications::set_for_employee(
                tx,
                &ctx,
                scope,
                &depts,
                employee,
                qualification,
                grant,
            )
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
        self.read(move |c| qualifications::of_employee(c, scope, &depts, employee))
            .await
    }

    async fn machine_sessions(
        &self,
        scope: Scope,
        equipment: Option<EquipmentId>,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<Vec<MachineSession>> {
        self.read(move |c| sessions::sessions(c, scope, equipment, from, to))
            .await
    }
}
