//! The devices store on SQLite: kiosks here, the nonces of signed requests in [`nonces`],
//! provisioning and confirmation in [`provisioning`], ingest in [`ingest`], held events in
//! [`held`], the review of flagged punches in [`flagged`].

mod flagged;
mod held;
mod ingest;
mod nonces;
mod provisioning;

use crate::db::sql::{OptionalExtension, Row, Sql, params};
use async_trait::async_trait;
use attend_protocol::ack::Ack;
use attend_protocol::ids::{DeviceId, EmployeeId, EventId, UserId};
use jiff::Timestamp;

use super::held::HeldDecision;
use super::store::{DeviceStore, NonceUse, Signer};
use super::{
    Confirmed, Device, DeviceAuth, DeviceStatus, EventFilter, NewDevice, ReceivedEvent,
    StoredEvent, without_face_data,
};
use crate::db::sql::{
    Audit, ScopedList, SqlDb, db, get_enum, get_id, get_json, get_opt_id, get_opt_ts, get_ts,
    new_id, opt_org, ts,
};
use crate::db::{AuditCtx, DepartmentFilter, Page, Paged, Scope, StoreError, StoreResult};

const DEVICES: ScopedList<'static> = ScopedList {
    select: DEVICE_COLS,
    from: "devices",
    live: "1 = 1",
    org_col: "org_id",
    dept_col: None,
    key_col: "id",
};
/// Events in scope; a department filter keeps only events about those departments' employees.
/// The columns [`event_row`] reads.
const EVENT_COLUMNS: &str =
    "event_id, org_id, device_id, kind, employee_id, seq, captured_at, received_at,
    clock_suspect, payload, hold_state, held_reason, flagged";

const EVENTS: ScopedList<'static> = ScopedList {
    select: EVENT_COLUMNS,
    from: "device_events",
    live: "1 = 1",
    org_col: "org_id",
    dept_col: Some(
        "(SELECT department_id FROM employees WHERE employees.id = device_events.employee_id)",
    ),
    key_col: "event_id",
};

const DEVICE_COLS: &str =
    "id, org_id, site_id, name, status, created_at, provisioned_at, last_seen_at, last_ip,
    attendd_version, heartbeat, heartbeat_at, queue_depth, clock_offset_ms, set_aside,
    set_aside_reason, provisioned_ip, confirmed_at, confirmed_by";

fn device_row(r: &Row<'_>) -> rusqlite::Result<Device> {
    let status = get_enum(r, 4, DeviceStatus::parse)?;
    let confirmed_at = get_opt_ts(r, 17)?;
    Ok(Device {
        id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        site_id: get_id(r, 2)?,
        name: r.get(3)?,
        status,
        created_at: get_ts(r, 5)?,
        provisioned_at: get_opt_ts(r, 6)?,
        last_seen_at: get_opt_ts(r, 7)?,
        last_ip: r.get(8)?,
        attendd_version: r.get(9)?,
        heartbeat: get_json(r, 10)?,
        heartbeat_at: get_opt_ts(r, 11)?,
        queue_depth: r.get(12)?,
        clock_offset_ms: r.get(13)?,
        set_aside: r.get(14)?,
        set_aside_reason: r.get(15)?,
        provisioned_ip: r.get(16)?,
        confirmed_at,
        confirmed_by: get_opt_id(r, 18)?,
        awaiting_confirmation: status != DeviceStatus::Unprovisioned && confirmed_at.is_none(),
    })
}

fn load_device(c: &Sql<'_>, scope: Scope, id: DeviceId) -> StoreResult<Device> {
    c.query_row(
        &format!("SELECT {DEVICE_COLS} FROM devices WHERE id = ?1 AND (?2 IS NULL OR org_id = ?2)"),
        params![id.to_string(), opt_org(scope.org())],
        device_row,
    )
    .map_err(db)
}

fn device_auth_row(r: &Row<'_>) -> rusqlite::Result<DeviceAuth> {
    Ok(DeviceAuth {
        id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        site_id: get_id(r, 2)?,
        status: get_enum(r, 3, DeviceStatus::parse)?,
        secret: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
        timezone: r.get(5)?,
        confirmed: r.get(6)?,
    })
}

/// What [`device_auth_row`] reads, from [`DEVICE_AUTH_FROM`].
const DEVICE_AUTH_COLS: &str =
    "d.id, d.org_id, d.site_id, d.status, d.secret, s.timezone, d.confirmed_at IS NOT NULL";
const DEVICE_AUTH_FROM: &str = "devices d JOIN sites s ON s.id = d.site_id";

