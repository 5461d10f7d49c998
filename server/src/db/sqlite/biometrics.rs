//! Erasing a person's face data inside the caller's transaction. People (consent withdrawn,
//! person deleted) and enrolment both need it, so it lives here, below both.

use attend_protocol::ids::EmployeeId;
use rusqlite::{Transaction, params};

use super::super::StoreResult;
use super::codec::db;

/// Consent withdrawn or the person deleted: their face data goes, in the caller's transaction.
/// Templates are soft-deleted (kiosks get tombstones with the roster change the caller writes),
/// captured candidates lose their vectors and thumbnail, pending ones are rejected, and face
/// punches lose their evidence picture (their scores stay: they are not face data).
pub(crate) fn forget_biometrics(
    tx: &Transaction<'_>,
    employee: EmployeeId,
    now: &str,
) -> StoreResult<()> {
    let id = employee.to_string();
    tx.execute(
        "UPDATE face_templates SET deleted_at = ?2 WHERE employee_id = ?1 AND deleted_at IS NULL",
        params![id, now],
    )
    .map_err(db)?;
    tx.execute(
        "UPDATE device_events SET payload = json_remove(json_set(payload, '$.body.templates', json('[]')), '$.body.thumbnail_jpeg_base64')
         WHERE employee_id = ?1 AND kind = 'enrolment_candidate'",
        [&id],
    )
    .map_err(db)?;
    tx.execute(
        "UPDATE device_events SET payload = json_remove(payload, '$.body.liveness.picture_jpeg_base64')
         WHERE employee_id = ?1 AND kind = 'punch'
           AND json_extract(payload, '$.body.liveness.picture_jpeg_base64') IS NOT NULL",
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
