//! Pay calendars and timesheets (see `storage::timesheets`).

use async_trait::async_trait;
use attend_protocol::ids::{EmployeeId, OrgId, TimesheetId};
use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::db::sqlite::{dept_param, employee_in_scope as load_employee};
use super::{
    SqliteStore, Audit, db, get_id, get_opt_id, get_opt_ts, new_id, opt_org, page_params, paged,
    query_rows, ts,
};
use crate::storage::{
    AuditCtx, DepartmentFilter, Page, Paged, Scope, StoreError, StoreResult, TimesheetChange,
    TimesheetRow, TimesheetStore,
};
use crate::timesheet::period::{PayCalendar, PayCalendarKind, Period};
use crate::timesheet::workflow::Status;

const COLS: &str =
    "t.id, t.org_id, t.employee_id, t.period_start, t.period_end, t.status, t.rejection_reason,
    t.submitted_at, t.submitted_by, t.decided_at, t.decided_by, t.snapshot";

fn date_col(r: &Row<'_>, idx: usize) -> rusqlite::Result<Date> {
    let text: String = r.get(idx)?;
    text.parse().map_err(|e: jiff::Error| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, e.into())
    })
}

fn row(r: &Row<'_>) -> rusqlite::Result<TimesheetRow> {
    Ok(TimesheetRow {
        id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        employee_id: get_id(r, 2)?,
        period: Period {
            start: date_col(r, 3)?,
            end: date_col(r, 4)?,
        },
        status: super::get_enum(r, 5, Status::parse)?,
        rejection_reason: r.get(6)?,
        submitted_at: get_opt_ts(r, 7)?,
        submitted_by: get_opt_id(r, 8)?,
        decided_at: get_opt_ts(r, 9)?,
        decided_by: get_opt_id(r, 10)?,
        snapshot: r.get(11)?,
    })
}

fn load(c: &Connection, employee: EmployeeId, start: Date) -> StoreResult<Option<TimesheetRow>> {
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

fn calendar_of(c: &Connection, org: OrgId) -> StoreResult<PayCalendar> {
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

fn org_in_scope(scope: Scope, org: OrgId) -> StoreResult<()> {
    if scope.allows(org) {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

#[async_trait]
impl TimesheetStore for SqliteStore {
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
            tx.execute(
                "INSERT INTO pay_calendars (org_id, kind, anchor, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (org_id) DO UPDATE SET kind = ?2, anchor = ?3, updated_at = ?4",
                params![org.to_string(), calendar.kind.as_str(), calendar.anchor.to_string(), ts(Timestamp::now())],
            )
            .map_err(db)?;
            Audit::new(&ctx, Some(org), "update", "pay_calendar").id(&org.to_string()).before(&before).after(&calendar).write(tx)?;
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
            load_employee(c, scope, &depts, employee)?;
            load(c, employee, start)
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
        let (after, limit) = page_params(page);
        let depts = dept_param(depts);
        let rows = self
            .read(move |c| {
                query_rows(
                    c,
                    &format!(
                        "SELECT {COLS} FROM timesheets t JOIN employees e ON e.id = t.employee_id
                         WHERE (?1 IS NULL OR t.org_id = ?1)
                           AND (?2 IS NULL OR e.department_id IN (SELECT value FROM json_each(?2)))
                           AND (?3 IS NULL OR t.status = ?3) AND (?4 IS NULL OR t.id > ?4)
                         ORDER BY t.id LIMIT ?5"
                    ),
                    params![
                        opt_org(scope.org()),
                        depts,
                        status.map(Status::as_str),
                        after,
                        limit
                    ],
                    row,
                )
            })
            .await?;
        Ok(paged(rows, page, |t| t.id.to_string()))
    }

    async fn record_transition(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        change: TimesheetChange,
    ) -> StoreResult<TimesheetRow> {
        let (ctx, depts) = (ctx.clone(), depts.clone());
        self.write(move |tx| {
            let person = load_employee(tx, scope, &depts, change.employee)?;
            let existing = load(tx, change.employee, change.period.start)?;
            let stored = existing.as_ref().map_or(Status::Draft, |t| t.status);
            if stored != change.expected {
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
                    params![id.to_string(), person.org_id.to_string(), change.employee.to_string(),
                            change.period.start.to_string(), change.period.end.to_string()],
                )
                .map_err(db)?;
            }
            let submitted = change.next == Status::Submitted;
            tx.execute(
                "UPDATE timesheets SET status = ?2, rejection_reason = ?3, snapshot = ?4,
                        submitted_at = CASE WHEN ?5 THEN ?6 ELSE submitted_at END,
                        submitted_by = CASE WHEN ?5 THEN ?7 ELSE submitted_by END,
                        decided_at = CASE WHEN ?5 THEN NULL ELSE ?6 END,
                        decided_by = CASE WHEN ?5 THEN NULL ELSE ?7 END
                 WHERE id = ?1",
                params![id.to_string(), change.next.as_str(), change.reason, change.snapshot, submitted, now, actor],
            )
            .map_err(db)?;
            if change.next == Status::Submitted {
                // Each submission (a resubmission after a rejection too) is its own cause.
                let notice = crate::storage::Notice::TimesheetSubmitted {
                    employee_id: change.employee,
                    period_start: change.period.start,
                    submitted_at: Timestamp::now(),
                };
                super::notifications::queue_notice_tx(tx, person.org_id, &notice, Timestamp::now())?;
            }
            let before = serde_json::json!({ "status": stored });
            let after = serde_json::json!({
                "status": change.next, "period_start": change.period.start.to_string(),
                "employee_id": change.employee, "reason": change.reason,
            });
            Audit::new(&ctx, Some(person.org_id), change.action.as_str(), "timesheet").id(&id.to_string()).before(&before).after(&after).write(tx)?;
            load(tx, change.employee, change.period.start)?.ok_or(StoreError::NotFound)
        })
        .await
    }
}
