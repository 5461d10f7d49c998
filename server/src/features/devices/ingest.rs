//! Which pushed events are refused, and why. A pure rule: the store asks it about each event
//! inside its ingest transaction, answering its two questions (is this employee, is this
//! machine, the device's organisation's?) from its own tables.
//!
//! An event is refused when it breaks the protocol's own checks (`check_event`), or names an
//! employee or a machine of another organisation. A refused event is acknowledged as rejected
//! with the reason, so the kiosk stops resending it.

use attend_protocol::events::{Event, EventBody};
use attend_protocol::ids::{EmployeeId, EquipmentId};
use attend_protocol::validate::check_event;

use crate::db::StoreResult;

/// What the rule asks the store about the pushing device's organisation.
pub trait Membership {
    fn has_employee(&mut self, id: EmployeeId) -> StoreResult<bool>;
    fn has_equipment(&mut self, id: EquipmentId) -> StoreResult<bool>;
}

/// Why an event must be refused, or `None` to store it.
pub fn rejection(event: &Event, org: &mut dyn Membership) -> StoreResult<Option<String>> {
    if let Err(reason) = check_event(event) {
        return Ok(Some(reason));
    }
    if let Some(employee) = event.body.employee_id()
        && !org.has_employee(employee)?
    {
        return Ok(Some(format!(
            "body.employee_id: {employee} is not an employee of this organisation"
        )));
    }
    if let EventBody::Equipment(e) = &event.body
        && !org.has_equipment(e.equipment_id)?
    {
        return Ok(Some(format!(
            "body.equipment_id: {} is not equipment of this organisation",
            e.equipment_id
        )));
    }
    Ok(None)
}
