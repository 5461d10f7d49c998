//! The timesheets store on SQLite: pay calendars and timesheets here, attachments in
//! [`attachments`].

mod attachments;

use crate::db::sql::{OptionalExtension, Row, Sql, params};
use async_trait::async_trait;
use attend_protocol::ids::{AttachmentId, EmployeeId, OrgId, TimesheetId};
use jiff::Timestamp;
use jiff::civil::Date;

use super::period::{PayCalendar, PayCalendarKind, Period};
use super::store::{TimesheetKey, TimesheetStore};
use super::{Attachment, NewAttachment, Status, TimesheetRow};
use crate::db::sql::{
    Audit, ScopedList, SqlDb, db, employee_in_scope, get_date, get_enum, get_id, get_opt_id,
    get_opt_ts, new_id, org_in_scope, query_rows, ts,
};
use crate::db::{AuditCtx, DepartmentFilter, Page, Paged, Scope, StoreError, StoreResult};
use crate::features::approvals::{Recorded, Step};

const TIMESHEETS: ScopedList<'static> = ScopedList {
    select: COLS,
    from: "timesheets t JOIN employees e ON e.id = t.employee_id",
    live: "1 = 1",
    org_col: "t.org_id",
    dept_col: Some("e.department_id"),
    key_col: "t.id",
};

const COLS: &str =
    "t.id, t.org_id, t.employee_id, t.period_start, t.period_end, t.status, t.rejection_reason,
    t.submitted_at, t.submitted_by, t.decided_at, t.decided_by, t.snapshot";

fn row(r: &Row<'_>) -> rusqlite::Result<TimesheetRow> {
    Ok(TimesheetRow {
        id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        employee_id: get_id(r, 2)?,
        period: Period {
            start: get_date(r, 3)?,
            end: get_date(r, 4)?,
        },
        status: get_enum(r, 5, Status::parse)?,
        rejection_reason: r.get(6)?,
        submitted_at: get_opt_ts(r, 7)?,
        submitted_by: get_opt_id(r, 8)?,
        decided_at: get_opt_ts(r, 9)?,
        decided_by: get_opt_id(r, 10)?,
        snapshot: r.get(11)?,
    })
}

fn load(c: &Sql<'_>, employee: EmployeeId, start: Date) -> StoreResult<Option<TimesheetRow>> {
    c.query_row(
        &format!(
            "SELECT {COLS} FROM timesheets t WHERE t.employee_id = ?1 AND t.period_start = ?2"
        ),
        params![employee.to_string(), start.to_string()],
        row,
    )
    .optional()
    .map_err(db)
}

