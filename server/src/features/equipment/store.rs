//! What the equipment service reads and writes: machines and their code hashes, holds,
//! qualifications and grants, and the machine sessions kiosks reported. Every call is scoped;
//! a machine or employee outside the scope is not found.

use async_trait::async_trait;
use attend_protocol::ids::{EmployeeId, EquipmentId, OrgId, QualificationId, SiteId};
use jiff::Timestamp;
use jiff::civil::Date;

use super::{
    Equipment, EquipmentUpdate, HeldQualification, Hold, MachineSession, NewEquipment,
    Qualification,
};
use crate::db::{AuditCtx, DepartmentFilter, Scope, StoreResult};

#[async_trait]
pub trait EquipmentStore: Send + Sync + std::fmt::Debug {
    /// A conflict on `activation_code` if a live machine of the site has the same fingerprint.
    async fn create_equipment(&self, ctx: &AuditCtx, new: NewEquipment)
    -> StoreResult<EquipmentId>;
    async fn list_equipment(&self, scope: Scope) -> StoreResult<Vec<Equipment>>;
    async fn get_equipment(&self, scope: Scope, id: EquipmentId) -> StoreResult<Equipment>;
    /// Activation-code hashes of the site's live machines other than `except` that have no
    /// fingerprint yet (made before migration 0019 and not rotated since): the only ones the
    /// database cannot compare a new code with.
    async fn unfingerprinted_code_hashes(
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
