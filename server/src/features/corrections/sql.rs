//! The corrections store on SQLite.

use crate::db::sql::{OptionalExtension, Row, Sql, params};
use attend_protocol::events::PunchType;
use attend_protocol::ids::{CorrectionId, EmployeeId};
use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::{Correction, NewCorrection};
use crate::db::sql::{db, get_enum, get_id, get_ts, new_id, query_rows, ts};
use crate::db::{StoreError, StoreResult};
use crate::features::approvals::sql::{
    DecisionColumns, Filing, RequestTable, SqliteRequest, review_row,
};
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

/// Refuses a change inside a period whose timesheet is approved. The period is the one holding
/// the punch's date on its employee's site wall clock (UTC without a site).
fn require_open_period(c: &Sql<'_>, employee: EmployeeId, at: Timestamp) -> StoreResult<()> {
    let zone: Option<String> = c
        .query_row(
            "SELECT s.timezone FROM employees e LEFT JOIN sites s ON s.id = e.site_id WHERE e.id = ?1",
            [employee.to_string()],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?
        .flatten();
    let zone = zone
        .and_then(|z| TimeZone::get(&z).ok())
        .unwrap_or(TimeZone::UTC);
    let date = at.to_zoned(zone).date();
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

impl SqliteRequest for Correction {
    const TABLE: RequestTable = REQUESTS;
    const ROW: fn(&Row<'_>) -> rusqlite::Result<Self> = row;

    fn insert(at: &Filing<'_>, new: NewCorrection) -> StoreResult<String> {
        let Filing { tx, ctx, person } = at;
        require_open_period(tx, person.id, new.at)?;
        let id: CorrectionId = new_id();
        tx.execute(
            "INSERT INTO corrections (id, org_id, employee_id, punch_type, at, reason, status, required_level, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 1, ?7, ?8)",
            params![id.to_string(), person.org_id.to_string(), person.id.to_string(), punch_type_str(new.punch_type), ts(new.at), new.reason,
                    ts(Timestamp::now()), ctx.actor.id()],
        )
        .map_err(db)?;
        Ok(id.to_string())
    }

    /// Approving into, or cancelling out of, a locked period would change approved hours.
    fn check_step(tx: &Sql<'_>, before: &Self, step: &Recorded<CorrectionId>) -> StoreResult<()> {
        let approving = step.after.stage == Stage::Approved;
        if approving || before.review.status == ApprovalStatus::Approved {
            require_open_period(tx, before.employee_id, before.at)
        } else {
            Ok(())
        }
    }
}

/// Approved corrections of the employee in `[from, to)`, as engine punches.
pub(crate) fn approved_punches(
    c: &Sql<'_>,
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
