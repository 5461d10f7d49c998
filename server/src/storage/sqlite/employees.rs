//! Employees: records, soft delete, approval, self-registration.

use async_trait::async_trait;
use attend_protocol::ids::{EmployeeId, OrgId};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use crate::db::sqlite::require_org;
use super::users::create_user_tx;
use super::{
    SqliteStore, Audit, db, get_enum, get_id, get_opt_id, get_ts, new_id, opt_org, page_params,
    paged, query_rows, roster_changed, ts,
};
use crate::storage::model::consent_as_str;
use crate::storage::{
    AuditCtx, DepartmentFilter, Employee, EmployeeStatus, EmployeeStore, EmployeeUpdate,
    NewEmployee, NewUser, Page, Paged, Scope, StoreError, StoreResult, User, parse_consent,
};

const EMPLOYEE_COLS: &str =
    "id, org_id, employee_number, display_name, email, department_id, site_id, status,
    consent, pin_hash IS NOT NULL, created_at, updated_at";

fn employee_row(r: &Row<'_>) -> rusqlite::Result<Employee> {
    Ok(Employee {
        id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        employee_number: r.get(2)?,
        display_name: r.get(3)?,
        email: r.get(4)?,
        department_id: get_opt_id(r, 5)?,
        site_id: get_opt_id(r, 6)?,
        status: get_enum(r, 7, EmployeeStatus::parse)?,
        consent: get_enum(r, 8, parse_consent)?,
        has_pin: r.get(9)?,
        created_at: get_ts(r, 10)?,
        updated_at: get_ts(r, 11)?,
    })
}

/// `NULL` for "any department", else a JSON array for `json_each`.
pub(crate) fn dept_param(depts: &DepartmentFilter) -> Option<String> {
    match depts {
        DepartmentFilter::Any => None,
        DepartmentFilter::Only(ids) => Some(
            serde_json::Value::from(ids.iter().map(ToString::to_string).collect::<Vec<_>>())
                .to_string(),
        ),
    }
}

pub(crate) fn load_employee(
    c: &Connection,
    scope: Scope,
    depts: &DepartmentFilter,
    id: EmployeeId,
) -> StoreResult<Employee> {
    c.query_row(
        &format!(
            "SELECT {EMPLOYEE_COLS} FROM employees WHERE id = ?1 AND deleted_at IS NULL
             AND (?2 IS NULL OR org_id = ?2)
             AND (?3 IS NULL OR department_id IN (SELECT value FROM json_each(?3)))"
        ),
        params![id.to_string(), opt_org(scope.org()), dept_param(depts)],
        employee_row,
    )
    .map_err(db)
}

