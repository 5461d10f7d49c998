//! Flagged punches on SQLite: the queue (a scoped keyset listing over the punch, its kiosk, the
//! kiosk's site and the employee), one punch, the guarded decision, and the flag rates.

use crate::db::sql::{OptionalExtension, Row, Sql, params};
use async_trait::async_trait;
use attend_protocol::events::{Event, EventBody};
use attend_protocol::ids::{EventId, UserId};
use jiff::Timestamp;

use super::super::flagged::{
    FlagDecision, FlagFilter, FlagRate, FlagRates, FlagReview, FlaggedPunch, MAX_EMPLOYEE_RATES,
};
use super::super::store::FlagStore;
use crate::db::sql::{
    Audit, ScopedList, SqlDb, db, dept_param, get_enum, get_id, get_opt_id, get_opt_ts, get_ts,
    opt_org, query_rows, ts,
};
use crate::db::{AuditCtx, DepartmentFilter, Page, Paged, Scope, StoreError, StoreResult};

/// The columns [`flagged_row`] reads.
const COLUMNS: &str = "ev.event_id, ev.org_id, ev.employee_id, COALESCE(e.display_name, ''),
    dv.site_id, s.name, ev.device_id, dv.name, ev.captured_at, ev.received_at, ev.payload,
    ev.flagged, ev.flag_review, ev.flag_reviewed_by, ev.flag_reviewed_at, ev.flag_review_reason";

const FROM: &str = "device_events ev JOIN devices dv ON dv.id = ev.device_id
    JOIN sites s ON s.id = dv.site_id LEFT JOIN employees e ON e.id = ev.employee_id";

/// A reviewed punch that is counted or was rejected: one still held, or discarded, is the held
/// queue's to decide first. (A macro, so [`PENDING`] can extend it at compile time.)
macro_rules! reviewable {
    () => {
        "ev.kind = 'punch' AND ev.flag_review IS NOT NULL
         AND (ev.hold_state IS NULL OR ev.hold_state = 'released')"
    };
}
const REVIEWABLE: &str = reviewable!();

const DECIDED: ScopedList<'static> = ScopedList {
    select: COLUMNS,
    from: FROM,
    live: REVIEWABLE,
    org_col: "ev.org_id",
    dept_col: Some("e.department_id"),
    key_col: "ev.event_id",
};

/// The queue itself, its state spelled out (not a bound parameter) so SQLite reads only the
/// pending rows' partial index (`device_events_flag_review`) rather than every event.
const PENDING: ScopedList<'static> = ScopedList {
    live: concat!("ev.flag_review = 'pending' AND ", reviewable!()),
    ..DECIDED
};

fn flagged_row(r: &Row<'_>) -> rusqlite::Result<FlaggedPunch> {
    let payload: String = r.get(10)?;
    // Stored verbatim after validation, so it parses; if it ever does not, the evidence is
    // shown as absent rather than failing the whole queue.
    let punch = match serde_json::from_str::<Event>(&payload).map(|e| e.body) {
        Ok(EventBody::Punch(p)) => Some(p),
        _ => None,
    };
    // The picture travels apart from the evidence: listed only as there or not.
    let mut liveness = punch.as_ref().and_then(|p| p.liveness.clone());
    let picture = liveness.as_mut().and_then(|l| l.picture_jpeg_base64.take());
    Ok(FlaggedPunch {
        event_id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        employee_id: get_id(r, 2)?,
        employee_name: r.get(3)?,
        site_id: get_id(r, 4)?,
        site_name: r.get(5)?,
        device_id: get_id(r, 6)?,
        device_name: r.get(7)?,
        captured_at: get_ts(r, 8)?,
        received_at: get_ts(r, 9)?,
        punch_type: punch.as_ref().map(|p| p.punch_type),
        method: punch.as_ref().map(|p| p.method),
        flag_reason: r.get::<_, Option<String>>(11)?.unwrap_or_default(),
        review: get_enum(r, 12, FlagReview::parse)?,
        match_score: punch.as_ref().and_then(|p| p.score),
        match_threshold: punch.as_ref().and_then(|p| p.threshold),
        model_id: punch.as_ref().and_then(|p| p.model_id.clone()),
        has_picture: picture.is_some(),
        picture_jpeg_base64: picture,
        liveness,
        reviewed_by: get_opt_id(r, 13)?,
        reviewed_at: get_opt_ts(r, 14)?,
        review_reason: r.get(15)?,
    })
}