#[async_trait]
impl DeviceStore for SqlDb {
    async fn create_device(&self, ctx: &AuditCtx, new: NewDevice) -> StoreResult<Device> {
        let ctx = ctx.clone();
        self.write(move |tx| {
            let site_ok: Option<i64> = tx
                .query_row("SELECT 1 FROM sites WHERE id = ?1 AND org_id = ?2", params![new.site_id.to_string(), new.org_id.to_string()], |r| r.get(0))
                .optional()
                .map_err(db)?;
            if site_ok.is_none() {
                return Err(StoreError::BadReference { field: "site_id" });
            }
            let id: DeviceId = new_id();
            tx.execute(
                "INSERT INTO devices (id, org_id, site_id, name, status, provisioning_code_hash, provisioning_expires_at, created_at,
                                      confirm_on_provisioning)
                 VALUES (?1, ?2, ?3, ?4, 'unprovisioned', ?5, ?6, ?7, ?8)",
                params![
                    id.to_string(),
                    new.org_id.to_string(),
                    new.site_id.to_string(),
                    new.name,
                    new.provisioning_code_hash,
                    ts(new.provisioning_expires_at),
                    ts(Timestamp::now()),
                    new.confirm_on_provisioning,
                ],
            )
            .map_err(db)?;
            let device = load_device(tx, Scope::All, id)?;
            Audit::new(&ctx, Some(new.org_id), "create", "device").id(id.to_string()).after(&device).write(tx)?;
            Ok(device)
        })
        .await
    }

    async fn list_devices(&self, scope: Scope, page: &Page) -> StoreResult<Paged<Device>> {
        self.scoped_page(
            DEVICES,
            scope,
            &DepartmentFilter::Any,
            Vec::new(),
            page,
            device_row,
            |d| d.id.to_string(),
        )
        .await
    }

    async fn get_device(&self, scope: Scope, id: DeviceId) -> StoreResult<Device> {
        self.read(move |c| load_device(c, scope, id)).await
    }

    async fn set_device_status(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        id: DeviceId,
        status: DeviceStatus,
    ) -> StoreResult<Device> {
        let ctx = ctx.clone();
        self.write(move |tx| {
            let before = load_device(tx, scope, id)?;
            if before.status == DeviceStatus::Unprovisioned && status == DeviceStatus::Active {
                return Err(StoreError::State(
                    "device has not been provisioned yet".into(),
                ));
            }
            tx.execute(
                "UPDATE devices SET status = ?2 WHERE id = ?1",
                params![id.to_string(), status.as_str()],
            )
            .map_err(db)?;
            let after = load_device(tx, Scope::All, id)?;
            Audit::new(&ctx, Some(before.org_id), "set_status", "device")
                .id(id.to_string())
                .before(&before)
                .after(&after)
                .write(tx)?;
            Ok(after)
        })
        .await
    }

    async fn provision_device(
        &self,
        ctx: &AuditCtx,
        code_hash: &str,
        secret: &str,
        now: Timestamp,
        version: Option<&str>,
    ) -> StoreResult<DeviceAuth> {
        let (ctx, hash, secret, version) = (
            ctx.clone(),
            code_hash.to_owned(),
            secret.to_owned(),
            version.map(str::to_owned),
        );
        self.write(move |tx| {
            provisioning::provision(tx, &ctx, &hash, &secret, now, version.as_deref())
        })
        .await
    }

    async fn issue_code(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        id: DeviceId,
        code_hash: &str,
        expires: Timestamp,
    ) -> StoreResult<Device> {
        let (ctx, hash) = (ctx.clone(), code_hash.to_owned());
        self.write(move |tx| provisioning::issue_code(tx, &ctx, scope, id, &hash, expires))
            .await
    }

    async fn confirm_device(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        id: DeviceId,
        by: UserId,
        not_about: Option<EmployeeId>,
    ) -> StoreResult<Confirmed> {
        let ctx = ctx.clone();
        self.write(move |tx| provisioning::confirm(tx, &ctx, scope, id, by, not_about))
            .await
    }

    async fn signer(&self, id: DeviceId, nonce: &NonceUse) -> StoreResult<Option<Signer>> {
        let nonce = nonce.clone();
        self.read(move |c| nonces::signer(c, id, &nonce)).await
    }

    async fn remember_nonce(&self, device: DeviceId, nonce: &NonceUse) -> StoreResult<bool> {
        let nonce = nonce.clone();
        self.write(move |tx| nonces::spend(tx, device, &nonce))
            .await
    }

    async fn ingest(
        &self,
        device: &DeviceAuth,
        nonce: &NonceUse,
        events: Vec<ReceivedEvent>,
        skew: jiff::SignedDuration,
    ) -> StoreResult<Option<Vec<Ack>>> {
        let (device, nonce) = (device.clone(), nonce.clone());
        self.write(move |tx| {
            // The nonce first: a replay that raced past the first check writes nothing.
            if !nonces::spend(tx, device.id, &nonce)? {
                return Ok(None);
            }
            ingest::ingest_tx(tx, &device, events.clone(), nonce.at, skew).map(Some)
        })
        .await
    }

    async fn held_event(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        event: EventId,
    ) -> StoreResult<StoredEvent> {
        let depts = depts.clone();
        self.read(move |c| held::held_event(c, scope, &depts, event))
            .await
    }

    async fn decide_held(
        &self,
        ctx: &AuditCtx,
        event: EventId,
        decision: HeldDecision,
        reason: Option<&str>,
    ) -> StoreResult<StoredEvent> {
        let (ctx, reason) = (ctx.clone(), reason.map(str::to_owned));
        self.write(move |tx| held::decide(tx, &ctx, event, decision, reason.as_deref()))
            .await
    }

    async fn list_events(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        filter: &EventFilter,
        page: &Page,
    ) -> StoreResult<Paged<StoredEvent>> {
        let filters = vec![
            ("device_id", filter.device_id.map(|d| d.to_string())),
            ("employee_id", filter.employee_id.map(|e| e.to_string())),
            ("kind", filter.kind.clone()),
            ("hold_state", filter.hold_state.clone()),
        ];
        self.scoped_page(EVENTS, scope, depts, filters, page, event_row, |e| {
            e.event_id.to_string()
        })
        .await
    }
}

fn event_row(r: &Row<'_>) -> rusqlite::Result<StoredEvent> {
    let payload: String = r.get(9)?;
    Ok(StoredEvent {
        event_id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        device_id: get_id(r, 2)?,
        kind: r.get(3)?,
        employee_id: get_opt_id(r, 4)?,
        seq: r.get::<_, i64>(5)? as u64,
        captured_at: get_ts(r, 6)?,
        received_at: get_ts(r, 7)?,
        clock_suspect: r.get(8)?,
        hold_state: r.get(10)?,
        held_reason: r.get(11)?,
        flagged: r.get(12)?,
        payload: without_face_data(
            serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
        ),
    })
}
