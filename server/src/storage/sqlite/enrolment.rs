//! Enrolment candidates: listing for review, the thumbnail, and the approve / reject decision
//! (see `storage::enrolment` for the rules).

use async_trait::async_trait;
use attend_protocol::events::{EnrolmentCandidate, Event, EventBody};
use attend_protocol::ids::{EmployeeId, EventId, OrgId};
use base64::Engine as _;
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use crate::db::sqlite::dept_param;
use super::{
    SqliteStore, Audit, db, get_enum, get_id, get_opt_id, get_opt_ts, get_ts, new_id, opt_org,
    page_params, paged, query_rows, roster_changed, ts,
};
use crate::storage::{
    AuditCtx, Candidate, CandidateStatus, Decision, DepartmentFilter, EnrolmentStore, Page, Paged,
    Scope, StoreError, StoreResult,
};

/// Candidate columns, then the event payload (the templates live only there).
const SELECT: &str =
    "SELECT c.event_id, c.employee_id, c.device_id, c.status, c.created_at, c.decided_at,
        c.decided_by, c.reason, d.payload, c.org_id
    FROM enrolment_candidates c
    JOIN device_events d ON d.event_id = c.event_id
    JOIN employees e ON e.id = c.employee_id
    WHERE (?1 IS NULL OR c.org_id = ?1)
      AND (?2 IS NULL OR e.department_id IN (SELECT value FROM json_each(?2)))";

/// A candidate row with the templates it carries.
struct Loaded {
    view: Candidate,
    org: OrgId,
    body: EnrolmentCandidate,
}

fn body_of(payload: &str) -> Option<EnrolmentCandidate> {
    match serde_json::from_str::<Event>(payload).ok()?.body {
        EventBody::EnrolmentCandidate(c) => Some(c),
        _ => None,
    }
}

fn loaded_row(r: &Row<'_>) -> rusqlite::Result<Loaded> {
    let payload: String = r.get(8)?;
    let body = body_of(&payload).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            8,
            rusqlite::types::Type::Text,
            "enrolment event payload is not an enrolment candidate".into(),
        )
    })?;
    let view = Candidate {
        id: get_id(r, 0)?,
        employee_id: get_id(r, 1)?,
        device_id: get_id(r, 2)?,
        status: get_enum(r, 3, CandidateStatus::parse)?,
        created_at: get_ts(r, 4)?,
        decided_at: get_opt_ts(r, 5)?,
        decided_by: get_opt_id(r, 6)?,
        reason: r.get(7)?,
        model_id: body.model_id.clone(),
        templates: body.templates.len(),
        best_quality: body.templates.iter().map(|t| t.quality).fold(0.0, f32::max),
        has_thumbnail: body.thumbnail_jpeg_base64.is_some(),
    };
    Ok(Loaded {
        view,
        org: get_id(r, 9)?,
        body,
    })
}

fn load(
    c: &Connection,
    scope: Scope,
    depts: &DepartmentFilter,
    id: EventId,
) -> StoreResult<Loaded> {
    c.prepare_cached(&format!("{SELECT} AND c.event_id = ?3"))
        .map_err(db)?
        .query_row(
            params![opt_org(scope.org()), dept_param(depts), id.to_string()],
            loaded_row,
        )
        .optional()
        .map_err(db)?
        .ok_or(StoreError::NotFound)
}

/// Why the employee cannot receive templates now, if anything stands in the way.
fn employee_blocker(c: &Connection, employee: EmployeeId) -> StoreResult<Option<&'static str>> {
    let row: Option<(String, String, Option<String>)> = c
        .query_row(
            "SELECT status, consent, deleted_at FROM employees WHERE id = ?1",
            [employee.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(db)?;
    Ok(match row {
        None | Some((_, _, Some(_))) => Some("the employee has been deleted"),
        Some((status, _, _)) if status != "active" => Some("the employee is not approved yet"),
        Some((_, consent, _)) if consent != "granted" => Some(
            "the employee has not granted biometric consent: record their consent before approving face templates",
        ),
        _ => None,
    })
}

/// Soft-deletes the employee's templates of `model`, then stores the candidate's; kiosks see
/// tombstones for the old ones and the new ones in one roster pull.
fn replace_templates(tx: &Transaction<'_>, loaded: &Loaded, now: &str) -> StoreResult<usize> {
    let (org, employee) = (loaded.org, loaded.view.employee_id);
    let old = query_rows(
        tx,
        "SELECT id FROM face_templates WHERE employee_id = ?1 AND model_id = ?2 AND deleted_at IS NULL",
        params![employee.to_string(), loaded.body.model_id],
        |r| r.get::<_, String>(0),
    )?;
    for id in &old {
        tx.execute(
            "UPDATE face_templates SET deleted_at = ?2 WHERE id = ?1",
            params![id, now],
        )
        .map_err(db)?;
    }
    let mut fresh = Vec::with_capacity(loaded.body.templates.len());
    for template in &loaded.body.templates {
        let id: EventId = new_id();
        let vector = serde_json::to_string(&template.vector)
            .map_err(|e| StoreError::Backend(Box::new(e)))?;
        tx.execute(
            "INSERT INTO face_templates (id, org_id, employee_id, model_id, vector, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                id.to_string(),
                org.to_string(),
                employee.to_string(),
                loaded.body.model_id,
                vector,
                now
            ],
        )
        .map_err(db)?;
        fresh.push(id.to_string());
    }
    for id in old.iter().chain(&fresh) {
        roster_changed(tx, org, "template", id)?;
    }
    Ok(old.len())
}

