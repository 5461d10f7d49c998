//! The repository traits. One trait per area; [`Store`] is all of them together.

use std::sync::Arc;

pub use crate::features::people::{Credentials, EmployeeUpdate, NewEmployee, NewUser};

/// Every repository together; what handlers hold.
pub trait Store:
    crate::features::orgs::OrgStore
    + crate::features::people::PeopleStore
    + crate::features::auth::AuthStore
    + crate::features::devices::DeviceStore
    + crate::features::roster::RosterStore
    + crate::features::audit::AuditStore
    + crate::features::leave::LeaveStore
    + crate::features::attendance::AttendanceStore
    + crate::features::timesheets::TimesheetStore
    + crate::features::reports::PayRateStore
    + crate::features::notifications::NotificationStore
    + crate::features::corrections::CorrectionStore
    + crate::features::equipment::EquipmentStore
    + crate::features::enrolment::EnrolmentStore
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
        + crate::features::attendance::AttendanceStore
        + crate::features::timesheets::TimesheetStore
        + crate::features::reports::PayRateStore
        + crate::features::notifications::NotificationStore
        + crate::features::corrections::CorrectionStore
    + crate::features::devices::DeviceStore
    + crate::features::roster::RosterStore
    + crate::features::audit::AuditStore
        + crate::features::equipment::EquipmentStore
        + crate::features::enrolment::EnrolmentStore
{
}

pub type SharedStore = Arc<dyn Store>;
