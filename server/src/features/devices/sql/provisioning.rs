//! Provisioning on SQLite: redeeming a code, issuing a fresh one, and an administrator's
//! confirmation, which releases what was held only because the kiosk was not confirmed.

use crate::db::sql::{OptionalExtension, Sql, params, race_hooks};
use attend_protocol::ids::{DeviceId, EmployeeId, EventId, OrgId, UserId};
use jiff::Timestamp;

use super::super::ingest::UNCONFIRMED_KIOSK;
use super::super::{Confirmed, Device, DeviceAuth, DeviceStatus};
use super::{DEVICE_AUTH_COLS, DEVICE_AUTH_FROM, device_auth_row, load_device};
use crate::db::sql::{Audit, db, get_id, ts};
use crate::db::{AuditCtx, Scope, StoreError, StoreResult};

pub(super) fn provision(
    tx: &Sql<'_>,
    ctx: &AuditCtx,
    hash: &str,
    secret: &str,
    now: Timestamp,
    version: Option<&str>,
) -> StoreResult<DeviceAuth> {
    let found: Option<(String, String)> = tx
        .query_row(
            "SELECT id, provisioning_expires_at FROM devices
             WHERE provisioning_code_hash = ?1 AND status = 'unprovisioned'",
            [hash],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(db)?;
    let Some((id, expires)) = found else {
        return Err(StoreError::NotFound);
    };
    if expires <= ts(now) {
        return Err(StoreError::NotFound);
    }
    race_hooks::pause(race_hooks::Point::ProvisionCheck);
    // Confirmation on provisioning (the demo seed's kiosk) is spent here, so a later
    // re-provisioning of the same device waits for an administrator like any other.
    tx.execute(
        "UPDATE devices SET status = 'active', secret = ?2, provisioned_at = ?3, attendd_version = ?4,
                provisioned_ip = ?5,
                confirmed_at = CASE WHEN confirm_on_provisioning <> 0 THEN ?3 END, confirmed_by = NULL,
                confirm_on_provisioning = 0,
                provisioning_code_hash = NULL, provisioning_expires_at = NULL
         WHERE id = ?1",
        params![id, secret, ts(now), version, ctx.ip],
    )
    .map_err(db)?;
    let auth = tx
        .query_row(
            &format!("SELECT {DEVICE_AUTH_COLS} FROM {DEVICE_AUTH_FROM} WHERE d.id = ?1"),
            [&id],
            device_auth_row,
        )
        .map_err(db)?;
    let after = load_device(tx, Scope::All, auth.id)?;
    Audit::new(ctx, Some(auth.org_id), "provision", "device")
        .id(&id)
        .after(&after)
        .write(tx)?;
    Ok(auth)
}

pub(super) fn issue_code(
    tx: &Sql<'_>,
    ctx: &AuditCtx,
    scope: Scope,
    id: DeviceId,
    hash: &str,
    expires: Timestamp,
) -> StoreResult<Device> {
    let before = load_device(tx, scope, id)?;
    // Back to unprovisioned: the old secret stops verifying with this commit, and whoever
    // redeems the new code waits for confirmation (the demo seed's shortcut included). The
    // kiosk keeps its unsent events and sends them once it provisions again.
    tx.execute(
        "UPDATE devices SET status = 'unprovisioned', secret = NULL, confirmed_at = NULL,
                confirmed_by = NULL, confirm_on_provisioning = 0,
                provisioning_code_hash = ?2, provisioning_expires_at = ?3
         WHERE id = ?1",
        params![id.to_string(), hash, ts(expires)],
    )
    .map_err(db)?;
    let after = load_device(tx, Scope::All, id)?;
    Audit::new(ctx, Some(before.org_id), "issue_code", "device")
        .id(id)
        .before(&before)
        .after(&after)
        .write(tx)?;
    Ok(after)
}

pub(super) fn confirm(
    tx: &Sql<'_>,
    ctx: &AuditCtx,
    scope: Scope,
    id: DeviceId,
    by: UserId,
    not_about: Option<EmployeeId>,
) -> StoreResult<Confirmed> {
    let before = load_device(tx, scope, id)?;
    if before.status == DeviceStatus::Unprovisioned {
        return Err(StoreError::State(
            "this kiosk has not exchanged its provisioning code yet".into(),
        ));
    }
    if before.confirmed_at.is_some() {
        return Err(StoreError::State("this kiosk is confirmed already".into()));
    }
    let now = Timestamp::now();
    tx.execute(
        "UPDATE devices SET confirmed_at = ?2, confirmed_by = ?3 WHERE id = ?1",
        params![id.to_string(), ts(now), by.to_string()],
    )
    .map_err(db)?;
    let device = load_device(tx, Scope::All, id)?;
    Audit::new(ctx, Some(before.org_id), "confirm", "device")
        .id(id)
        .before(&before)
        .after(&device)
        .write(tx)?;
    let released = release_unconfirmed(tx, ctx, id, not_about)?;
    Ok(Confirmed {
        device,
        released_events: released,
    })
}

/// Releases the kiosk's events held for no reason but its missing confirmation; an event held
/// for another reason too keeps waiting for a reviewer.
fn release_unconfirmed(
    tx: &Sql<'_>,
    ctx: &AuditCtx,
    id: DeviceId,
    not_about: Option<EmployeeId>,
) -> StoreResult<u64> {
    let released: Vec<(EventId, OrgId)> = tx
        .query_map(
            "UPDATE device_events SET hold_state = 'released'
             WHERE device_id = ?1 AND hold_state = 'held' AND held_reason = ?2
               AND (?3 IS NULL OR employee_id IS NULL OR employee_id <> ?3)
             RETURNING event_id, org_id",
            params![
                id.to_string(),
                UNCONFIRMED_KIOSK,
                not_about.map(|e| e.to_string())
            ],
            |r| Ok((get_id(r, 0)?, get_id(r, 1)?)),
        )
        .map_err(db)?;
    for (event, org) in &released {
        Audit::new(ctx, Some(*org), "released", "device_event")
            .id(event)
            .after(&serde_json::json!({
                "hold_state": "released",
                "reason": "the kiosk was confirmed",
            }))
            .write(tx)?;
    }
    Ok(released.len() as u64)
}
