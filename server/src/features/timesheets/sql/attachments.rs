//! Attachment metadata on SQLite. Only someone who may see the employee lists or downloads;
//! an approved (locked) timesheet takes no new attachment.

use crate::db::sql::{OptionalExtension, Row, Sql, params};
use attend_protocol::ids::{AttachmentId, EmployeeId};
use jiff::Timestamp;
use jiff::civil::Date;

use super::super::{Attachment, NewAttachment};
use crate::db::sql::{
    Audit, db, dept_param, employee_in_scope, get_date, get_id, get_opt_id, get_ts, new_id,
    opt_org, query_rows, ts,
};
use crate::db::{AuditCtx, DepartmentFilter, Scope, StoreError, StoreResult};

const COLS: &str = "a.id, a.org_id, a.employee_id, a.period_start, a.filename, a.content_type, a.size_bytes, a.sha256,
    a.uploaded_by, a.created_at, a.storage_key";
const FROM: &str = "FROM attachments a JOIN employees e ON e.id = a.employee_id
    WHERE (?1 IS NULL OR a.org_id = ?1) AND (?2 IS NULL OR e.department_id IN (SELECT value FROM json_each(?2)))";

fn row(r: &Row<'_>) -> rusqlite::Result<Attachment> {
    Ok(Attachment {
        id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        employee_id: get_id(r, 2)?,
        period_start: get_date(r, 3)?,
        filename: r.get(4)?,
        content_type: r.get(5)?,
        size_bytes: r.get(6)?,
        sha256: r.get(7)?,
        uploaded_by: get_opt_id(r, 8)?,
        created_at: get_ts(r, 9)?,
        storage_key: r.get(10)?,
    })
}

pub(super) fn add(
    tx: &Sql<'_>,
    ctx: &AuditCtx,
    scope: Scope,
    depts: &DepartmentFilter,
    new: NewAttachment,
) -> StoreResult<Attachment> {
    let person = employee_in_scope(tx, scope, depts, new.employee)?;
    let locked: Option<i64> = tx
        .query_row(
            "SELECT 1 FROM timesheets WHERE employee_id = ?1 AND period_start = ?2 AND status = 'approved'",
            params![new.employee.to_string(), new.period.start.to_string()],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?;
    if locked.is_some() {
        return Err(StoreError::State("approved timesheets are locked".into()));
    }
    // Counted in the adding transaction, so parallel uploads cannot overshoot together.
    let used: i64 = tx
        .query_row(
            "SELECT COALESCE(SUM(size_bytes), 0) FROM attachments WHERE employee_id = ?1",
            [new.employee.to_string()],
            |r| r.get(0),
        )
        .map_err(db)?;
    if u64::try_from(used)
        .unwrap_or(u64::MAX)
        .saturating_add(new.size_bytes)
        > new.quota_bytes
    {
        return Err(StoreError::State(format!(
            "this employee's attachments would exceed their quota of {} bytes",
            new.quota_bytes
        )));
    }
    let id: AttachmentId = new_id();
    tx.execute(
        "INSERT INTO attachments (id, org_id, employee_id, period_start, filename, content_type, size_bytes, sha256, storage_key, uploaded_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![id.to_string(), person.org_id.to_string(), new.employee.to_string(), new.period.start.to_string(), new.filename,
                new.content_type, new.size_bytes, new.sha256, new.storage_key, ctx.actor.id(), ts(Timestamp::now())],
    )
    .map_err(db)?;
    let created = get(tx, Scope::All, &DepartmentFilter::Any, id)?;
    Audit::new(ctx, Some(person.org_id), "attach", "timesheet")
        .id(new.employee)
        .after(&created)
        .write(tx)?;
    Ok(created)
}

pub(super) fn list(
    c: &Sql<'_>,
    scope: Scope,
    depts: &DepartmentFilter,
    employee: EmployeeId,
    period_start: Date,
) -> StoreResult<Vec<Attachment>> {
    employee_in_scope(c, scope, depts, employee)?;
    query_rows(
        c,
        &format!(
            "SELECT {COLS} {FROM} AND a.employee_id = ?3 AND a.period_start = ?4 ORDER BY a.created_at"
        ),
        params![
            opt_org(scope.org()),
            dept_param(depts),
            employee.to_string(),
            period_start.to_string()
        ],
        row,
    )
}

pub(super) fn get(
    c: &Sql<'_>,
    scope: Scope,
    depts: &DepartmentFilter,
    id: AttachmentId,
) -> StoreResult<Attachment> {
    c.query_row(
        &format!("SELECT {COLS} {FROM} AND a.id = ?3"),
        params![opt_org(scope.org()), dept_param(depts), id.to_string()],
        row,
    )
    .map_err(db)
}
