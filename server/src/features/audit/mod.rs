//! The audit log: who changed what, when, from where, with the record before and after. Rows
//! are written by every store in the same transaction as the change (`db::sql::Audit`);
//! this feature reads them back for admins.

pub mod api;
pub mod service;
pub mod sql;
pub mod store;

use attend_protocol::ids::OrgId;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use service::AuditService;
pub use store::AuditStore;

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
    /// The record as it was, as JSON of any shape (an object, or a list such as punch sites).
    #[schema(value_type = Option<Value>)]
    pub before: Option<serde_json::Value>,
    /// The record as it became, likewise.
    #[schema(value_type = Option<Value>)]
    pub after: Option<serde_json::Value>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    /// The four-eyes rule the single-admin setting let this change through, if any.
    pub four_eyes_waived: Option<String>,
}
