//! The repository traits. One trait per area; [`Store`] is all of them together.

use std::sync::Arc;

use async_trait::async_trait;
use attend_protocol::ack::Ack;
use attend_protocol::events::Event;
use attend_protocol::ids::{DepartmentId, DeviceId, EmployeeId, OrgId, SiteId, UserId};
use attend_protocol::roster::{ConsentState, RosterDelta};
use jiff::Timestamp;

use super::model::{
    AuditEntry, Department, Device, DeviceStatus, Employee, EmployeeStatus, InviteRole, Mail,
    Organisation, Role, Site, StoredEvent, User, UserStatus,
};
use super::{AuditCtx, DepartmentFilter, Page, Paged, Scope, StoreResult};

#[derive(Debug)]
pub struct NewEmployee {
    pub org_id: OrgId,
    pub employee_number: String,
    pub display_name: String,
    pub email: Option<String>,
    pub department_id: Option<DepartmentId>,
    pub site_id: Option<SiteId>,
    pub status: EmployeeStatus,
    pub consent: ConsentState,
    pub pin_hash: Option<String>,
}

/// A partial update: `None` leaves a field alone; `Some(None)` clears an optional field.
#[derive(Debug, Default)]
pub struct EmployeeUpdate {
    pub display_name: Option<String>,
    pub email: Option<Option<String>>,
    pub department_id: Option<Option<DepartmentId>>,
    pub site_id: Option<Option<SiteId>>,
    pub consent: Option<ConsentState>,
    pub pin_hash: Option<Option<String>>,
}

#[derive(Debug)]
pub struct NewUser {
    pub org_id: Option<OrgId>,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub status: UserStatus,
    pub employee_id: Option<EmployeeId>,
    pub departments: Vec<DepartmentId>,
}

/// A user as needed to log in: the record and its password hash.
#[derive(Debug)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

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

/// Outcome of presenting a refresh token.
#[derive(Debug, PartialEq, Eq)]
pub enum RefreshOutcome {
    Rotated {
        user_id: UserId,
        session_id: String,
    },
    /// The token was already used once: it was stolen or replayed, so the whole session is
    /// now revoked.
    Reused,
    Invalid,
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
pub trait EmployeeStore: Send + Sync {
    async fn create_employee(&self, ctx: &AuditCtx, new: NewEmployee) -> StoreResult<Employee>;
    async fn list_employees(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        page: &Page,
    ) -> StoreResult<Paged<Employee>>;
    async fn get_employee(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EmployeeId,
    ) -> StoreResult<Employee>;
    async fn update_employee(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EmployeeId,
        update: EmployeeUpdate,
    ) -> StoreResult<Employee>;
    /// Soft delete: the row stays for history, kiosks get a tombstone, its user is disabled.
    async fn delete_employee(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EmployeeId,
    ) -> StoreResult<()>;
    /// Pending → active, for the employee and the user who registered it.
    async fn approve_employee(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EmployeeId,
    ) -> StoreResult<Employee>;
    /// Self-registration: a pending employee and its pending user, atomically.
    async fn register_employee(
        &self,
        ctx: &AuditCtx,
        employee: NewEmployee,
        user: NewUser,
    ) -> StoreResult<User>;
}

#[async_trait]
pub trait UserStore: Send + Sync {
    async fn create_user(&self, ctx: &AuditCtx, new: NewUser) -> StoreResult<User>;
    async fn list_users(&self, scope: Scope, page: &Page) -> StoreResult<Paged<User>>;
    async fn get_user(&self, scope: Scope, id: UserId) -> StoreResult<User>;
    async fn credentials_by_email(&self, email: &str) -> StoreResult<Option<Credentials>>;
    async fn credentials_by_id(&self, id: UserId) -> StoreResult<Credentials>;
    /// Sets a new password hash and revokes every session but `keep_session`.
    async fn set_password(
        &self,
        ctx: &AuditCtx,
        id: UserId,
        hash: &str,
        keep_session: Option<&str>,
    ) -> StoreResult<()>;
}

#[async_trait]
pub trait AuthStore: Send + Sync {
    /// Starts a session with its first refresh token; returns the session id.
    async fn create_session(
        &self,
        ctx: &AuditCtx,
        user: UserId,
        refresh_hash: &str,
        expires: Timestamp,
    ) -> StoreResult<String>;
    async fn rotate_refresh(
        &self,
        old_hash: &str,
        new_hash: &str,
        expires: Timestamp,
        now: Timestamp,
    ) -> StoreResult<RefreshOutcome>;
    async fn revoke_session(&self, ctx: &AuditCtx, session_id: &str) -> StoreResult<()>;
    async fn session_for_refresh(&self, refresh_hash: &str) -> StoreResult<Option<String>>;
    /// The user, if active and `session_id` is one of its live sessions.
    async fn live_session_user(&self, user: UserId, session_id: &str) -> StoreResult<Option<User>>;

    /// Stores a reset token and queues its e-mail in one transaction. `false` when no active
    /// account has that e-mail (nothing is written).
    async fn create_password_reset(
        &self,
        email: &str,
        token_hash: &str,
        expires: Timestamp,
        subject: &str,
        body: &str,
    ) -> StoreResult<bool>;
    /// Consumes a valid, unexpired reset token: sets the password, revokes all sessions.
    async fn consume_password_reset(
        &self,
        token_hash: &str,
        new_hash: &str,
        now: Timestamp,
    ) -> StoreResult<UserId>;

    /// Returns when `(kind, key)` is locked until, if it is locked at `now`.
    async fn throttle_locked_until(
        &self,
        kind: &str,
        key: &str,
        now: Timestamp,
    ) -> StoreResult<Option<Timestamp>>;
    /// Counts a failure; locks for `lock` after `max` failures within `window`.
    async fn throttle_failure(
        &self,
        kind: &str,
        key: &str,
        now: Timestamp,
        max: u32,
        window: jiff::SignedDuration,
        lock: jiff::SignedDuration,
    ) -> StoreResult<()>;
    async fn throttle_clear(&self, kind: &str, key: &str) -> StoreResult<()>;

    #[allow(clippy::too_many_arguments)]
    async fn create_invite(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        role: InviteRole,
        email: Option<&str>,
        code_hash: &str,
        created_by: UserId,
        expires: Timestamp,
    ) -> StoreResult<()>;
    /// Redeems an unused, unexpired invite by creating its user.
    async fn accept_invite(
        &self,
        ctx: &AuditCtx,
        code_hash: &str,
        now: Timestamp,
        email: &str,
        display_name: &str,
        password_hash: &str,
    ) -> StoreResult<User>;

    /// A named server secret, created by `generate` the first time it is asked for.
    async fn server_key(
        &self,
        name: &str,
        generate: &(dyn Fn() -> String + Sync),
    ) -> StoreResult<String>;
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
    + EmployeeStore
    + UserStore
    + AuthStore
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
    + super::WebSessionStore
    + super::PresenceStore
    + SyncStore
    + AuditStore
    + MailStore
{
}

impl<T> Store for T where
    T: crate::features::orgs::OrgStore
        + EmployeeStore
        + UserStore
        + AuthStore
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
        + super::WebSessionStore
        + super::PresenceStore
        + SyncStore
        + AuditStore
        + MailStore
{
}

pub type SharedStore = Arc<dyn Store>;
