//! Face enrolment: face templates a kiosk captured, or the server computed from photos uploaded
//! on the dashboard, wait as candidates until a reviewer approves them into the employee's
//! templates (which the next roster pull sends to every kiosk of the organisation) or rejects
//! them, through the one approval workflow ([`crate::features::approvals`], flow `CANDIDATE`).
//!
//! - [`service`]: the permission checks, the decision through the workflow, photo enrolment;
//!   [`api`]: the JSON review routes; [`pages`]: approve, reject, the thumbnail and the photo
//!   upload on a person's page (the candidate rows that page shows).
//! - [`photos`]: the server's face pipeline for uploaded photos, loaded on first use.
//! - [`lookalike`]: the duplicate-face check against every enrolled employee (pure).
//! - [`rules`]: who may receive templates, what an upload needs, what counts as a thumbnail
//!   (pure).
//! - [`store`]: the data access; [`sql`] implements it (on SQLite and PostgreSQL).
//!
//! Invariants every backend keeps:
//! - A candidate is decided once, from `pending`; nobody decides a candidate of their own face,
//!   and nobody approves photos they uploaded themselves.
//! - A candidate whose face matches another enrolled employee's ([`lookalike`]) is never
//!   approved by one reviewer: the first approval holds it (still `pending`, the other person
//!   shown), and a second, different reviewer completes it.
//! - Approval needs an active employee who has granted biometric consent.
//! - Approval replaces the employee's earlier templates of the same model, so a re-enrolment
//!   (new glasses, a beard) does not keep matching against stale faces; kiosks get tombstones
//!   for the old ones in the same transaction.
//! - Audit rows name the candidate, the employee and the template count, never the vectors.
//! - A candidate made from uploaded photos is stored exactly like a kiosk's (an enrolment event
//!   and a candidate row), under the reserved [`UPLOAD_DEVICE`] id, so review, approval and
//!   erasure treat both alike. It needs biometric consent already.
//! - Kiosk captures are stored by ingest ([`crate::features::devices`]), not here.

pub mod api;
pub mod lookalike;
pub mod pages;
pub mod photos;
pub mod rules;
pub mod service;
pub mod sql;
pub mod store;

use attend_protocol::ids::{DeviceId, EmployeeId, EventId, UserId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::features::approvals::Stage;

pub use service::EnrolmentService;
pub use store::EnrolmentStore;

crate::db::string_enum!(CandidateStatus {
    Pending = "pending",
    Approved = "approved",
    Rejected = "rejected",
});

impl CandidateStatus {
    /// Where the candidate stands in the approval workflow.
    pub fn stage(self) -> Stage {
        match self {
            Self::Pending => Stage::Pending,
            Self::Approved => Stage::Approved,
            Self::Rejected => Stage::Rejected,
        }
    }
}

/// A candidate as a reviewer sees it: no vectors, only what helps the decision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Candidate {
    /// The enrolment event's id.
    pub id: EventId,
    pub employee_id: EmployeeId,
    pub device_id: DeviceId,
    pub status: CandidateStatus,
    /// Embedding model the templates came from, e.g. `dlib-resnet-v1`.
    pub model_id: String,
    pub templates: usize,
    /// Best capture quality in 0..=1.
    pub best_quality: f32,
    pub has_thumbnail: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<Timestamp>,
    pub decided_by: Option<UserId>,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// Who uploaded the photos (none: a kiosk capture). They do not approve it.
    pub uploaded_by: Option<UserId>,
    /// The enrolled employee whose face this one matches, if any: see [`lookalike`].
    pub lookalike: Option<Lookalike>,
    /// The first reviewer who approved a candidate with a lookalike: it waits for a second.
    pub first_approved_by: Option<UserId>,
}

/// Another employee whose enrolled face matches a candidate's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Lookalike {
    pub employee_id: EmployeeId,
    pub display_name: String,
    pub employee_number: String,
    /// The match score under the model's metric (a distance or a similarity).
    pub score: f32,
}

/// The device id of candidates made from photos uploaded on the dashboard (no kiosk).
pub const UPLOAD_DEVICE: DeviceId = DeviceId(uuid::Uuid::nil());
