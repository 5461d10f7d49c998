//! Held events on SQLite: one in the caller's scope (its employee's department, deleted
//! employees included), and the guarded decision.

use crate::db::sql::{OptionalExtension, Sql, params};
use attend_protocol::ids::EventId;

use super::super::StoredEvent;
use super::super::held::HeldDecision;
use super::{EVENT_COLUMNS, event_row};
use crate::db::sql::{Audit, db, dept_param, opt_org};
use crate::db::{AuditCtx, DepartmentFilter, Scope, StoreError, StoreResult};

fn load(
    c: &Sql<'_>,
    scope: Scope,
    depts: &DepartmentFilter,
    event: EventId,
) -> StoreResult<StoredEvent> {
    c.query_row(
        &format!(
            "SELECT {EVENT_COLUMNS} FROM device_events
             WHERE event_id = ?1 AND (?2 IS NULL OR org_id = ?2)
               AND (?3 IS NULL OR (SELECT department_id FROM employees WHERE employees.id = device_events.employee_id)
                                  IN (SELECT value FROM json_each(?3)))"
        ),
        params![event.to_string(), opt_org(scope.org()), dept_param(depts)],
        event_row,
    )
    .optional()
    .map_err(db)?
    .ok_or(StoreError::NotFound)
}

pub(super) fn held_event(
    c: &Sql<'_>,
    scope: Scope,
    depts: &DepartmentFilter,
    event: EventId,
) -> StoreResult<StoredEvent> {
    load(c, scope, depts, event)
}

pub(super) fn decide(
    tx: &Sql<'_>,
    ctx: &AuditCtx,
    event: EventId,
    decision: HeldDecision,
    reason: Option<&str>,
) -> StoreResult<StoredEvent> {
    let changed = tx
        .execute(
            "UPDATE device_events SET hold_state = ?2 WHERE event_id = ?1 AND hold_state = 'held'",
            params![event.to_string(), decision.state()],
        )
        .map_err(db)?;
    if changed == 0 {
        return Err(StoreError::State(
            "the event changed meanwhile; reload and try again".into(),
        ));
    }
    let after = load(tx, Scope::All, &DepartmentFilter::Any, event)?;
    Audit::new(ctx, Some(after.org_id), decision.state(), "device_event")
        .id(event)
        .after(&serde_json::json!({ "hold_state": decision.state(), "reason": reason }))
        .write(tx)?;
    Ok(after)
}
