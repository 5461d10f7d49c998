//! The repository traits. One trait per area; [`Store`] is all of them together.

use std::sync::Arc;

use async_trait::async_trait;
use attend_protocol::ack::Ack;
use attend_protocol::events::Event;
use attend_protocol::ids::{DepartmentId, DeviceId, EmployeeId, OrgId, SiteId, UserId};
use attend_protocol::roster::{ConsentState, RosterDelta};
use jiff::Timestamp;

pub use crate::features::people::{Credentials, EmployeeUpdate, NewEmployee, NewUser};
use super::model::{
    AuditEntry, Department, Device, DeviceStatus, Employee, EmployeeStatus, InviteRole, Mail,
    Organisation, Role, Site, StoredEvent, User, UserStatus,
};
use super::{AuditCtx, DepartmentFilter, Page, Paged, Scope, StoreResult};

#[derive(Debug)]
pub struct NewDevice {
    pub org_id: OrgId,
    pub site_id: SiteId,
    pub name: String,
    pub provisioning_code_hash: String,
    pub provisioning_expires_at: Timestamp,
}

/// What the signature check needs to know about a device.
#[derive(Clone, Debug)]
pub struct DeviceAuth {
    pub id: DeviceId,
    pub org_id: OrgId,
    pub site_id: SiteId,
    pub status: DeviceStatus,
    pub secret: String,
    pub timezone: String,
}

/// A pushed event as parsed, with the exact JSON text it arrived as (stored verbatim).
#[derive(Clone, Debug)]
pub struct ReceivedEvent {
    pub event: Event,
    pub raw: String,
}

/// Filters for listing synced events.
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    pub device_id: Option<DeviceId>,
    pub employee_id: Option<EmployeeId>,
    pub kind: Option<String>,
}

#[async_trait]
pub trait DeviceStore: Send + Sync {
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
    /// Redeems a provisioning code once: stores the secret, activates the device.
    async fn provision_device(
        &self,
        ctx: &AuditCtx,
        code_hash: &str,
        secret: &str,
        now: Timestamp,
        version: Option<&str>,
    ) -> StoreResult<DeviceAuth>;
    async fn device_auth(&self, id: DeviceId) -> StoreResult<Option<DeviceAuth>>;
    /// Records a nonce and the device's last contact; `false` if the nonce was already seen
    /// within the window (a replay), in which case nothing is written.
    async fn remember_nonce(
        &self,
        device: DeviceId,
        nonce: &str,
        now: Timestamp,
        window_s: i64,
        ip: Option<&str>,
    ) -> StoreResult<bool>;
}

#[async_trait]
pub trait SyncStore: Send + Sync {
    /// Stores each new event once, in one transaction; answers one ack per event in order.
    async fn ingest(
        &self,
        device: &DeviceAuth,
        events: Vec<ReceivedEvent>,
        received_at: Timestamp,
    ) -> StoreResult<Vec<Ack>>;
    /// Changes for the device's organisation and site after `since`, at most `limit` entities.
    async fn roster_delta(
        &self,
        device: &DeviceAuth,
        since: u64,
        limit: u32,
    ) -> StoreResult<RosterDelta>;
    /// Events in scope; a department filter keeps only events about those departments' employees.
    async fn list_events(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        filter: &EventFilter,
        page: &Page,
    ) -> StoreResult<Paged<StoredEvent>>;
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// For actions that change nothing else (log-in, log-out).
    async fn record_audit(
        &self,
        ctx: &AuditCtx,
        org: Option<OrgId>,
        action: &str,
        entity: &str,
        entity_id: Option<&str>,
    ) -> StoreResult<()>;
    async fn list_audit(&self, scope: Scope, page: &Page) -> StoreResult<Paged<AuditEntry>>;
}

#[async_trait]
pub trait MailStore: Send + Sync {
    async fn queue_mail(&self, recipient: &str, subject: &str, body: &str) -> StoreResult<()>;
    async fn unsent_mail(&self, limit: u32) -> StoreResult<Vec<Mail>>;
    async fn mark_mail(&self, id: i64, error: Option<&str>, now: Timestamp) -> StoreResult<()>;
}

/// Every repository together; what handlers hold.
pub trait Store:
    crate::features::orgs::OrgStore
    + crate::features::people::PeopleStore
    + crate::features::auth::AuthStore
    + DeviceStore
    + super::EquipmentStore
    + super::EnrolmentStore
    + super::AttendanceStore
    + super::TimesheetStore
    + super::LeaveStore
    + super::PayRateStore
    + super::NotificationStore
    + super::CorrectionStore
    + super::AttachmentStore
    + super::PresenceStore
    + SyncStore
    + AuditStore
    + MailStore
{
}

impl<T> Store for T where
    T: crate::features::orgs::OrgStore
        + crate::features::people::PeopleStore
        + crate::features::auth::AuthStore
            + DeviceStore
        + super::EquipmentStore
        + super::EnrolmentStore
        + super::AttendanceStore
        + super::TimesheetStore
        + super::LeaveStore
        + super::PayRateStore
        + super::NotificationStore
        + super::CorrectionStore
        + super::AttachmentStore
            + super::PresenceStore
        + SyncStore
        + AuditStore
        + MailStore
{
}

pub type SharedStore = Arc<dyn Store>;
