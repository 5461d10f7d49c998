//! Domain records as the store returns them. They are also the API's response bodies, so they
//! never carry secrets (password hashes, device secrets, PIN hashes stay inside the store).

use attend_protocol::events::Heartbeat;
use attend_protocol::ids::{DepartmentId, DeviceId, EmployeeId, EventId, OrgId, SiteId, UserId};
use attend_protocol::roster::ConsentState;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::string_enum;

pub use crate::access::Role;
pub use crate::features::orgs::{Department, Organisation, Site};
pub use crate::features::people::{Employee, EmployeeStatus, User, UserStatus, consent_as_str, parse_consent};

pub use crate::features::auth::InviteRole;
pub use crate::features::audit::AuditEntry;
pub use crate::features::devices::{Device, DeviceAuth, DeviceStatus, EventFilter, NewDevice, ReceivedEvent, StoredEvent};

