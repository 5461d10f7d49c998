//! Organisations (the tenants), their sites (each on its own time zone) and departments, and
//! the join code employees register with.
//!
//! - [`service`]: the rules and permission checks; what the API and the pages call.
//! - [`api`]: the JSON routes.
//! - [`store`]: the data access the service needs; [`sql`] implements it (on SQLite and PostgreSQL).

pub mod api;
pub mod face_match;
pub(crate) mod face_match_sql;
pub mod liveness;
pub(crate) mod liveness_sql;
pub mod service;
pub mod sql;
pub mod store;

use attend_protocol::ids::{DepartmentId, OrgId, SiteId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use service::OrgService;
pub use store::OrgStore;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Organisation {
    pub id: OrgId,
    pub name: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Accounts that can approve must sign in with a second factor (TOTP); until they set one
    /// up they can reach only its setup (off by default).
    pub require_totp_for_approvers: bool,
    /// Four eyes, for an organisation with a single admin (off by default): while it has
    /// exactly one active org admin, that admin's four-eyes refusals become decisions flagged
    /// in the audit log (`four_eyes_waived`).
    pub single_admin_self_approval: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Site {
    pub id: SiteId,
    pub org_id: OrgId,
    pub name: String,
    /// IANA time zone, e.g. `Europe/Lisbon`.
    pub timezone: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Department {
    pub id: DepartmentId,
    pub org_id: OrgId,
    pub name: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}
