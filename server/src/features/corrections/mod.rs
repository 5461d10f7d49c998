//! Timesheet corrections: a punch no kiosk recorded (a forgotten clock-out), asked for by the
//! employee (or staff for them), decided through the approval workflow with levels. Once
//! approved, the engine counts it like a synced punch (its id is `correction:<id>`).
//!
//! - [`service`]: asking for a correction; the queue and decisions are the approval workflow's
//!   request desk. [`api`]: the JSON routes.
//! - [`store`]: the data access; [`sql`] implements it (on SQLite and PostgreSQL).
//!
//! Invariant: nothing is added to, or approved into, a period whose timesheet is approved (the
//! punch's date on its site's wall clock decides the period).

pub mod api;
pub mod service;
pub mod sql;
pub mod store;

use attend_protocol::events::PunchType;
use attend_protocol::ids::{CorrectionId, EmployeeId, OrgId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::features::approvals::Review;

pub use service::CorrectionService;
pub use store::CorrectionStore;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Correction {
    pub id: CorrectionId,
    pub org_id: OrgId,
    pub employee_id: EmployeeId,
    #[schema(value_type = String)]
    pub punch_type: PunchType,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    pub reason: String,
    /// Its status, the level it needs, and its decision.
    #[serde(flatten)]
    pub review: Review,
}

crate::request_kind!(Correction, id: CorrectionId, store: CorrectionStore, asked: service::RequestCorrection,
    request: RequestCorrection, list: ListCorrections, decide: DecideCorrection);

#[derive(Clone, Debug)]
pub struct NewCorrection {
    pub punch_type: PunchType,
    pub at: Timestamp,
    pub reason: String,
}
