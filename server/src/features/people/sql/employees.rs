//! Employee rows: the columns, the row mapping, and the inserts and roster changes that more
//! than one write shares.

use crate::db::sql::{Row, Sql, params};
use attend_protocol::ids::{EmployeeId, OrgId};
use jiff::Timestamp;

use super::super::{Employee, EmployeeStatus, NewEmployee, consent_as_str, parse_consent};
use crate::db::sql::{
    db, dept_param, get_enum, get_id, get_opt_id, get_ts, new_id, opt_org, require_in_org,
    require_org, roster_changed, ts,
};
use crate::db::{DepartmentFilter, Scope, StoreResult};

pub(super) const EMPLOYEE_COLS: &str =
    "id, org_id, employee_number, display_name, email, department_id, site_id, status,
    consent, pin_hash IS NOT NULL, created_at, updated_at, created_by, no_head_turn";

pub(super) fn employee_row(r: &Row<'_>) -> rusqlite::Result<Employee> {
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
        created_by: get_opt_id(r, 12)?,
        no_head_turn: r.get(13)?,
    })
}

pub(crate) fn load_employee(
    c: &Sql<'_>,
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

/// Marks the employee and all its templates changed, so kiosks re-fetch or tombstone them.
pub(super) fn employee_roster_changed(tx: &Sql<'_>, org: OrgId, id: EmployeeId) -> StoreResult<()> {
    roster_changed(tx, org, "employee", &id.to_string())?;
    let templates: Vec<String> = tx
        .query_map(
            "SELECT id FROM face_templates WHERE employee_id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .map_err(db)?;
    for t in templates {
        roster_changed(tx, org, "template", &t)?;
    }
    Ok(())
}

pub(crate) fn insert_employee(tx: &Sql<'_>, new: NewEmployee) -> StoreResult<EmployeeId> {
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
                                status, consent, pin_hash, created_at, updated_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12)",
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
            new.created_by.map(|u| u.to_string()),
        ],
    )
    .map_err(db)?;
    if new.status == EmployeeStatus::Active {
        roster_changed(tx, new.org_id, "employee", &id.to_string())?;
    }
    Ok(id)
}
