//! The leave store on SQLite: types, requests and balances.

use crate::db::sql::{OptionalExtension, Row, Sql, params, race_hooks};
use async_trait::async_trait;
use attend_protocol::ids::{EmployeeId, LeaveRequestId, LeaveTypeId};
use jiff::Timestamp;
use jiff::civil::Date;

use super::rules::{Booked, check_request, remaining, working_days};
use super::store::LeaveStore;
use super::{Balance, LeaveDay, LeaveRequest, LeaveType, NewLeaveRequest, NewLeaveType};
use crate::db::sql::{
    Audit, SqlDb, db, employee_in_scope, get_date, get_id, new_id, opt_org, query_rows, ts,
};
use crate::db::{AuditCtx, DepartmentFilter, Scope, StoreError, StoreResult};
use crate::features::approvals::sql::{
    DecisionColumns, Filing, RequestTable, SqliteRequest, review_row,
};

const TYPE_COLS: &str = "id, org_id, name, paid, annual_days, day_minutes, approval_level";
const REQUESTS: RequestTable = RequestTable {
    select: "r.id, r.org_id, r.employee_id, r.leave_type_id, t.name, r.first_day, r.last_day, r.days, r.note",
    from: "leave_requests r JOIN leave_types t ON t.id = r.leave_type_id JOIN employees e ON e.id = r.employee_id",
    alias: "r",
    newest_first_by: "r.first_day",
    decisions: DecisionColumns {
        what: "leave request",
        table: "leave_requests",
        key: "id",
        level: Some("required_level"),
        reason: "decision_reason",
    },
    audit_entity: "leave",
};

fn type_row(r: &Row<'_>) -> rusqlite::Result<LeaveType> {
    Ok(LeaveType {
        id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        name: r.get(2)?,
        paid: r.get(3)?,
        annual_days: r.get(4)?,
        day_minutes: r.get(5)?,
        approval_level: r.get(6)?,
    })
}

fn req_row(r: &Row<'_>) -> rusqlite::Result<LeaveRequest> {
    Ok(LeaveRequest {
        id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        employee_id: get_id(r, 2)?,
        leave_type_id: get_id(r, 3)?,
        leave_type: r.get(4)?,
        first_day: get_date(r, 5)?,
        last_day: get_date(r, 6)?,
        days: r.get(7)?,
        note: r.get(8)?,
        review: review_row(r, 9)?,
    })
}

