//! The sync push: a kiosk sends batches of events it has already committed to its own outbox.
//!
//! Every event carries a device-generated UUIDv7 `event_id`, the idempotency key: the server
//! stores an event once however often it is sent, and answers `duplicate` for repeats. `seq` is
//! the device's monotonic outbox sequence, so gaps can be spotted. `captured_at` is the device's
//! UTC clock when the thing happened; the server adds its own receive time.
//!
//! **Compatible both ways between neighbouring versions.** None of these types refuses a field
//! it does not know: a server older than its kiosk stores an event carrying a field added later
//! (verbatim, so nothing is lost) instead of refusing the whole batch, and a field a kiosk adds
//! is optional for the server that reads it. A new field is added with `#[serde(default)]` and,
//! when an older reader must not see it at all, skipped while it holds its default. An event an
//! older server cannot store (a new `kind`) is refused alone; the kiosk sets it aside and tries
//! it again when the server's version changes ([`crate::HEADER_SERVER_VERSION`]).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::face_policy::LivenessEvidence;
use crate::ids::{EmployeeId, EquipmentId, EventId, SessionId};

/// `POST /api/v1/device/events` body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SyncPush {
    /// At most [`crate::MAX_BATCH_EVENTS`] events, in outbox order.
    #[schema(max_items = 1000)]
    pub events: Vec<Event>,
}

/// One event as the kiosk recorded it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Event {
    pub event_id: EventId,
    /// Device-monotonic outbox sequence number (starts at 1, never reused).
    pub seq: u64,
    /// Device clock (UTC) when the event happened.
    #[schema(value_type = String, format = DateTime)]
    pub captured_at: Timestamp,
    /// Set by the kiosk when its clock was measured off the server's by more than its
    /// tolerance at capture time, so managers know `captured_at` may be wrong.
    #[serde(default)]
    pub clock_suspect: bool,
    pub body: EventBody,
}

/// What happened. Tagged by `kind` on the wire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventBody {
    Punch(Punch),
    Equipment(EquipmentEvent),
    Heartbeat(Heartbeat),
    EnrolmentCandidate(EnrolmentCandidate),
}

impl EventBody {
    /// The `kind` tag as it appears on the wire (and in the server's storage).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Punch(_) => "punch",
            Self::Equipment(_) => "equipment",
            Self::Heartbeat(_) => "heartbeat",
            Self::EnrolmentCandidate(_) => "enrolment_candidate",
        }
    }

    /// The employee the event is about, if any.
    pub fn employee_id(&self) -> Option<EmployeeId> {
        match self {
            Self::Punch(p) => Some(p.employee_id),
            Self::Equipment(e) => Some(e.employee_id),
            Self::EnrolmentCandidate(c) => Some(c.employee_id),
            Self::Heartbeat(_) => None,
        }
    }
}

/// A clock punch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Punch {
    pub employee_id: EmployeeId,
    pub punch_type: PunchType,
    pub method: PunchMethod,
    /// Match score of the winning face (face punches only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    /// Threshold the score was compared against (face punches only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f32>,
    /// Embedding model that produced the score (face punches only), e.g. `dlib-resnet-v1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_id: Option<String>,
    /// The liveness check of a face punch (absent from kiosks that run none, and older ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness: Option<LivenessEvidence>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PunchType {
    In,
    Out,
    BreakStart,
    BreakEnd,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PunchMethod {
    Face,
    Pin,
}

/// One end of an equipment session. Start and stop share `session_id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EquipmentEvent {
    pub session_id: SessionId,
    pub equipment_id: EquipmentId,
    pub employee_id: EmployeeId,
    pub action: EquipmentAction,
    /// Why the session stopped; present exactly when `action` is `stop`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<StopReason>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EquipmentAction {
    Start,
    Stop,
}

/// Every way an equipment session can end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The worker typed the machine's code again.
    CodeRetyped,
    /// The worker pressed the stop key.
    StopKey,
    /// No activity for the idle limit.
    IdleTimeout,
    /// The maximum session length passed.
    MaxTime,
    /// The worker clocked out.
    ClockOut,
    /// The daemon shut down cleanly.
    Shutdown,
    /// Found open after a crash and closed on restart.
    Recovered,
    /// A manager locked the machine out while it ran.
    LockedOut,
}

/// Periodic kiosk health report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Heartbeat {
    pub versions: Versions,
    /// Events committed locally but not yet acknowledged by the server.
    pub queue_depth: u64,
    /// Device clock minus server clock, in milliseconds, as last measured.
    pub clock_offset_ms: i64,
    #[serde(default)]
    pub uptime_s: u64,
    /// Events the server refused whole (413, 422) that the kiosk holds aside for the next
    /// server version. Sent only when non-zero, so a kiosk with nothing aside sends what a
    /// server from before this field expects.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub set_aside: u64,
    /// The newest set-aside event's refusal, `"{status}: {reason}"`; absent when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_aside_reason: Option<String>,
}

#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Versions {
    pub attendd: String,
    #[serde(default)]
    pub vision: Option<String>,
    /// Ids of the detector and embedder models loaded.
    #[serde(default)]
    pub models: Vec<String>,
    #[serde(default)]
    pub os: Option<String>,
}

/// Face templates captured at a kiosk for a manager to approve before they are used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EnrolmentCandidate {
    pub employee_id: EmployeeId,
    pub model_id: String,
    pub templates: Vec<CandidateTemplate>,
    /// Optional small JPEG of the best capture, base64 (standard alphabet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_jpeg_base64: Option<String>,
}

impl EnrolmentCandidate {
    /// A candidate from (vector, quality) pairs and the best capture's JPEG, if any (encoded
    /// here), as both `attendd enroll` and the server's photo enrolment build it.
    pub fn new(
        employee_id: EmployeeId,
        model_id: String,
        templates: impl IntoIterator<Item = (Vec<f32>, f32)>,
        thumbnail_jpeg: Option<&[u8]>,
    ) -> Self {
        use base64::Engine as _;
        Self {
            employee_id,
            model_id,
            templates: templates
                .into_iter()
                .map(|(vector, quality)| CandidateTemplate { vector, quality })
                .collect(),
            thumbnail_jpeg_base64: thumbnail_jpeg
                .map(|j| base64::engine::general_purpose::STANDARD.encode(j)),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CandidateTemplate {
    pub vector: Vec<f32>,
    /// Capture quality in 0..=1 (sharpness, pose, size combined by the kiosk).
    pub quality: f32,
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::*;

    #[test]
    fn a_candidate_keeps_each_template_and_carries_the_thumbnail_as_base64() {
        let employee = EmployeeId(uuid::Uuid::nil());
        let c = EnrolmentCandidate::new(
            employee,
            "dlib-resnet-v1".into(),
            [(vec![0.5, -0.5], 0.9), (vec![0.25, 0.75], 0.4)],
            Some(b"\xff\xd8\xff jpeg"),
        );
        assert_eq!(c.templates.len(), 2);
        assert_eq!(
            (c.templates[1].vector[1], c.templates[1].quality),
            (0.75, 0.4)
        );
        let jpeg = base64::engine::general_purpose::STANDARD
            .decode(c.thumbnail_jpeg_base64.expect("thumbnail"))
            .expect("base64");
        assert_eq!(jpeg, b"\xff\xd8\xff jpeg");
        let bare = EnrolmentCandidate::new(employee, "m".into(), [], None);
        assert!(bare.templates.is_empty() && bare.thumbnail_jpeg_base64.is_none());
    }
}
