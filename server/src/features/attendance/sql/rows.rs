//! Attendance rows: shifts, policies, schedules, and the punch and machine events the engine
//! reads.

use crate::db::sql::{OptionalExtension, Row, Sql, params};
use attend_protocol::events::Event;
use attend_protocol::ids::{EmployeeId, SiteId};
use jiff::Timestamp;
use jiff::civil::{Date, Time};

use super::super::{Assignment, Policy, Shift};
use crate::db::sql::{counted, db, get_id, query_rows, ts};
use crate::db::{StoreError, StoreResult};

pub(super) const SHIFT_COLS: &str = "s.id, s.org_id, s.site_id, s.name, s.start_time, s.end_time";

pub(super) fn time_col(r: &Row<'_>, idx: usize) -> rusqlite::Result<Time> {
    let text: String = r.get(idx)?;
    text.parse().map_err(|e: jiff::Error| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, e.into())
    })
}

pub(super) fn shift_row(r: &Row<'_>) -> rusqlite::Result<Shift> {
    let (start, end) = (time_col(r, 4)?, time_col(r, 5)?);
    Ok(Shift {
        id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        site_id: get_id(r, 2)?,
        name: r.get(3)?,
        start,
        end,
        overnight: end <= start,
    })
}

pub(super) fn hhmm(t: Time) -> String {
    t.strftime("%H:%M").to_string()
}

pub(super) fn policy_of(c: &Sql<'_>, site: SiteId) -> StoreResult<Policy> {
    let text: Option<String> = c
        .query_row(
            "SELECT policy FROM site_policies WHERE site_id = ?1",
            [site.to_string()],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?;
    text.map_or(Ok(Policy::default()), |t| {
        serde_json::from_str(&t).map_err(|e| StoreError::Backend(Box::new(e)))
    })
}

pub(super) fn schedule_of(
    c: &Sql<'_>,
    employee: EmployeeId,
    first: Date,
    last: Date,
) -> StoreResult<Vec<Assignment>> {
    query_rows(
        c,
        &format!(
            "SELECT {SHIFT_COLS}, a.work_date FROM shift_assignments a JOIN shifts s ON s.id = a.shift_id
             WHERE a.employee_id = ?1 AND a.work_date BETWEEN ?2 AND ?3 ORDER BY a.work_date"
        ),
        params![employee.to_string(), first.to_string(), last.to_string()],
        |r| {
            let date: String = r.get(6)?;
            Ok(Assignment {
                date: date.parse().map_err(|e: jiff::Error| {
                    rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, e.into())
                })?,
                shift: shift_row(r)?,
            })
        },
    )
}

/// Punch and equipment bodies of the employee captured in `[from, to)`.
pub(super) fn events_of(
    c: &Sql<'_>,
    employee: EmployeeId,
    from: Timestamp,
    to: Timestamp,
) -> StoreResult<Vec<Event>> {
    let rows = query_rows(
        c,
        &format!(
            "SELECT payload FROM device_events e WHERE employee_id = ?1 AND kind IN ('punch', 'equipment')
             AND captured_at >= ?2 AND captured_at < ?3 AND {}",
            counted("e")
        ),
        params![employee.to_string(), ts(from), ts(to)],
        |r| r.get::<_, String>(0),
    )?;
    // Stored payloads were validated at ingest; one that no longer parses is skipped, not fatal.
    Ok(rows
        .iter()
        .filter_map(|p| serde_json::from_str(p).ok())
        .collect())
}
