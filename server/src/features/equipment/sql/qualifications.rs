//! Qualifications on SQLite: defining one, and granting, renewing and revoking one for an
//! employee, each inside the caller's transaction with its roster-change and audit rows.
//! Kiosks check qualifications offline from the employee's roster entry, so a grant or a
//! revocation marks the employee changed.

use crate::db::sql::{OptionalExtension, Sql, params};
use attend_protocol::ids::{EmployeeId, OrgId, QualificationId};
use jiff::civil::Date;

use super::super::{HeldQualification, Qualification};
use crate::db::sql::{
    Audit, db, employee_in_scope, get_id, new_id, opt_org, query_rows, roster_changed,
};
use crate::db::{AuditCtx, DepartmentFilter, Scope, StoreError, StoreResult};

/// The qualification must be a live one of the organisation.
pub(super) fn require_qualification(
    c: &Sql<'_>,
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

fn held(c: &Sql<'_>, employee: EmployeeId) -> StoreResult<Vec<HeldQualification>> {
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

pub(super) fn create(
    tx: &Sql<'_>,
    ctx: &AuditCtx,
    org: OrgId,
    name: String,
) -> StoreResult<Qualification> {
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
    Audit::new(ctx, Some(org), "create", "qualification")
        .id(id)
        .after(&q)
        .write(tx)?;
    Ok(q)
}

pub(super) fn list(c: &Sql<'_>, scope: Scope) -> StoreResult<Vec<Qualification>> {
    query_rows(
        c,
        "SELECT id, org_id, name FROM qualifications WHERE deleted_at IS NULL AND (?1 IS NULL OR org_id = ?1) ORDER BY name",
        params![opt_org(scope.org())],
        |r| {
            Ok(Qualification {
                id: get_id(r, 0)?,
                org_id: get_id(r, 1)?,
                name: r.get(2)?,
            })
        },
    )
}

/// Grants (`Some(expiry)`, renewing an existing grant) or revokes (`None`) a qualification of
/// an employee in scope; answers what the employee holds afterwards.
#[allow(clippy::option_option)]
pub(super) fn set_for_employee(
    tx: &Sql<'_>,
    ctx: &AuditCtx,
    scope: Scope,
    depts: &DepartmentFilter,
    employee: EmployeeId,
    qualification: QualificationId,
    grant: Option<Option<Date>>,
) -> StoreResult<Vec<HeldQualification>> {
    let person = employee_in_scope(tx, scope, depts, employee)?;
    require_qualification(tx, person.org_id, Some(qualification)).map_err(|e| match e {
        StoreError::NotFound | StoreError::BadReference { .. } => StoreError::BadReference {
            field: "qualification_id",
        },
        other => other,
    })?;
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
    let after = serde_json::json!({
        "qualification_id": qualification,
        "granted": grant.is_some(),
        "expires_on": grant.flatten().map(|d| d.to_string()),
    });
    let action = if grant.is_some() { "grant" } else { "revoke" };
    Audit::new(ctx, Some(person.org_id), action, "qualification")
        .id(employee)
        .after(&after)
        .write(tx)?;
    held(tx, employee)
}

/// What an employee in scope holds.
pub(super) fn of_employee(
    c: &Sql<'_>,
    scope: Scope,
    depts: &DepartmentFilter,
    employee: EmployeeId,
) -> StoreResult<Vec<HeldQualification>> {
    employee_in_scope(c, scope, depts, employee)?;
    held(c, employee)
}
