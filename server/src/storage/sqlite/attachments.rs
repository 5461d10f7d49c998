//! Attachment metadata (see `storage::attachments`).

use async_trait::async_trait;
use attend_protocol::ids::{AttachmentId, EmployeeId};
use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{OptionalExtension, Row, params};

use crate::db::sqlite::{dept_param, employee_in_scope as load_employee};
use super::{
    SqliteStore, Audit, db, get_id, get_opt_id, get_ts, new_id, opt_org, query_rows, ts,
};
use crate::storage::{
    Attachment, AttachmentStore, AuditCtx, DepartmentFilter, NewAttachment, Scope, StoreError,
    StoreResult,
};

const COLS: &str = "a.id, a.org_id, a.employee_id, a.period_start, a.filename, a.content_type, a.size_bytes, a.sha256,
    a.uploaded_by, a.created_at, a.storage_key";
const FROM: &str = "FROM attachments a JOIN employees e ON e.id = a.employee_id
    WHERE (?1 IS NULL OR a.org_id = ?1) AND (?2 IS NULL OR e.department_id IN (SELECT value FROM json_each(?2)))";

fn row(r: &Row<'_>) -> rusqlite::Result<Attachment> {
    let start: String = r.get(3)?;
    Ok(Attachment {
        id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        employee_id: get_id(r, 2)?,
        period_start: start.parse().map_err(|e: jiff::Error| {
            rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, e.into())
        })?,
        filename: r.get(4)?,
        content_type: r.get(5)?,
        size_bytes: r.get(6)?,
        sha256: r.get(7)?,
        uploaded_by: get_opt_id(r, 8)?,
        created_at: get_ts(r, 9)?,
        storage_key: r.get(10)?,
    })
}

#[async_trait]
impl AttachmentStore for SqliteStore {
    async fn add_attachment(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        new: NewAttachment,
    ) -> StoreResult<Attachment> {
        let (ctx, depts) = (ctx.clone(), depts.clone());
        self.write(move |tx| {
            let person = load_employee(tx, scope, &depts, new.employee)?;
            let locked: Option<i64> = tx
                .query_row("SELECT 1 FROM timesheets WHERE employee_id = ?1 AND period_start = ?2 AND status = 'approved'",
                    params![new.employee.to_string(), new.period.start.to_string()], |r| r.get(0))
                .optional()
                .map_err(db)?;
            if locked.is_some() {
                return Err(StoreError::State("approved timesheets are locked".into()));
            }
            let id: AttachmentId = new_id();
            tx.execute(
                "INSERT INTO attachments (id, org_id, employee_id, period_start, filename, content_type, size_bytes, sha256, storage_key, uploaded_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![id.to_string(), person.org_id.to_string(), new.employee.to_string(), new.period.start.to_string(), new.filename,
                        new.content_type, new.size_bytes, new.sha256, new.storage_key, ctx.actor.id(), ts(Timestamp::now())],
            )
            .map_err(db)?;
            let created = tx.query_row(&format!("SELECT {COLS} {FROM} AND a.id = ?3"), params![Option::<String>::None, Option::<String>::None, id.to_string()], row).map_err(db)?;
            Audit::new(&ctx, Some(person.org_id), "attach", "timesheet").id(&new.employee.to_string()).after(&created).write(tx)?;
            Ok(created)
        })
        .await
    }

    async fn list_attachments(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
        period_start: Date,
    ) -> StoreResult<Vec<Attachment>> {
        let depts = depts.clone();
        self.read(move |c| {
            load_employee(c, scope, &depts, employee)?;
            query_rows(c, &format!("SELECT {COLS} {FROM} AND a.employee_id = ?3 AND a.period_start = ?4 ORDER BY a.created_at"),
                params![opt_org(scope.org()), dept_param(&depts), employee.to_string(), period_start.to_string()], row)
        })
        .await
    }

    async fn get_attachment(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        id: AttachmentId,
    ) -> StoreResult<Attachment> {
        let depts = dept_param(depts);
        self.read(move |c| {
            c.query_row(
                &format!("SELECT {COLS} {FROM} AND a.id = ?3"),
                params![opt_org(scope.org()), depts, id.to_string()],
                row,
            )
            .map_err(db)
        })
        .await
    }
}
