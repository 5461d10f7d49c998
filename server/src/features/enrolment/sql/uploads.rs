//! Candidates from photos uploaded on the dashboard, stored as kiosk captures are (see
//! [`crate::features::enrolment`]): one enrolment event under [`UPLOAD_DEVICE`] and its
//! candidate row.

use crate::db::sql::{Sql, params};
use attend_protocol::events::{EnrolmentCandidate, Event, EventBody};
use attend_protocol::ids::EventId;
use jiff::Timestamp;

use super::super::UPLOAD_DEVICE;
use super::super::rules::upload_refusal;
use crate::db::sql::{Audit, INSERT_EVENT_SQL, db, employee_in_scope, new_id, ts};
use crate::db::{AuditCtx, DepartmentFilter, Scope, StoreError, StoreResult};

pub(super) fn insert_candidate(
    tx: &Sql<'_>,
    ctx: &AuditCtx,
    scope: Scope,
    depts: &DepartmentFilter,
    candidate: EnrolmentCandidate,
) -> StoreResult<EventId> {
    let person = employee_in_scope(tx, scope, depts, candidate.employee_id)?;
    if let Some(refusal) = upload_refusal(person.consent) {
        return Err(StoreError::State(refusal.into()));
    }
    let now = Timestamp::now();
    let templates = candidate.templates.len();
    let event = Event {
        event_id: new_id(),
        seq: 0,
        captured_at: now,
        clock_suspect: false,
        body: EventBody::EnrolmentCandidate(candidate),
    };
    let payload = serde_json::to_string(&event).map_err(|e| StoreError::Backend(Box::new(e)))?;
    let (id, employee) = (event.event_id.to_string(), person.id.to_string());
    tx.execute(
        INSERT_EVENT_SQL,
        params![
            id,
            person.org_id.to_string(),
            UPLOAD_DEVICE.to_string(),
            "enrolment_candidate",
            employee,
            0,
            ts(now),
            ts(now),
            false,
            payload,
            Option::<String>::None,
            Option::<String>::None
        ],
    )
    .map_err(db)?;
    tx.execute(
        "INSERT INTO enrolment_candidates (event_id, org_id, employee_id, device_id, created_at,
                                           uploaded_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id,
            person.org_id.to_string(),
            employee,
            UPLOAD_DEVICE.to_string(),
            ts(now),
            // The uploader does not approve the candidate (four eyes).
            ctx.actor.id()
        ],
    )
    .map_err(db)?;
    let after =
        serde_json::json!({"employee_id": employee, "templates": templates, "source": "upload"});
    Audit::new(ctx, Some(person.org_id), "upload", "enrolment_candidate")
        .id(&id)
        .after(&after)
        .write(tx)?;
    Ok(event.event_id)
}
