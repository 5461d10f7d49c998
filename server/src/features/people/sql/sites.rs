//! An employee's punch sites on SQLite.

use crate::db::sql::{Sql, params};
use attend_protocol::ids::{EmployeeId, SiteId};

use crate::db::sql::{Audit, db, employee_in_scope, query_rows, require_in_org};
use crate::db::{AuditCtx, DepartmentFilter, Scope, StoreResult};

pub(super) fn load(c: &Sql<'_>, employee: EmployeeId) -> StoreResult<Vec<SiteId>> {
    let ids = query_rows(
        c,
        "SELECT site_id FROM employee_sites WHERE employee_id = ?1 ORDER BY site_id",
        [employee.to_string()],
        |r| r.get::<_, String>(0),
    )?;
    Ok(ids.iter().filter_map(|s| s.parse().ok()).collect())
}

pub(super) fn read(
    c: &Sql<'_>,
    scope: Scope,
    depts: &DepartmentFilter,
    employee: EmployeeId,
) -> StoreResult<Vec<SiteId>> {
    employee_in_scope(c, scope, depts, employee)?;
    load(c, employee)
}

pub(super) fn replace(
    tx: &Sql<'_>,
    ctx: &AuditCtx,
    scope: Scope,
    depts: &DepartmentFilter,
    employee: EmployeeId,
    sites: &[SiteId],
) -> StoreResult<Vec<SiteId>> {
    let person = employee_in_scope(tx, scope, depts, employee)?;
    let before = load(tx, employee)?;
    for site in sites {
        require_in_org(
            tx,
            "sites",
            "site_ids",
            Some(site.to_string()),
            person.org_id,
        )?;
    }
    tx.execute(
        "DELETE FROM employee_sites WHERE employee_id = ?1",
        [employee.to_string()],
    )
    .map_err(db)?;
    for site in sites {
        tx.execute(
            "INSERT INTO employee_sites (employee_id, site_id) VALUES (?1, ?2)",
            params![employee.to_string(), site.to_string()],
        )
        .map_err(db)?;
    }
    let after = load(tx, employee)?;
    // Kiosks hold only the people who may punch at their site: each re-reads this one.
    super::employees::employee_roster_changed(tx, person.org_id, employee)?;
    Audit::new(ctx, Some(person.org_id), "set_punch_sites", "employee")
        .id(employee)
        .before(&before)
        .after(&after)
        .write(tx)?;
    Ok(after)
}
