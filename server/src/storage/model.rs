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

string_enum!(DeviceStatus { Unprovisioned = "unprovisioned", Active = "active", Disabled = "disabled" });
pub use crate::features::auth::InviteRole;








#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Device {
    pub id: DeviceId,
    pub org_id: OrgId,
    pub site_id: SiteId,
    pub name: String,
    pub status: DeviceStatus,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub provisioned_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_seen_at: Option<Timestamp>,
    pub last_ip: Option<String>,
    pub attendd_version: Option<String>,
    pub heartbeat: Option<Heartbeat>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub heartbeat_at: Option<Timestamp>,
    pub queue_depth: Option<u64>,
    pub clock_offset_ms: Option<i64>,
}

/// A synced event exactly as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StoredEvent {
    pub event_id: EventId,
    pub org_id: OrgId,
    pub device_id: DeviceId,
    pub kind: String,
    pub employee_id: Option<EmployeeId>,
    pub seq: u64,
    #[schema(value_type = String, format = DateTime)]
    pub captured_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub received_at: Timestamp,
    pub clock_suspect: bool,
    /// The event as the device sent it.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    pub org_id: Option<OrgId>,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

/// A queued outgoing e-mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: u32,
}
