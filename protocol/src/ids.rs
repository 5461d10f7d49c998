//! Typed identifiers. Every entity id is a UUID (v7 when we mint it, so ids sort by creation
//! time); wrapping each kind in its own type stops a `DeviceId` from being passed as an
//! `EmployeeId`. On the wire they are plain UUID strings.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
            utoipa::ToSchema,
        )]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub Uuid);

        impl $name {
            /// Wraps a UUID minted elsewhere (for example from a clock-seeded v7 generator).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The inner UUID.
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }
    )*};
}

typed_id!(
    /// An organisation (tenant).
    OrgId,
    /// A physical site with its own time zone.
    SiteId,
    /// A department inside an organisation.
    DepartmentId,
    /// An employee (the person who punches).
    EmployeeId,
    /// A dashboard/API user account.
    UserId,
    /// A provisioned kiosk.
    DeviceId,
    /// A device-generated UUIDv7: the idempotency key of one synced event.
    EventId,
    /// A machine that a relay powers.
    EquipmentId,
    /// A qualification that a machine may require.
    QualificationId,
    /// One stored face template.
    TemplateId,
    /// One equipment session (start and stop share it).
    SessionId,
    /// A shift pattern of a site (start and end times).
    ShiftId,
    /// One employee's timesheet for one pay period.
    TimesheetId,
    /// A kind of leave (annual, sick, unpaid…) of an organisation.
    LeaveTypeId,
    /// One leave request.
    LeaveRequestId,
    /// One timesheet correction request.
    CorrectionId,
    /// One file attached to a timesheet (a doctor's note).
    AttachmentId,
);