fn load(
    c: &Sql<'_>,
    scope: Scope,
    depts: &DepartmentFilter,
    event: EventId,
) -> StoreResult<FlaggedPunch> {
    c.query_row(
        &format!(
            "SELECT {COLUMNS} FROM {FROM}
             WHERE ev.event_id = ?1 AND {REVIEWABLE} AND (?2 IS NULL OR ev.org_id = ?2)
               AND (?3 IS NULL OR e.department_id IN (SELECT value FROM json_each(?3)))"
        ),
        params![event.to_string(), opt_org(scope.org()), dept_param(depts)],
        flagged_row,
    )
    .optional()
    .map_err(db)?
    .ok_or(StoreError::NotFound)
}

fn decide(
    tx: &Sql<'_>,
    ctx: &AuditCtx,
    event: EventId,
    decision: FlagDecision,
    by: UserId,
    reason: Option<&str>,
    at: Timestamp,
) -> StoreResult<FlaggedPunch> {
    let outcome = decision.outcome();
    // Guarded: only a punch still pending (and still counted) moves, so of two reviewers at
    // once the second changes nothing and is told so.
    let changed = tx
        .execute(
            "UPDATE device_events SET flag_review = ?2, flag_reviewed_by = ?3,
                    flag_reviewed_at = ?4, flag_review_reason = ?5
             WHERE event_id = ?1 AND kind = 'punch' AND flag_review = 'pending'
               AND (hold_state IS NULL OR hold_state = 'released')",
            params![
                event.to_string(),
                outcome.as_str(),
                by.to_string(),
                ts(at),
                reason
            ],
        )
        .map_err(db)?;
    if changed == 0 {
        return Err(StoreError::State(
            "the punch was decided meanwhile; reload and try again".into(),
        ));
    }
    let after = load(tx, Scope::All, &DepartmentFilter::Any, event)?;
    let action = match decision {
        FlagDecision::Confirm => "flag_confirmed",
        FlagDecision::Reject => "flag_rejected",
    };
    Audit::new(ctx, Some(after.org_id), action, "device_event")
        .id(event)
        .before(&serde_json::json!({ "flag_review": "pending", "flagged": after.flag_reason }))
        .after(&serde_json::json!({ "flag_review": outcome.as_str(), "reason": reason }))
        .write(tx)?;
    Ok(after)
}

/// Punches the camera judged: face punches, and PIN punches with a passive check.
const JUDGED: &str = "ev.kind = 'punch' AND (json_extract(ev.payload, '$.body.method') = 'face'
    OR json_extract(ev.payload, '$.body.liveness') IS NOT NULL)";
/// Of those, the ones whose liveness check failed (JSON `false` reads as text '0' on SQLite and
/// 'false' on PostgreSQL; absent as NULL, which counts nothing).
const FAILED: &str =
    "COALESCE(SUM(CASE WHEN CAST(json_extract(ev.payload, '$.body.liveness.live') AS TEXT)
    IN ('0', 'false') THEN 1 ELSE 0 END), 0)";