pub(crate) fn require_in_org(
    tx: &Connection,
    table: &str,
    field: &'static str,
    id: Option<String>,
    org: OrgId,
) -> StoreResult<()> {
    let Some(id) = id else { return Ok(()) };
    let found: Option<i64> = tx
        .query_row(
            &format!("SELECT 1 FROM {table} WHERE id = ?1 AND org_id = ?2"),
            params![id, org.to_string()],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?;
    found.map(|_| ()).ok_or(StoreError::BadReference { field })
}

/// Marks the employee and all its templates changed, so kiosks re-fetch or tombstone them.
fn employee_roster_changed(tx: &Transaction<'_>, org: OrgId, id: EmployeeId) -> StoreResult<()> {
    roster_changed(tx, org, "employee", &id.to_string())?;
    let mut stmt = tx
        .prepare_cached("SELECT id FROM face_templates WHERE employee_id = ?1")
        .map_err(db)?;
    let templates: Vec<String> = stmt
        .query_map([id.to_string()], |r| r.get(0))
        .map_err(db)?
        .collect::<Result<_, _>>()
        .map_err(db)?;
    for t in templates {
        roster_changed(tx, org, "template", &t)?;
    }
    Ok(())
}

fn insert_employee(tx: &Transaction<'_>, new: NewEmployee) -> StoreResult<EmployeeId> {
    require_org(tx, new.org_id)?;
    require_in_org(
        tx,
        "departments",
        "department_id",
        new.department_id.map(|d| d.to_string()),
        new.org_id,
    )?;
    require_in_org(
        tx,
        "sites",
        "site_id",
        new.site_id.map(|s| s.to_string()),
        new.org_id,
    )?;
    let id: EmployeeId = new_id();
    let now = ts(Timestamp::now());
    tx.execute(
        "INSERT INTO employees (id, org_id, employee_number, display_name, email, department_id, site_id,
                                status, consent, pin_hash, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
        params![
            id.to_string(),
            new.org_id.to_string(),
            new.employee_number,
            new.display_name,
            new.email,
            new.department_id.map(|d| d.to_string()),
            new.site_id.map(|s| s.to_string()),
            new.status.as_str(),
            consent_as_str(new.consent),
            new.pin_hash,
            now,
        ],
    )
    .map_err(db)?;
    if new.status == EmployeeStatus::Active {
        roster_changed(tx, new.org_id, "employee", &id.to_string())?;
    }
    Ok(id)
}

#[async_trait]
impl EmployeeStore for SqliteStore {
    async fn create_employee(&self, ctx: &AuditCtx, new: NewEmployee) -> StoreResult<Employee> {
        let ctx = ctx.clone();
        self.write(move |tx| {
            let org = new.org_id;
            let id = insert_employee(tx, new)?;
            let e = load_employee(tx, Scope::All, &DepartmentFilter::Any, id)?;
            Audit::new(&ctx, Some(org), "create", "employee").id(&id.to_string()).after(&e).write(tx)?;
            Ok(e)
        })
        .await
    }

    async fn list_employees(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        page: &Page,
    ) -> StoreResult<Paged<Employee>> {
        let (after, limit) = page_params(page);
        let (org, depts) = (opt_org(scope.org()), dept_param(depts));
        let rows = self
            .read(move |c| {
                query_rows(
                    c,
                    &format!(
                        "SELECT {EMPLOYEE_COLS} FROM employees WHERE deleted_at IS NULL
                         AND (?1 IS NULL OR org_id = ?1)
                         AND (?2 IS NULL OR department_id IN (SELECT value FROM json_each(?2)))
                         AND (?3 IS NULL OR id > ?3) ORDER BY id LIMIT ?4"
                    ),
                    params![org, depts, after, limit],
                    employee_row,
                )
            })
            .await?;
        Ok(paged(rows, page, |e| e.id.to_string()))
    }

    async fn get_employee(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EmployeeId,
    ) -> StoreResult<Employee> {
        let depts = depts.clone();
        self.read(move |c| load_employee(c, scope, &depts, id))
            .await
    }

    async fn update_employee(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EmployeeId,
        update: EmployeeUpdate,
    ) -> StoreResult<Employee> {
        let (ctx, depts) = (ctx.clone(), depts.clone());
        self.write(move |tx| {
            let before = load_employee(tx, scope, &depts, id)?;
            let org = before.org_id;
            if let Some(Some(d)) = update.department_id {
                require_in_org(tx, "departments", "department_id", Some(d.to_string()), org)?;
            }
            if let Some(Some(s)) = update.site_id {
                require_in_org(tx, "sites", "site_id", Some(s.to_string()), org)?;
            }
            let set = |col: &str, value: Option<String>| -> StoreResult<()> {
                tx.execute(
                    &format!("UPDATE employees SET {col} = ?2 WHERE id = ?1"),
                    params![id.to_string(), value],
                )
                .map(|_| ())
                .map_err(db)
            };
            if let Some(v) = update.display_name {
                set("display_name", Some(v))?;
            }
            if let Some(v) = update.email {
                set("email", v)?;
            }
            if let Some(v) = update.department_id {
                set("department_id", v.map(|d| d.to_string()))?;
            }
            if let Some(v) = update.site_id {
                set("site_id", v.map(|s| s.to_string()))?;
            }
            if let Some(v) = update.consent {
                set("consent", Some(consent_as_str(v).to_owned()))?;
                if v != attend_protocol::roster::ConsentState::Granted {
                    super::enrolment::forget_biometrics(tx, id, &ts(Timestamp::now()))?;
                }
            }
            if let Some(v) = update.pin_hash {
                set("pin_hash", v)?;
            }
            set("updated_at", Some(ts(Timestamp::now())))?;
            let after = load_employee(tx, Scope::All, &DepartmentFilter::Any, id)?;
            employee_roster_changed(tx, org, id)?;
            Audit::new(&ctx, Some(org), "update", "employee").id(&id.to_string()).before(&before).after(&after).write(tx)?;
            Ok(after)
        })
        .await
    }

    async fn delete_employee(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EmployeeId,
    ) -> StoreResult<()> {
        let (ctx, depts) = (ctx.clone(), depts.clone());
        self.write(move |tx| {
            let before = load_employee(tx, scope, &depts, id)?;
            let now = ts(Timestamp::now());
            tx.execute(
                "UPDATE employees SET deleted_at = ?2, updated_at = ?2 WHERE id = ?1",
                params![id.to_string(), now],
            )
            .map_err(db)?;
            // Biometric data goes with the person: templates are deleted, kiosks get tombstones.
            super::enrolment::forget_biometrics(tx, id, &now)?;
            tx.execute(
                "UPDATE users SET status = 'disabled' WHERE employee_id = ?1",
                [id.to_string()],
            )
            .map_err(db)?;
            employee_roster_changed(tx, before.org_id, id)?;
            Audit::new(&ctx, Some(before.org_id), "delete", "employee").id(&id.to_string()).before(&before).write(tx)
        })
        .await
    }

    async fn approve_employee(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EmployeeId,
    ) -> StoreResult<Employee> {
        let (ctx, depts) = (ctx.clone(), depts.clone());
        self.write(move |tx| {
            let before = load_employee(tx, scope, &depts, id)?;
            if before.status == EmployeeStatus::Active {
                return Err(StoreError::State("employee is already active".into()));
            }
            tx.execute(
                "UPDATE employees SET status = 'active', updated_at = ?2 WHERE id = ?1",
                params![id.to_string(), ts(Timestamp::now())],
            )
            .map_err(db)?;
            tx.execute(
                "UPDATE users SET status = 'active' WHERE employee_id = ?1 AND status = 'pending'",
                [id.to_string()],
            )
            .map_err(db)?;
            let after = load_employee(tx, Scope::All, &DepartmentFilter::Any, id)?;
            employee_roster_changed(tx, before.org_id, id)?;
            Audit::new(&ctx, Some(before.org_id), "approve", "employee").id(&id.to_string()).before(&before).after(&after).write(tx)?;
            Ok(after)
        })
        .await
    }

    async fn register_employee(
        &self,
        ctx: &AuditCtx,
        employee: NewEmployee,
        mut user: NewUser,
    ) -> StoreResult<User> {
        let ctx = ctx.clone();
        self.write(move |tx| {
            let org = employee.org_id;
            let employee_id = insert_employee(tx, employee)?;
            user.employee_id = Some(employee_id);
            let e = load_employee(tx, Scope::All, &DepartmentFilter::Any, employee_id)?;
            Audit::new(&ctx, Some(org), "register", "employee").id(&employee_id.to_string()).after(&e).write(tx)?;
            create_user_tx(tx, &ctx, user)
        })
        .await
    }
}
