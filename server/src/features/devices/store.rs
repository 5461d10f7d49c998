//! What the devices service reads and writes: kiosks and their credentials, nonces, and the
//! events they push.

use async_trait::async_trait;
use attend_protocol::ack::Ack;
use attend_protocol::ids::{DeviceId, EmployeeId, UserId};
use jiff::Timestamp;

use super::flagged::{FlagDecision, FlagFilter, FlagRates, FlaggedPunch};
use super::{
    Confirmed, Device, DeviceAuth, DeviceStatus, EventFilter, NewDevice, ReceivedEvent, StoredEvent,
};
use crate::db::{AuditCtx, DepartmentFilter, Page, Paged, Scope, StoreResult};

/// A signed request's nonce, where and when it arrived, and how long nonces are remembered
/// (`window_s`, the tolerated clock skew: a nonce older than twice that can never verify again).
#[derive(Clone, Debug)]
pub struct NonceUse {
    pub nonce: String,
    pub ip: Option<String>,
    pub at: Timestamp,
    pub window_s: i64,
}

/// The device a signed request names, and whether the request's nonce was seen already (checked
/// on the same read, refused only once the signature verifies).
#[derive(Clone, Debug)]
pub struct Signer {
    pub device: DeviceAuth,
    pub nonce_seen: bool,
}

#[async_trait]
pub trait DeviceStore: FlagStore + Send + Sync + std::fmt::Debug {
    async fn create_device(&self, ctx: &AuditCtx, new: NewDevice) -> StoreResult<Device>;
    async fn list_devices(&self, scope: Scope, page: &Page) -> StoreResult<Paged<Device>>;
    async fn get_device(&self, scope: Scope, id: DeviceId) -> StoreResult<Device>;
    async fn set_device_status(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        id: DeviceId,
        status: DeviceStatus,
    ) -> StoreResult<Device>;
    /// Redeems a provisioning code once: stores the secret, activates the device, records the
    /// address it came from (the context's) and leaves it awaiting confirmation (unless it was
    /// registered to be confirmed on provisioning).
    async fn provision_device(
        &self,
        ctx: &AuditCtx,
        code_hash: &str,
        secret: &str,
        now: Timestamp,
        version: Option<&str>,
    ) -> StoreResult<DeviceAuth>;
    /// Gives the device a fresh provisioning code (its hash) valid until `expires`, with its
    /// audit row. A provisioned device goes back to unprovisioned: its secret ends at once and
    /// it must be confirmed again once it provisions.
    async fn issue_code(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        id: DeviceId,
        code_hash: &str,
        expires: Timestamp,
    ) -> StoreResult<Device>;
    /// Confirms a provisioned, unconfirmed kiosk and releases the events held only because it
    /// was not confirmed (none about `not_about`: nobody decides on their own punches), each
    /// with its audit row; a state error if it is unprovisioned or confirmed already.
    async fn confirm_device(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        id: DeviceId,
        by: UserId,
        not_about: Option<EmployeeId>,
    ) -> StoreResult<Confirmed>;
    /// The device a signed request names, with whether its nonce was seen already.
    async fn signer(&self, id: DeviceId, nonce: &NonceUse) -> StoreResult<Option<Signer>>;
    /// Records a nonce and the device's last contact; `false` if the nonce was already seen
    /// within the window (a replay), in which case nothing but expired nonces' removal is
    /// written.
    async fn remember_nonce(&self, device: DeviceId, nonce: &NonceUse) -> StoreResult<bool>;

    /// Spends the request's nonce, then stores each new event once, all in one transaction,
    /// refusing or holding those [`super::ingest::verdict`] says to (`skew`: the tolerated clock
    /// difference); answers one ack per event in order, or `None` (nothing stored) if the nonce
    /// was already spent: the request is a replay. The nonce's time is the events' arrival.
    async fn ingest(
        &self,
        device: &DeviceAuth,
        nonce: &NonceUse,
        events: Vec<ReceivedEvent>,
        skew: jiff::SignedDuration,
    ) -> StoreResult<Option<Vec<Ack>>>;
    /// A held (or once held) event in scope, deleted employees' included.
    async fn held_event(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        event: attend_protocol::ids::EventId,
    ) -> StoreResult<StoredEvent>;
    /// Moves a still-held event to released or discarded, with its audit row; a state error
    /// if it was decided meanwhile.
    async fn decide_held(
        &self,
        ctx: &AuditCtx,
        event: attend_protocol::ids::EventId,
        decision: super::held::HeldDecision,
        reason: Option<&str>,
    ) -> StoreResult<StoredEvent>;
    /// Events in scope; a department filter keeps only events about those departments' employees.
    async fn list_events(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        filter: &EventFilter,
        page: &Page,
    ) -> StoreResult<Paged<StoredEvent>>;
}

/// The review of flagged punches (see [`super::flagged`]).
#[async_trait]
pub trait FlagStore: Send + Sync {
    /// Flagged punches that count or were rejected (none still held or discarded) in scope,
    /// deleted employees' included, oldest first; `filter.review` absent: pending ones.
    async fn flagged_punches(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        filter: &FlagFilter,
        page: &Page,
    ) -> StoreResult<Paged<FlaggedPunch>>;
    /// One of those, whatever its review.
    async fn flagged_punch(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        event: attend_protocol::ids::EventId,
    ) -> StoreResult<FlaggedPunch>;
    /// Moves a still-pending punch to confirmed or rejected, by `by` at `at` (with the reason
    /// of a rejection), with its audit row; a state error if it was decided meanwhile.
    async fn decide_flagged(
        &self,
        ctx: &AuditCtx,
        event: attend_protocol::ids::EventId,
        decision: FlagDecision,
        by: UserId,
        reason: Option<&str>,
        at: Timestamp,
    ) -> StoreResult<FlaggedPunch>;
    /// Face punches and their liveness failures in `[from, to)`, per site and per employee.
    async fn flag_rates(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<FlagRates>;
}
