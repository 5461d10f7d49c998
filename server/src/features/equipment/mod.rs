//! Equipment: machines a kiosk relay powers (with their activation codes, lockout and
//! out-of-service holds), the qualifications a machine may require and who holds which until
//! when, and the sessions kiosks report (the live board and the usage history). Kiosks check
//! codes, holds and qualifications offline, from what they pull with the roster.
//!
//! - [`service`]: the rules and permission checks; [`api`]: the JSON routes; [`pages`]: the
//!   equipment board with its holds.
//! - [`codes`]: the keyed fingerprint that keeps a site's machine codes apart.
//! - [`sessions`]: pairing kiosk start and stop events into sessions, the board's running
//!   session, machine minutes (pure).
//! - [`store`]: the data access; [`sql`] implements it (on SQLite and PostgreSQL).
//!
//! Invariants every backend keeps:
//! - Every change kiosks must see (a machine, its code, a hold, a qualification, a grant)
//!   writes its roster-change row in the same transaction as the change, with its audit row.
//! - Activation codes are stored only as argon2id hashes and never leave the server; a rotation
//!   replaces the hash, and no two live machines of a site answer to the same code (the
//!   database refuses a second fingerprint, [`codes`], in the writing transaction).
//! - A site has at most one live machine per relay channel and per name.

pub mod api;
pub mod codes;
pub mod pages;
pub mod service;
pub mod sessions;
pub mod sql;
pub mod store;

use attend_protocol::ids::{EmployeeId, EquipmentId, OrgId, QualificationId, SessionId, SiteId};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use service::EquipmentService;
pub use store::EquipmentStore;

/// A machine a relay powers. Its activation code is stored hashed (argon2id, PHC string).
#[derive(Debug)]
pub struct NewEquipment {
    pub org_id: OrgId,
    pub site_id: SiteId,
    pub name: String,
    pub relay_channel: u8,
    pub activation_code_hash: String,
    /// The code's keyed fingerprint ([`codes::CodeKey`]); `None` only from callers without the
    /// server's key (the demo seed), whose machine is then compared by argon2 like older ones.
    pub code_fingerprint: Option<String>,
    pub required_qualification: Option<QualificationId>,
}

/// A machine as managers see it (never its code hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Equipment {
    pub id: EquipmentId,
    pub org_id: OrgId,
    pub site_id: SiteId,
    pub name: String,
    pub relay_channel: u8,
    pub required_qualification: Option<QualificationId>,
    /// A safety hold: nobody may start it.
    pub locked_out: bool,
    pub lockout_reason: Option<String>,
    pub out_of_service: bool,
    pub service_reason: Option<String>,
}

/// A partial update; `None` leaves a field alone, `Some(None)` clears the qualification.
#[derive(Debug, Default)]
pub struct EquipmentUpdate {
    pub name: Option<String>,
    pub relay_channel: Option<u8>,
    pub required_qualification: Option<Option<QualificationId>>,
    pub activation_code_hash: Option<String>,
    /// Set with `activation_code_hash`: the new code's fingerprint.
    pub code_fingerprint: Option<String>,
}

/// A hold placed on (`Some(reason)`) or lifted from (`None`) a machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hold {
    Lockout(Option<String>),
    OutOfService(Option<String>),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Qualification {
    pub id: QualificationId,
    pub org_id: OrgId,
    pub name: String,
}

/// A qualification an employee holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HeldQualification {
    pub qualification_id: QualificationId,
    pub name: String,
    /// Valid through this date; forever when absent.
    #[schema(value_type = Option<String>, format = Date)]
    pub expires_on: Option<Date>,
}

/// One equipment session as kiosks reported it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MachineSession {
    pub session_id: SessionId,
    pub equipment_id: EquipmentId,
    pub employee_id: EmployeeId,
    pub employee_name: String,
    #[schema(value_type = String, format = DateTime)]
    pub started_at: Timestamp,
    /// Absent while the machine runs (or when the stop has not synced yet).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub stopped_at: Option<Timestamp>,
    /// `code_retyped`, `stop_key`, `idle_timeout`, `max_time`, `clock_out`, `shutdown`, …
    pub stop_reason: Option<String>,
}

/// A machine on the board: its holds and who runs it now.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardEntry {
    pub equipment: Equipment,
    pub running: Option<MachineSession>,
}

/// A machine's sessions over some days.
#[derive(Debug, Serialize, ToSchema)]
pub struct Usage {
    pub sessions: Vec<MachineSession>,
    /// Minutes of the stopped sessions (running ones count once stopped).
    pub machine_minutes: i64,
}