impl SqliteRequest for LeaveRequest {
    const TABLE: RequestTable = REQUESTS;
    const ROW: fn(&Row<'_>) -> rusqlite::Result<Self> = req_row;

    /// Refused for a type of another organisation, an overlap with the employee's open
    /// requests, or more days than the year's allowance has left ([`check_request`]).
    fn insert(at: &Filing<'_>, new: NewLeaveRequest) -> StoreResult<String> {
        let Filing { tx, ctx, person } = at;
        let kind = tx
            .query_row(&format!("SELECT {TYPE_COLS} FROM leave_types WHERE id = ?1 AND org_id = ?2 AND deleted_at IS NULL"),
                params![new.leave_type.to_string(), person.org_id.to_string()], type_row)
            .optional()
            .map_err(db)?
            .ok_or(StoreError::BadReference { field: "leave_type_id" })?;
        let overlap: Option<String> = tx
            .query_row(
                "SELECT first_day || ' to ' || last_day FROM leave_requests WHERE employee_id = ?1 AND status IN ('pending', 'approved')
                 AND first_day <= ?3 AND last_day >= ?2 LIMIT 1",
                params![person.id.to_string(), new.first_day.to_string(), new.last_day.to_string()],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        let (approved_days, pending_days) =
            used_days(tx, person.id, kind.id, new.first_day.year())?;
        let booked = Booked {
            overlap,
            approved_days,
            pending_days,
        };
        check_request(&kind, &new, &booked).map_err(StoreError::State)?;
        race_hooks::pause(race_hooks::Point::LeaveCheck);
        let id: LeaveRequestId = new_id();
        tx.execute(
            "INSERT INTO leave_requests (id, org_id, employee_id, leave_type_id, first_day, last_day, days, status, required_level, note, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8, ?9, ?10, ?11)",
            params![id.to_string(), person.org_id.to_string(), person.id.to_string(), kind.id.to_string(), new.first_day.to_string(),
                    new.last_day.to_string(), new.days, kind.approval_level, new.note, ts(Timestamp::now()), ctx.actor.id()],
        )
        .map_err(db)?;
        Ok(id.to_string())
    }
}

/// Approved and pending working days of one type in one year for the employee.
fn used_days(
    c: &Sql<'_>,
    employee: EmployeeId,
    leave_type: LeaveTypeId,
    year: i16,
) -> StoreResult<(u32, u32)> {
    c.query_row(
        "SELECT COALESCE(SUM(CASE WHEN status = 'approved' THEN days END), 0), COALESCE(SUM(CASE WHEN status = 'pending' THEN days END), 0)
         FROM leave_requests WHERE employee_id = ?1 AND leave_type_id = ?2 AND substr(first_day, 1, 4) = ?3",
        params![employee.to_string(), leave_type.to_string(), format!("{year:04}")],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .map_err(db)
}

#[async_trait]
impl LeaveStore for SqlDb {
    async fn create_leave_type(&self, ctx: &AuditCtx, new: NewLeaveType) -> StoreResult<LeaveType> {
        let ctx = ctx.clone();
        self.write(move |tx| {
            let id: LeaveTypeId = new_id();
            tx.execute(
                "INSERT INTO leave_types (id, org_id, name, paid, annual_days, day_minutes, approval_level) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![id.to_string(), new.org_id.to_string(), new.name, new.paid, new.annual_days, new.day_minutes, new.approval_level],
            )
            .map_err(db)?;
            let t = tx.query_row(&format!("SELECT {TYPE_COLS} FROM leave_types WHERE id = ?1"), [id.to_string()], type_row).map_err(db)?;
            Audit::new(&ctx, Some(new.org_id), "create", "leave_type").id(id.to_string()).after(&t).write(tx)?;
            Ok(t)
        })
        .await
    }

    async fn list_leave_types(&self, scope: Scope) -> StoreResult<Vec<LeaveType>> {
        self.read(move |c| {
            query_rows(c, &format!("SELECT {TYPE_COLS} FROM leave_types WHERE deleted_at IS NULL AND (?1 IS NULL OR org_id = ?1) ORDER BY name"),
                params![opt_org(scope.org())], type_row)
        })
        .await
    }

    async fn leave_balances(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
        year: i16,
    ) -> StoreResult<Vec<Balance>> {
        let depts = depts.clone();
        self.read(move |c| {
            let person = employee_in_scope(c, scope, &depts, employee)?;
            let kinds = query_rows(c, &format!("SELECT {TYPE_COLS} FROM leave_types WHERE org_id = ?1 AND deleted_at IS NULL ORDER BY name"),
                [person.org_id.to_string()], type_row)?;
            kinds
                .into_iter()
                .map(|k| {
                    let (approved, pending) = used_days(c, employee, k.id, year)?;
                    Ok(Balance {
                        leave_type_id: k.id,
                        leave_type: k.name,
                        year,
                        allowance_days: k.annual_days,
                        approved_days: approved,
                        pending_days: pending,
                        remaining_days: remaining(k.annual_days, approved, pending),
                    })
                })
                .collect()
        })
        .await
    }

    async fn leave_days(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
        first: Date,
        last: Date,
    ) -> StoreResult<Vec<LeaveDay>> {
        let depts = depts.clone();
        self.read(move |c| {
            employee_in_scope(c, scope, &depts, employee)?;
            let rows = query_rows(
                c,
                "SELECT r.first_day, r.last_day, t.name, t.paid, t.day_minutes FROM leave_requests r JOIN leave_types t ON t.id = r.leave_type_id
                 WHERE r.employee_id = ?1 AND r.status = 'approved' AND r.first_day <= ?3 AND r.last_day >= ?2",
                params![employee.to_string(), first.to_string(), last.to_string()],
                |r| Ok((get_date(r, 0)?, get_date(r, 1)?, r.get::<_, String>(2)?, r.get::<_, bool>(3)?, r.get::<_, u32>(4)?)),
            )?;
            let mut days: Vec<LeaveDay> = rows
                .into_iter()
                .flat_map(|(from, to, name, paid, minutes)| {
                    working_days(from.max(first), to.min(last)).map(move |date| LeaveDay { date, leave_type: name.clone(), paid, minutes })
                })
                .collect();
            days.sort_by_key(|d| d.date);
            Ok(days)
        })
        .await
    }
}
