//! The sync pull: `GET /api/v1/device/roster?since=CURSOR` returns what changed for the device's
//! organisation since `CURSOR` (0 means "everything"), plus the cursor to ask with next time.
//!
//! Entities are sent whole (upserts); deletions arrive as tombstones. A kiosk applies a delta in
//! one transaction and only then stores `cursor`, so a crash mid-apply repeats the pull.
//!
//! A kiosk ignores fields it does not know, at every level, so a server one version ahead can
//! add to the roster without stopping older kiosks from pulling it.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::face_policy::{FaceMatchRules, LivenessPolicy};
use crate::ids::{EmployeeId, EquipmentId, QualificationId, TemplateId};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RosterDelta {
    /// Ask with this next time.
    pub cursor: u64,
    /// True when more changes remain past `cursor`: pull again straight away.
    pub more: bool,
    pub employees: Vec<RosterEmployee>,
    pub templates: Vec<RosterTemplate>,
    pub equipment: Vec<RosterEquipment>,
    pub qualifications: Vec<RosterQualification>,
    pub tombstones: Vec<Tombstone>,
    /// The device's settings; always sent whole.
    pub config: DeviceConfig,
}

impl RosterDelta {
    /// A delta that changes nothing up to `cursor`, with the default settings: the start of one
    /// being built up.
    pub fn empty(cursor: u64) -> Self {
        Self {
            cursor,
            more: false,
            employees: Vec::new(),
            templates: Vec::new(),
            equipment: Vec::new(),
            qualifications: Vec::new(),
            tombstones: Vec::new(),
            config: DeviceConfig::default(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RosterEmployee {
    pub id: EmployeeId,
    /// The number typed at the keypad before a PIN.
    pub employee_number: String,
    pub display_name: String,
    /// PHC-format hash of the PIN (argon2id), if the employee has a PIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_hash: Option<String>,
    pub consent: ConsentState,
    /// Qualifications held, with their expiry.
    #[serde(default)]
    pub qualifications: Vec<HeldQualification>,
    /// A manager marked that this person cannot turn their head: where the site's liveness
    /// rules ask for a head turn, they use the PIN with the passive check instead, unflagged.
    /// Sent only when true; absent (an older server) means false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_head_turn: bool,
}

/// Biometric consent. Only `granted` employees may be recognised by face; the others use the PIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentState {
    NotAsked,
    Granted,
    Withdrawn,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HeldQualification {
    pub qualification_id: QualificationId,
    /// Last day the qualification is valid (site-local date); `None` never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub expires_on: Option<Date>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RosterTemplate {
    pub id: TemplateId,
    pub employee_id: EmployeeId,
    pub model_id: String,
    pub vector: Vec<f32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RosterEquipment {
    pub id: EquipmentId,
    pub name: String,
    /// PHC-format hash of the code printed on the machine.
    pub activation_code_hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_qualification: Option<QualificationId>,
    pub relay_channel: u8,
    /// Locked out or out of service: the kiosk refuses to start it.
    pub locked_out: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RosterQualification {
    pub id: QualificationId,
    pub name: String,
}

/// A deletion. `id` is the deleted entity's UUID.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Tombstone {
    pub entity: EntityKind,
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Employee,
    Template,
    Equipment,
    Qualification,
}

/// Settings the server pushes to a kiosk.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeviceConfig {
    /// IANA time zone of the device's site.
    pub timezone: String,
    pub enabled: bool,
    /// Seconds during which a second punch by the same person is ignored.
    pub punch_repeat_window_s: u32,
    /// Failed PIN attempts before the keypad locks that employee number out.
    pub pin_max_attempts: u32,
    pub heartbeat_interval_s: u32,
    /// Largest |device − server| clock offset tolerated before events are flagged.
    pub max_clock_offset_s: u32,
    /// True while no administrator has confirmed this kiosk since it provisioned: the roster
    /// then carries nobody and no machine, and its punches wait for review. Sent only when
    /// true, so a confirmed kiosk's answer is what older kiosks always had; absent (an older
    /// server) means confirmed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub awaiting_confirmation: bool,
    /// The site's liveness rules; absent from an older server (the kiosk keeps its default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness: Option<LivenessPolicy>,
    /// The site's face-match threshold and margin per face model; absent from an older server
    /// (the kiosk keeps its own configured values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face_match: Option<FaceMatchRules>,
}

/// The server's standard settings, in UTC (a real delta carries the site's zone).
impl Default for DeviceConfig {
    fn default() -> Self {
        Self {
            timezone: "UTC".into(),
            enabled: true,
            punch_repeat_window_s: 60,
            pin_max_attempts: 5,
            heartbeat_interval_s: 60,
            max_clock_offset_s: 120,
            awaiting_confirmation: false,
            liveness: None,
            face_match: None,
        }
    }
}