fn calendar_of(c: &Sql<'_>, org: OrgId) -> StoreResult<PayCalendar> {
    let found: Option<(String, String)> = c
        .query_row(
            "SELECT kind, anchor FROM pay_calendars WHERE org_id = ?1",
            [org.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(db)?;
    Ok(match found {
        None => PayCalendar::default(),
        Some((kind, anchor)) => PayCalendar {
            kind: PayCalendarKind::parse(&kind).unwrap_or(PayCalendarKind::Monthly),
            anchor: anchor.parse().unwrap_or(PayCalendar::default().anchor),
        },
    })
}

#[async_trait]
impl TimesheetStore for SqlDb {
    async fn pay_calendar(&self, scope: Scope, org: OrgId) -> StoreResult<PayCalendar> {
        org_in_scope(scope, org)?;
        self.read(move |c| calendar_of(c, org)).await
    }

    async fn set_pay_calendar(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        org: OrgId,
        calendar: PayCalendar,
    ) -> StoreResult<PayCalendar> {
        org_in_scope(scope, org)?;
        let ctx = ctx.clone();
        self.write(move |tx| {
            let before = calendar_of(tx, org)?;
            // Checked in the transaction that changes it, so no submission slips in between.
            let locked = query_rows(
                tx,
                "SELECT DISTINCT period_start, period_end FROM timesheets
                 WHERE org_id = ?1 AND status IN ('submitted', 'approved') ORDER BY period_start",
                [org.to_string()],
                |r| Ok(Period { start: get_date(r, 0)?, end: get_date(r, 1)? }),
            )?;
            if let Some(p) = calendar.recuts(&locked) {
                return Err(StoreError::State(format!(
                    "the pay period {} to {} has submitted or approved timesheets, and this calendar would cut it differently",
                    p.start, p.end
                )));
            }
            tx.execute(
                "INSERT INTO pay_calendars (org_id, kind, anchor, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (org_id) DO UPDATE SET kind = ?2, anchor = ?3, updated_at = ?4",
                params![org.to_string(), calendar.kind.as_str(), calendar.anchor.to_string(), ts(Timestamp::now())],
            )
            .map_err(db)?;
            Audit::new(&ctx, Some(org), "update", "pay_calendar").id(org.to_string()).before(&before).after(&calendar).write(tx)?;
            Ok(calendar)
        })
        .await
    }

    async fn timesheet(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
        start: Date,
    ) -> StoreResult<Option<TimesheetRow>> {
        let depts = depts.clone();
        self.read(move |c| {
            employee_in_scope(c, scope, &depts, employee)?;
            load(c, employee, start)
        })
        .await
    }

    async fn has_approved_timesheet(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
    ) -> StoreResult<bool> {
        let depts = depts.clone();
        self.read(move |c| {
            employee_in_scope(c, scope, &depts, employee)?;
            c.query_row(
                "SELECT EXISTS (SELECT 1 FROM timesheets
                                WHERE employee_id = ?1 AND status = 'approved')",
                [employee.to_string()],
                |r| r.get(0),
            )
            .map_err(db)
        })
        .await
    }

    async fn list_timesheets(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        status: Option<Status>,
        page: &Page,
    ) -> StoreResult<Paged<TimesheetRow>> {
        let filters = vec![("t.status", status.map(|s| s.as_str().to_owned()))];
        self.scoped_page(TIMESHEETS, scope, depts, filters, page, row, |t| {
            t.id.to_string()
        })
        .await
    }

    async fn record_step(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        step: Recorded<TimesheetKey>,
        snapshot: Option<String>,
    ) -> StoreResult<TimesheetRow> {
        let (ctx, depts) = (ctx.clone(), depts.clone());
        self.write(move |tx| {
            let TimesheetKey { employee, period } = step.id;
            let next = Status::of(step.after.stage);
            let reason = step.reason.clone().filter(|_| step.step == Step::Reject);
            let person = employee_in_scope(tx, scope, &depts, employee)?;
            let existing = load(tx, employee, period.start)?;
            let stored = existing.as_ref().map_or(Status::Draft, |t| t.status);
            if stored != Status::of(step.before.stage) {
                return Err(StoreError::State(format!(
                    "the timesheet changed meanwhile: it is now {}; reload and try again",
                    stored.as_str()
                )));
            }
            let (now, actor) = (ts(Timestamp::now()), ctx.actor.id());
            let id: TimesheetId = existing.as_ref().map_or_else(new_id, |t| t.id);
            if existing.is_none() {
                tx.execute(
                    "INSERT INTO timesheets (id, org_id, employee_id, period_start, period_end, status)
                     VALUES (?1, ?2, ?3, ?4, ?5, 'draft')",
                    params![id.to_string(), person.org_id.to_string(), employee.to_string(),
                            period.start.to_string(), period.end.to_string()],
                )
                .map_err(db)?;
            }
            let submitted = next == Status::Submitted;
            tx.execute(
                "UPDATE timesheets SET status = ?2, rejection_reason = ?3, snapshot = ?4,
                        submitted_at = CASE WHEN ?5 THEN ?6 ELSE submitted_at END,
                        submitted_by = CASE WHEN ?5 THEN ?7 ELSE submitted_by END,
                        decided_at = CASE WHEN ?5 THEN NULL ELSE ?6 END,
                        decided_by = CASE WHEN ?5 THEN NULL ELSE ?7 END
                 WHERE id = ?1",
                params![id.to_string(), next.as_str(), reason, snapshot, submitted, now, actor],
            )
            .map_err(db)?;
            if next == Status::Submitted {
                // Each submission (a resubmission after a rejection too) is its own cause.
                let notice = crate::features::notifications::Notice::TimesheetSubmitted {
                    employee_id: employee,
                    period_start: period.start,
                    submitted_at: Timestamp::now(),
                };
                crate::features::notifications::sql::queue_notice_tx(tx, person.org_id, &notice, Timestamp::now())?;
            }
            let before = serde_json::json!({ "status": stored });
            let after = serde_json::json!({
                "status": next, "period_start": period.start.to_string(),
                "employee_id": employee, "reason": reason,
            });
            Audit::new(&ctx, Some(person.org_id), step.step.as_str(), "timesheet").id(id.to_string()).before(&before).after(&after).write(tx)?;
            load(tx, employee, period.start)?.ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn add_attachment(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        new: NewAttachment,
    ) -> StoreResult<Attachment> {
        let (ctx, depts) = (ctx.clone(), depts.clone());
        self.write(move |tx| attachments::add(tx, &ctx, scope, &depts, new.clone()))
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
        self.read(move |c| attachments::list(c, scope, &depts, employee, period_start))
            .await
    }

    async fn get_attachment(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        id: AttachmentId,
    ) -> StoreResult<Attachment> {
        let depts = depts.clone();
        self.read(move |c| attachments::get(c, scope, &depts, id))
            .await
    }
}
