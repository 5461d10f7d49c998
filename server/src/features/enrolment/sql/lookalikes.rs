//! The duplicate-face check's data ([`super::super::lookalike`]): the organisation's enrolled
//! faces of a model, the thresholds its kiosks reported in use, and the stored result.

use crate::db::sql::{Sql, params};
use attend_protocol::ids::{EmployeeId, EventId, OrgId};
use jiff::{SignedDuration, Timestamp};

use super::super::lookalike::{RECENT_DAYS, cautious_threshold, closest_match, model_metric};
use super::Loaded;
use crate::db::sql::{db, query_rows, ts};
use crate::db::{StoreError, StoreResult};

/// The enrolled employee (other than the candidate's) whose face matches the candidate's at
/// the most cautious threshold in use, with the score. A model this server does not know
/// cannot be compared, so its candidate is not approved.
pub(super) fn find(c: &Sql<'_>, loaded: &Loaded) -> StoreResult<Option<(EmployeeId, f32)>> {
    let model = &loaded.body.model_id;
    let (metric, own) = model_metric(model).ok_or_else(|| {
        StoreError::State(format!(
            "cannot approve: the face model `{model}` is unknown to this server, so the face cannot be compared with the enrolled employees'"
        ))
    })?;
    let reported = reported_thresholds(c, loaded.org, model)?;
    let threshold = cautious_threshold(metric, own, &reported);
    let gallery = gallery(c, loaded.org, model, loaded.view.employee_id)?;
    let probes: Vec<&[f32]> = loaded
        .body
        .templates
        .iter()
        .map(|t| t.vector.as_slice())
        .collect();
    Ok(closest_match(metric, threshold, &probes, &gallery))
}

/// Stores what [`find`] found (or that nothing matches any more).
pub(super) fn record(
    c: &Sql<'_>,
    id: EventId,
    found: Option<(EmployeeId, f32)>,
) -> StoreResult<()> {
    c.execute(
        "UPDATE enrolment_candidates SET lookalike_id = ?2, lookalike_score = ?3 WHERE event_id = ?1",
        params![
            id.to_string(),
            found.map(|(e, _)| e.to_string()),
            found.map(|(_, s)| f64::from(s))
        ],
    )
    .map_err(db)?;
    Ok(())
}

/// The live templates of `model` of every live employee of `org` but `except`.
fn gallery(
    c: &Sql<'_>,
    org: OrgId,
    model: &str,
    except: EmployeeId,
) -> StoreResult<Vec<(EmployeeId, Vec<f32>)>> {
    let rows = query_rows(
        c,
        "SELECT t.employee_id, t.vector FROM face_templates t
         JOIN employees e ON e.id = t.employee_id
         WHERE t.org_id = ?1 AND t.model_id = ?2 AND t.employee_id <> ?3
           AND t.deleted_at IS NULL AND e.deleted_at IS NULL",
        params![org.to_string(), model, except.to_string()],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
    )?;
    Ok(rows
        .into_iter()
        .filter_map(|(employee, vector)| {
            Some((employee.parse().ok()?, serde_json::from_str(&vector).ok()?))
        })
        .collect())
}

/// The thresholds the organisation's kiosks compared `model`'s faces against, by their recent
/// face punches.
fn reported_thresholds(c: &Sql<'_>, org: OrgId, model: &str) -> StoreResult<Vec<f32>> {
    let since = Timestamp::now() - SignedDuration::from_hours(24 * RECENT_DAYS);
    let rows = query_rows(
        c,
        "SELECT DISTINCT CAST(json_extract(payload, '$.body.threshold') AS DOUBLE PRECISION) FROM device_events
         WHERE org_id = ?1 AND kind = 'punch' AND received_at >= ?3
           AND json_extract(payload, '$.body.model_id') = ?2
           AND json_extract(payload, '$.body.threshold') IS NOT NULL",
        params![org.to_string(), model, ts(since)],
        |r| r.get::<_, f64>(0),
    )?;
    // Thresholds are f32 on the wire.
    Ok(rows.into_iter().map(|t| t as f32).collect())
}
