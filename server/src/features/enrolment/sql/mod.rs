//! The enrolment store on SQLite: listing candidates for review, the thumbnail, and recording
//! the approve / reject decision (with the template replacement an approval brings) here;
//! candidates from uploaded photos in [`uploads`].

mod lookalikes;
mod uploads;

use crate::db::sql::{OptionalExtension, Row, Sql, params};
use async_trait::async_trait;
use attend_protocol::events::{EnrolmentCandidate, Event, EventBody};
use attend_protocol::ids::{EmployeeId, EventId, OrgId};
use jiff::Timestamp;

use super::lookalike::model_metric;
use super::rules::{Enrollee, approval_blocker};
use super::store::EnrolmentStore;
use super::{Candidate, CandidateStatus, Lookalike};
use crate::db::sql::{
    Audit, ScopedList, SqlDb, db, dept_param, get_enum, get_id, get_opt_id, get_opt_ts, get_ts,
    new_id, opt_org, query_rows, roster_changed, ts,
};
use crate::db::{AuditCtx, DepartmentFilter, Page, Paged, Scope, StoreError, StoreResult};
use crate::features::approvals::sql::{DecisionColumns, record_decision};
use crate::features::approvals::{Recorded, Stage};

const DECISIONS: DecisionColumns = DecisionColumns {
    what: "enrolment candidate",
    table: "enrolment_candidates",
    key: "event_id",
    level: None,
    reason: "reason",
};

/// Candidate columns, then the event payload (the templates live only there).
const COLS: &str = "c.event_id, c.employee_id, c.device_id, c.status, c.created_at, c.decided_at,
    c.decided_by, c.reason, d.payload, c.org_id, c.uploaded_by, c.lookalike_id, c.lookalike_score,
    c.first_approved_by, l.display_name, l.employee_number";
const FROM: &str = "enrolment_candidates c
    JOIN device_events d ON d.event_id = c.event_id
    JOIN employees e ON e.id = c.employee_id
    LEFT JOIN employees l ON l.id = c.lookalike_id";

/// Candidates in scope; a department filter keeps those of the departments' employees.
const CANDIDATES: ScopedList<'static> = ScopedList {
    select: COLS,
    from: FROM,
    live: "1 = 1",
    org_col: "c.org_id",
    dept_col: Some("e.department_id"),
    key_col: "c.event_id",
};

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
        uploaded_by: get_opt_id(r, 10)?,
        lookalike: get_opt_id(r, 11)?
            .map(|employee_id| {
                Ok::<_, rusqlite::Error>(Lookalike {
                    employee_id,
                    score: r.get::<_, Option<f64>>(12)?.unwrap_or_default() as f32,
                    display_name: r.get::<_, Option<String>>(14)?.unwrap_or_default(),
                    employee_number: r.get::<_, Option<String>>(15)?.unwrap_or_default(),
                })
            })
            .transpose()?,
        first_approved_by: get_opt_id(r, 13)?,
    };
    Ok(Loaded {
        view,
        org: get_id(r, 9)?,
        body,
    })
}

fn candidate_row(r: &Row<'_>) -> rusqlite::Result<Candidate> {
    loaded_row(r).map(|l| l.view)
}

fn load(c: &Sql<'_>, scope: Scope, depts: &DepartmentFilter, id: EventId) -> StoreResult<Loaded> {
    c.query_row(
        &format!(
            "SELECT {COLS} FROM {FROM}
         WHERE (?1 IS NULL OR c.org_id = ?1)
           AND (?2 IS NULL OR e.department_id IN (SELECT value FROM json_each(?2)))
           AND c.event_id = ?3"
        ),
        params![opt_org(scope.org()), dept_param(depts), id.to_string()],
        loaded_row,
    )
    .optional()
    .map_err(db)?
    .ok_or(StoreError::NotFound)
}

