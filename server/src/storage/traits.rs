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
    + crate::features::devices::DeviceStore
    + crate::features::roster::RosterStore
    + crate::features::audit::AuditStore
    + crate::features::leave::LeaveStore
    + crate::features::corrections::CorrectionStore
    + super::EquipmentStore
    + crate::features::enrolment::EnrolmentStore
    + super::AttendanceStore
    + super::TimesheetStore
    + super::PayRateStore
    + super::NotificationStore
    + super::AttachmentStore
    + super::PresenceStore
    + MailStore
{
}

impl<T> Store for T where
    T: crate::features::orgs::OrgStore
        + crate::features::people::PeopleStore
        + crate::features::auth::AuthStore
        + crate::features::devices::DeviceStore
        + crate::features::roster::RosterStore
        + crate::features::audit::AuditStore
        + crate::features::leave::LeaveStore
        + crate::features::corrections::CorrectionStore
    + crate::features::devices::DeviceStore
    + crate::features::roster::RosterStore
    + crate::features::audit::AuditStore
                + super::EquipmentStore
        + crate::features::enrolment::EnrolmentStore
        + super::AttendanceStore
        + super::TimesheetStore
            + super::PayRateStore
        + super::NotificationStore
            + super::AttachmentStore
            + super::PresenceStore
                + MailStore
{
}

pub type SharedStore = Arc<dyn Store>;
