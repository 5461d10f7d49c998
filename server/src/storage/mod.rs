//! TRANSITIONAL: the old repository layer, while features move into `features/`.

pub mod attachments;
pub mod attendance;
pub mod equipment;
pub mod model;
pub mod notifications;
pub mod pay_rates;
pub mod presence;
pub mod sqlite;
pub mod timesheets;
mod traits;

pub use attachments::*;
pub use attendance::*;
pub use crate::db::*;
pub use crate::features::corrections::{Correction, NewCorrection};
pub use crate::features::leave::{Balance, LeaveDay, LeaveRequest, LeaveType, NewLeaveRequest, NewLeaveType};
pub use equipment::*;
pub use model::*;
pub use notifications::*;
pub use pay_rates::*;
pub use presence::*;
pub use timesheets::*;
pub use traits::*;
pub use crate::access::Role;
pub use crate::db::AuditActor as Actor;