#[async_trait]
impl EnrolmentStore for SqliteStore {
    async fn list_candidates(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        status: Option<CandidateStatus>,
        employee: Option<EmployeeId>,
        page: &Page,
    ) -> StoreResult<Paged<Candidate>> {
        let (after, limit) = page_params(page);
        let depts = dept_param(depts);
        let rows = self
            .read(move |c| {
                query_rows(
                    c,
                    &format!(
                        "{SELECT} AND (?3 IS NULL OR c.status = ?3) AND (?4 IS NULL OR c.event_id > ?4)
                         AND (?6 IS NULL OR c.employee_id = ?6)
                         ORDER BY c.event_id LIMIT ?5"
                    ),
                    params![
                        opt_org(scope.org()),
                        depts,
                        status.map(CandidateStatus::as_str),
                        after,
                        limit,
                        employee.map(|e| e.to_string())
                    ],
                    |r| loaded_row(r).map(|l| l.view),
                )
            })
            .await?;
        Ok(paged(rows, page, |c| c.id.to_string()))
    }

    async fn get_candidate(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EventId,
    ) -> StoreResult<Candidate> {
        let depts = depts.clone();
        self.read(move |c| load(c, scope, &depts, id).map(|l| l.view))
            .await
    }

    async fn candidate_thumbnail(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EventId,
    ) -> StoreResult<Option<Vec<u8>>> {
        let depts = depts.clone();
        let loaded = self.read(move |c| load(c, scope, &depts, id)).await?;
        // Only well-formed JPEG is ever served as `image/jpeg`; anything else counts as absent.
        Ok(loaded
            .body
            .thumbnail_jpeg_base64
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .filter(|jpeg| jpeg.starts_with(&[0xFF, 0xD8, 0xFF])))
    }

    async fn add_uploaded_candidate(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        candidate: EnrolmentCandidate,
    ) -> StoreResult<Candidate> {
        let (ctx, depts) = (ctx.clone(), depts.clone());
        self.write(move |tx| {
            let id = super::uploads::insert_candidate(tx, &ctx, scope, &depts, candidate)?;
            Ok(load(tx, scope, &depts, id)?.view)
        })
        .await
    }

    async fn decide_candidate(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EventId,
        decision: Decision,
    ) -> StoreResult<Candidate> {
        let (ctx, depts) = (ctx.clone(), depts.clone());
        self.write(move |tx| {
            let loaded = load(tx, scope, &depts, id)?;
            if loaded.view.status != CandidateStatus::Pending {
                return Err(StoreError::State(format!(
                    "this enrolment candidate was already {}",
                    loaded.view.status.as_str()
                )));
            }
            let now = ts(Timestamp::now());
            let decider = ctx.actor.id();
            let (status, reason, replaced) = match &decision {
                Decision::Approve => {
                    if let Some(blocker) = employee_blocker(tx, loaded.view.employee_id)? {
                        return Err(StoreError::State(format!("cannot approve: {blocker}")));
                    }
                    (CandidateStatus::Approved, None, replace_templates(tx, &loaded, &now)?)
                }
                Decision::Reject { reason } => (CandidateStatus::Rejected, Some(reason.clone()), 0),
            };
            tx.execute(
                "UPDATE enrolment_candidates SET status = ?2, decided_at = ?3, decided_by = ?4, reason = ?5
                 WHERE event_id = ?1",
                params![id.to_string(), status.as_str(), now, decider, reason],
            )
            .map_err(db)?;
            let after = serde_json::json!({
                "status": status, "employee_id": loaded.view.employee_id,
                "model_id": loaded.body.model_id, "templates": loaded.body.templates.len(),
                "replaced_templates": replaced, "reason": reason,
            });
            let action = if status == CandidateStatus::Approved { "approve" } else { "reject" };
            Audit::new(&ctx, Some(loaded.org), action, "enrolment_candidate").id(&id.to_string()).after(&after).write(tx)?;
            load(tx, scope, &DepartmentFilter::Any, id).map(|l| l.view)
        })
        .await
    }
}

