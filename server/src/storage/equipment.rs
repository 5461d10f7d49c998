//! Equipment and qualifications: machines a kiosk relay powers, their hashed activation codes,
//! lockout and out-of-service holds, who holds which qualification until when, and the
//! sessions kiosks report (the live board and the usage history).
//!
//! Rules every backend keeps:
//! - Every change that kiosks must see (a machine, its code, a hold, a qualification) writes
//!   its roster-change row in the same transaction, with its audit row.
//! - Activation codes are stored only as argon2id hashes; a rotation replaces the hash.
//! - A site has at most one live machine per relay channel and per name.

use async_trait::async_trait;
use attend_protocol::ids::{EmployeeId, EquipmentId, OrgId, QualificationId, SessionId, SiteId};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{AuditCtx, DepartmentFilter, Scope, StoreResult};

/// A machine a relay powers. Its activation code is stored hashed (argon2id, PHC string).
#[derive(Debug)]
pub struct NewEquipment {
    pub org_id: OrgId,
    pub site_id: SiteId,
    pub name: String,
    pub relay_channel: u8,
    pub activation_code_hash: String,
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

#[async_trait]
pub trait EquipmentStore: Send + Sync {
    async fn create_equipment(&self, ctx: &AuditCtx, new: NewEquipment)
    -> StoreResult<EquipmentId>;
    async fn list_equipment(&self, scope: Scope) -> StoreResult<Vec<Equipment>>;
    async fn get_equipment(&self, scope: Scope, id: EquipmentId) -> StoreResult<Equipment>;
    /// Activation-code hashes of the site's live machines other than `except` (to refuse a code
    /// that another machine of the site already answers to).
    async fn site_code_hashes(
        &self,
        site: SiteId,
        except: Option<EquipmentId>,
    ) -> StoreResult<Vec<String>>;
    async fn update_equipment(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        id: EquipmentId,
        update: EquipmentUpdate,
    ) -> StoreResult<Equipment>;
    async fn set_hold(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        id: EquipmentId,
        hold: Hold,
    ) -> StoreResult<Equipment>;
    async fn delete_equipment(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        id: EquipmentId,
    ) -> StoreResult<()>;

    async fn create_qualification(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        name: &str,
    ) -> StoreResult<Qualification>;
    async fn list_qualifications(&self, scope: Scope) -> StoreResult<Vec<Qualification>>;
    /// Grants (or renews) a qualification to an employee, or revokes it (`grant = None`).
    async fn set_employee_qualification(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
        qualification: QualificationId,
        grant: Option<Option<Date>>,
    ) -> StoreResult<Vec<HeldQualification>>;
    async fn employee_qualifications(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
    ) -> StoreResult<Vec<HeldQualification>>;

    /// Sessions that started in `[from, to)` in scope (one machine, or all), oldest first.
    async fn machine_sessions(
        &self,
        scope: Scope,
        equipment: Option<EquipmentId>,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<Vec<MachineSession>>;
}