fn rates(
    c: &Sql<'_>,
    scope: Scope,
    depts: &DepartmentFilter,
    from: Timestamp,
    to: Timestamp,
) -> StoreResult<FlagRates> {
    let filter = format!(
        "{JUDGED} AND (?1 IS NULL OR ev.org_id = ?1) AND ev.captured_at >= ?2 AND ev.captured_at < ?3
         AND (?4 IS NULL OR e.department_id IN (SELECT value FROM json_each(?4)))"
    );
    let (org, from_text, to_text, depts) =
        (opt_org(scope.org()), ts(from), ts(to), dept_param(depts));
    let args = params![org, from_text, to_text, depts];
    let rate = |r: &Row<'_>| {
        Ok(FlagRate::new(
            r.get(0)?,
            r.get(1)?,
            r.get::<_, i64>(2)?.max(0) as u64,
            r.get::<_, i64>(3)?.max(0) as u64,
        ))
    };
    let mut sites = query_rows(
        c,
        &format!(
            "SELECT dv.site_id, s.name, COUNT(*), {FAILED} FROM {FROM}
             WHERE {filter} GROUP BY dv.site_id, s.name"
        ),
        args,
        rate,
    )?;
    sites.sort_by(|a, b| b.rate.total_cmp(&a.rate).then_with(|| a.name.cmp(&b.name)));
    let employees = query_rows(
        c,
        &format!(
            "SELECT * FROM (
                 SELECT ev.employee_id, COALESCE(e.display_name, '') AS name, COUNT(*) AS judged,
                        {FAILED} AS failed
                 FROM {FROM} WHERE {filter} GROUP BY ev.employee_id, e.display_name) rates
             ORDER BY failed DESC, failed * 1.0 / judged DESC, 2, 1 LIMIT {MAX_EMPLOYEE_RATES}"
        ),
        args,
        rate,
    )?;
    Ok(FlagRates {
        from,
        to,
        sites,
        employees,
    })
}

#[async_trait]
impl FlagStore for SqlDb {
    async fn flagged_punches(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        filter: &FlagFilter,
        page: &Page,
    ) -> StoreResult<Paged<FlaggedPunch>> {
        let (list, review) = match filter.review.unwrap_or(FlagReview::Pending) {
            FlagReview::Pending => (PENDING, None),
            decided => (DECIDED, Some(decided.as_str().to_owned())),
        };
        let filters = vec![
            ("dv.site_id", filter.site_id.map(|s| s.to_string())),
            ("ev.employee_id", filter.employee_id.map(|e| e.to_string())),
            ("ev.flag_review", review),
        ];
        self.scoped_page(list, scope, depts, filters, page, flagged_row, |p| {
            p.event_id.to_string()
        })
        .await
    }

    async fn flagged_punch(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        event: EventId,
    ) -> StoreResult<FlaggedPunch> {
        let depts = depts.clone();
        self.read(move |c| load(c, scope, &depts, event)).await
    }

    async fn decide_flagged(
        &self,
        ctx: &AuditCtx,
        event: EventId,
        decision: FlagDecision,
        by: UserId,
        reason: Option<&str>,
        at: Timestamp,
    ) -> StoreResult<FlaggedPunch> {
        let (ctx, reason) = (ctx.clone(), reason.map(str::to_owned));
        self.write(move |tx| decide(tx, &ctx, event, decision, by, reason.as_deref(), at))
            .await
    }

    async fn flag_rates(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<FlagRates> {
        let depts = depts.clone();
        self.read(move |c| rates(c, scope, &depts, from, to)).await
    }
}

#[cfg(test)]
mod tests {
    use crate::db::sqlite::{migrate, migrate_to};

    #[test]
    fn punches_flagged_before_the_review_existed_wait_for_it_and_other_events_do_not() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("attend.db");
        let old = migrate_to(&path, 20).expect("schema 20");
        old.execute_batch(
            "INSERT INTO device_events (event_id, org_id, device_id, kind, employee_id, seq,
                 captured_at, received_at, clock_suspect, payload, flagged) VALUES
             ('flagged punch', 'o', 'd', 'punch', 'e', 1, 't', 't', 0, '{}', 'liveness check failed'),
             ('plain punch', 'o', 'd', 'punch', 'e', 2, 't', 't', 0, '{}', NULL),
             ('flagged heartbeat', 'o', 'd', 'heartbeat', NULL, 3, 't', 't', 0, '{}', 'captured at t, after it was received');",
        )
        .expect("old events");
        drop(old);
        migrate(&path).expect("migrated");
        let c = rusqlite::Connection::open(&path).expect("open");
        let review = |id: &str| {
            c.query_row(
                "SELECT flag_review FROM device_events WHERE event_id = ?1",
                [id],
                |r| r.get::<_, Option<String>>(0),
            )
            .expect("row")
        };
        assert_eq!(review("flagged punch").as_deref(), Some("pending"));
        assert_eq!(review("plain punch"), None);
        assert_eq!(
            review("flagged heartbeat"),
            None,
            "only punches are reviewed"
        );
    }
}