/// Why the employee cannot receive templates now ([`approval_blocker`]), if anything stands
/// in the way.
fn employee_blocker(c: &Sql<'_>, employee: EmployeeId) -> StoreResult<Option<&'static str>> {
    let found = c
        .query_row(
            "SELECT status = 'active', consent = 'granted' FROM employees
             WHERE id = ?1 AND deleted_at IS NULL",
            [employee.to_string()],
            |r| {
                Ok(Enrollee {
                    active: r.get(0)?,
                    consented: r.get(1)?,
                })
            },
        )
        .optional()
        .map_err(db)?;
    Ok(approval_blocker(found))
}

/// Soft-deletes the employee's templates of `model`, then stores the candidate's; kiosks see
/// tombstones for the old ones and the new ones in one roster pull.
fn replace_templates(tx: &Sql<'_>, loaded: &Loaded, now: &str) -> StoreResult<usize> {
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

/// The duplicate-face check of a candidate just stored (a kiosk's, by ingest, in its
/// transaction), so reviewers see a lookalike before anyone approves. A model this server
/// does not know is left for the approval to refuse.
pub(crate) fn screen_candidate(tx: &Sql<'_>, id: EventId) -> StoreResult<()> {
    let loaded = load(tx, Scope::All, &DepartmentFilter::Any, id)?;
    if model_metric(&loaded.body.model_id).is_some() {
        lookalikes::record(tx, id, lookalikes::find(tx, &loaded)?)?;
    }
    Ok(())
}

/// A first approval of a candidate whose face matches `other`'s: recorded as the first of two,
/// the candidate stays pending for a second reviewer; audited as `hold`.
fn hold_for_second_reviewer(
    tx: &Sql<'_>,
    ctx: &AuditCtx,
    loaded: &Loaded,
    other: EmployeeId,
) -> StoreResult<Candidate> {
    let changed = tx
        .execute(
            "UPDATE enrolment_candidates SET first_approved_by = ?2
             WHERE event_id = ?1 AND status = 'pending' AND first_approved_by IS NULL",
            params![loaded.view.id.to_string(), ctx.actor.id()],
        )
        .map_err(db)?;
    if changed == 0 {
        return Err(StoreError::State(
            "the enrolment candidate changed meanwhile; reload and try again".into(),
        ));
    }
    let after = serde_json::json!({
        "status": "pending", "employee_id": loaded.view.employee_id, "lookalike_id": other,
        "waiting_for": "a second reviewer",
    });
    Audit::new(ctx, Some(loaded.org), "hold", "enrolment_candidate")
        .id(loaded.view.id)
        .after(&after)
        .write(tx)?;
    load(tx, Scope::All, &DepartmentFilter::Any, loaded.view.id).map(|l| l.view)
}

#[async_trait]
impl EnrolmentStore for SqlDb {
    async fn list_candidates(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        status: Option<CandidateStatus>,
        employee: Option<EmployeeId>,
        page: &Page,
    ) -> StoreResult<Paged<Candidate>> {
        let filters = vec![
            ("c.status", status.map(|s| s.as_str().to_owned())),
            ("c.employee_id", employee.map(|e| e.to_string())),
        ];
        self.scoped_page(
            CANDIDATES,
            scope,
            depts,
            filters,
            page,
            candidate_row,
            |c| c.id.to_string(),
        )
        .await
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
    ) -> StoreResult<Option<String>> {
        let depts = depts.clone();
        let loaded = self.read(move |c| load(c, scope, &depts, id)).await?;
        Ok(loaded.body.thumbnail_jpeg_base64)
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
            let id = uploads::insert_candidate(tx, &ctx, scope, &depts, candidate.clone())?;
            // Reviewers see a lookalike before anyone approves (an unknown model is refused
            // at approval, not here).
            screen_candidate(tx, id)?;
            Ok(load(tx, scope, &depts, id)?.view)
        })
        .await
    }

    async fn record_candidate_step(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        step: Recorded<EventId>,
        waiver: bool,
    ) -> StoreResult<Candidate> {
        let (ctx, depts) = (ctx.clone(), depts.clone());
        self.write(move |tx| {
            let mut ctx = ctx.clone();
            let loaded = load(tx, scope, &depts, step.id)?;
            if step.after.stage == Stage::Approved {
                let found = lookalikes::find(tx, &loaded)?;
                lookalikes::record(tx, step.id, found)?;
                if let Some((other, _)) = found
                    && loaded.view.first_approved_by.is_none()
                {
                    if !waiver {
                        return hold_for_second_reviewer(tx, &ctx, &loaded, other);
                    }
                    ctx = ctx.waiving(Some(
                        "this face matches another employee's, so a second reviewer approves it",
                    ));
                }
            }
            record_decision(tx, DECISIONS, &step, &ctx)?;
            let replaced = if step.after.stage == Stage::Approved {
                if let Some(blocker) = employee_blocker(tx, loaded.view.employee_id)? {
                    return Err(StoreError::State(format!("cannot approve: {blocker}")));
                }
                replace_templates(tx, &loaded, &ts(Timestamp::now()))?
            } else {
                0
            };
            let after = serde_json::json!({
                "status": step.after.stage, "employee_id": loaded.view.employee_id,
                "model_id": loaded.body.model_id, "templates": loaded.body.templates.len(),
                "replaced_templates": replaced, "reason": step.reason,
            });
            Audit::new(
                &ctx,
                Some(loaded.org),
                step.step.as_str(),
                "enrolment_candidate",
            )
            .id(step.id)
            .after(&after)
            .write(tx)?;
            load(tx, scope, &DepartmentFilter::Any, step.id).map(|l| l.view)
        })
        .await
    }
}
