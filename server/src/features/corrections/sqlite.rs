//! The corrections store on SQLite.

use async_trait::async_trait;
use attend_protocol::events::PunchType;
use attend_protocol::ids::{CorrectionId, EmployeeId};
use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::store::CorrectionStore;
use super::{Correction, NewCorrection};
use crate::db::sqlite::{
    Audit, SqliteDb, db, employee_in_scope, get_enum, get_id, get_ts, new_id, query_rows, ts,
};
use crate::db::{AuditCtx, DepartmentFilter, Scope, StoreError, StoreResult};
use crate::features::approvals::sqlite::{DecisionColumns, RequestTable, review_row};
use crate::features::approvals::{ApprovalStatus, Recorded, Stage};

const REQUESTS: RequestTable = RequestTable {
    select: "c.id, c.org_id, c.employee_id, c.punch_type, c.at, c.reason",
    from: "corrections c JOIN employees e ON e.id = c.employee_id",
    alias: "c",
    newest_first_by: "c.at",
    decisions: DecisionColumns {
        what: "correction",
        table: "corrections",
        key: "id",
        level: Some("required_level"),
        reason: "decision_reason",
    },
    audit_entity: "correction",
};

pub(crate) fn punch_type_str(p: PunchType) -> &'static str {
    match p {
        PunchType::In => "in",
        PunchType::Out => "out",
        PunchType::BreakStart => "break_start",
        PunchType::BreakEnd => "break_end",
    }
}

pub(crate) fn parse_punch_type(text: &str) -> Option<PunchType> {
    [
        PunchType::In,
        PunchType::Out,
        PunchType::BreakStart,
        PunchType::BreakEnd,
    ]
    .into_iter()
    .find(|p| punch_type_str(*p) == text)
}

fn row(r: &Row<'_>) -> rusqlite::Result<Correction> {
    Ok(Correction {
        id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        employee_id: get_id(r, 2)?,
        punch_type: get_enum(r, 3, parse_punch_type)?,
        at: get_ts(r, 4)?,
        reason: r.get(5)?,
        review: review_row(r, 6)?,
    })
}

fn load(
    c: &Connection,
    scope: Scope,
    depts: &DepartmentFilter,
    id: CorrectionId,
) -> StoreResult<Correction> {
    REQUESTS.get(c, scope, depts, &id.to_string(), row)
}

/// Refuses a change inside a period whose timesheet is approved.
fn require_open_period(c: &Connection, employee: EmployeeId, date: Date) -> StoreResult<()> {
    let locked: Option<String> = c
        .query_row(
            "SELECT period_start FROM timesheets WHERE employee_id = ?1 AND status = 'approved' AND period_start <= ?2 AND period_end >= ?2",
            params![employee.to_string(), date.to_string()],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?;
    match locked {
        Some(start) => Err(StoreError::State(format!(
            "the timesheet of the period starting {start} is approved and locked"
        ))),
        None => Ok(()),
    }
}

/// Approved corrections of the employee in `[from, to)`, as engine punches.
pub(crate) fn approved_punches(
    c: &Connection,
    employee: EmployeeId,
    from: Timestamp,
    to: Timestamp,
) -> StoreResult<Vec<attend_engine::PunchInput>> {
    query_rows(
        c,
        "SELECT id, punch_type, at FROM corrections WHERE employee_id = ?1 AND status = 'approved' AND at >= ?2 AND at < ?3",
        params![employee.to_string(), ts(from), ts(to)],
        |r| {
            let id: String = r.get(0)?;
            let kind = match get_enum(r, 1, parse_punch_type)? {
                PunchType::In => attend_engine::PunchKind::In,
                PunchType::Out => attend_engine::PunchKind::Out,
                PunchType::BreakStart => attend_engine::PunchKind::BreakStart,
                PunchType::BreakEnd => attend_engine::PunchKind::BreakEnd,
            };
            Ok(attend_engine::PunchInput {
                id: format!("correction:{id}"),
                at: get_ts(r, 2)?,
                kind,
            })
        },
    )
}

#[async_trait]
impl CorrectionStore for SqliteDb {
    async fn create_correction(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        new: NewCorrection,
    ) -> StoreResult<Correction> {
        let (ctx, depts) = (ctx.clone(), depts.clone());
        self.write(move |tx| {
            let person = employee_in_scope(tx, scope, &depts, new.employee)?;
            require_open_period(tx, new.employee, new.local_date)?;
            let id: CorrectionId = new_id();
            tx.execute(
                "INSERT INTO corrections (id, org_id, employee_id, punch_type, at, reason, status, required_level, created_at, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 1, ?7, ?8)",
                params![id.to_string(), person.org_id.to_string(), new.employee.to_string(), punch_type_str(new.punch_type), ts(new.at), new.reason,
                        ts(Timestamp::now()), ctx.actor.id()],
            )
            .map_err(db)?;
            let created = load(tx, scope, &depts, id)?;
            Audit::new(&ctx, Some(person.org_id), "request", "correction").id(id.to_string()).after(&created).write(tx)?;
            Ok(created)
        })
        .await
    }

    async fn get_correction(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        id: CorrectionId,
    ) -> StoreResult<Correction> {
        let depts = depts.clone();
        self.read(move |c| load(c, scope, &depts, id)).await
    }

    async fn list_corrections(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: Option<EmployeeId>,
        status: Option<ApprovalStatus>,
    ) -> StoreResult<Vec<Correction>> {
        let depts = depts.clone();
        self.read(move |c| REQUESTS.list(c, scope, &depts, employee, status, row))
            .await
    }

    async fn record_correction_step(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        step: Recorded<CorrectionId>,
        local_date: Date,
    ) -> StoreResult<Correction> {
        let (ctx, depts) = (ctx.clone(), depts.clone());
        self.write(move |tx| {
            let approving = step.after.stage == Stage::Approved;
            // Approving into, or cancelling out of, a locked period would change approved hours.
            let check = |before: &Correction| {
                if approving || before.review.status == ApprovalStatus::Approved {
                    require_open_period(tx, before.employee_id, local_date)
                } else {
                    Ok(())
                }
            };
            REQUESTS.record(tx, &ctx, scope, &depts, &step, row, |c| c.org_id, check)
        })
        .await
    }
}
