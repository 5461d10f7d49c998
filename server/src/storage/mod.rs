//! TRANSITIONAL: the old repository layer, while features move into `features/`.

pub mod model;
pub mod sqlite;
mod traits;

pub use crate::db::*;
pub use crate::features::notifications::{Mail, Notice, NotificationJob, Recipients};
pub use crate::features::reports::PayRate;
pub use crate::features::timesheets::{Attachment, NewAttachment, TimesheetRow};
pub use crate::features::corrections::{Correction, NewCorrection};
pub use crate::features::equipment::{
    Equipment, EquipmentUpdate, HeldQualification, Hold, MachineSession, NewEquipment, Qualification,
};
pub use crate::features::leave::{Balance, LeaveDay, LeaveRequest, LeaveType, NewLeaveRequest, NewLeaveType};
pub use model::*;
pub use traits::*;
pub use crate::access::Role;
pub use crate::db::AuditActor as Actor;

pub use crate::features::attendance::{Assignment, AttendanceInputs, NewShift, Policy, Presence, Shift};

/// TRANSITIONAL: the attendance report for code not yet on the attendance service.
pub async fn attendance_report(
    store: &SharedStore,
    scope: Scope,
    depts: &DepartmentFilter,
    employee: attend_protocol::ids::EmployeeId,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
    now: jiff::Timestamp,
) -> StoreResult<crate::features::attendance::AttendanceReport> {
    use crate::features::attendance::report::{compute, first_day};
    let first = first_day(from).ok_or_else(|| StoreError::State("`from` is too early".into()))?;
    let inputs = store.attendance_inputs(scope, depts, employee, first, to).await?;
    let leave = store.leave_days(scope, depts, employee, from, to).await?;
    compute(inputs, leave, employee, from, to, now).map_err(|e| StoreError::State(e.to_string()))
}
