//! Erasing a person's face data inside the caller's transaction. People (consent withdrawn,
//! person deleted) and enrolment both need it, so it lives here, below both.

use crate::db::sql::{Dialect, Sql, params};
use attend_protocol::ids::EmployeeId;

use super::super::StoreResult;
use super::codec::db;

/// Consent withdrawn or the person deleted: their face data goes, in the caller's transaction.
/// Templates are soft-deleted (kiosks get tombstones with the roster change the caller writes),
/// captured candidates lose their vectors and thumbnail, pending ones are rejected, and face
/// punches lose their evidence picture (their scores stay: they are not face data).
pub(crate) fn forget_biometrics(tx: &Sql<'_>, employee: EmployeeId, now: &str) -> StoreResult<()> {
    let id = employee.to_string();
    tx.execute(
        "UPDATE face_templates SET deleted_at = ?2 WHERE employee_id = ?1 AND deleted_at IS NULL",
        params![id, now],
    )
    .map_err(db)?;
    // The payload is JSON text on both backends; each edits it with its own JSON functions.
    let (no_vectors, no_picture) = match tx.dialect() {
        Dialect::Sqlite => (
            "json_remove(json_set(payload, '$.body.templates', json('[]')), '$.body.thumbnail_jpeg_base64')",
            "json_remove(payload, '$.body.liveness.picture_jpeg_base64')",
        ),
        Dialect::Postgres => (
            "CAST(jsonb_set(CAST(payload AS JSONB), '{body,templates}', '[]') #- '{body,thumbnail_jpeg_base64}' AS TEXT)",
            "CAST(CAST(payload AS JSONB) #- '{body,liveness,picture_jpeg_base64}' AS TEXT)",
        ),
    };
    tx.execute(
        &format!(
            "UPDATE device_events SET payload = {no_vectors}
             WHERE employee_id = ?1 AND kind = 'enrolment_candidate'"
        ),
        [&id],
    )
    .map_err(db)?;
    tx.execute(
        &format!(
            "UPDATE device_events SET payload = {no_picture}
             WHERE employee_id = ?1 AND kind = 'punch'
               AND json_extract(payload, '$.body.liveness.picture_jpeg_base64') IS NOT NULL"
        ),
        [&id],
    )
    .map_err(db)?;
    tx.execute(
        "UPDATE enrolment_candidates SET status = 'rejected', decided_at = ?2,
                reason = 'face data erased: consent withdrawn or person deleted'
         WHERE employee_id = ?1 AND status = 'pending'",
        params![id, now],
    )
    .map_err(db)?;
    Ok(())
}
