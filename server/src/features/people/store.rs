//! What the people service reads and writes. Reads and writes are scoped to the caller's
//! organisation and (for employees) departments; a row outside them is not found.

use async_trait::async_trait;
use attend_protocol::ids::{EmployeeId, UserId};

use super::{Credentials, Employee, EmployeeUpdate, NewEmployee, NewUser, User};
use crate::access::EmployeeLink;
use crate::db::{AuditCtx, DepartmentFilter, Page, Paged, Scope, StoreResult};

#[async_trait]
pub trait PeopleStore: Send + Sync + std::fmt::Debug {
    async fn create_employee(&self, ctx: &AuditCtx, new: NewEmployee) -> StoreResult<Employee>;
    async fn list_employees(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        page: &Page,
    ) -> StoreResult<Paged<Employee>>;
    async fn get_employee(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EmployeeId,
    ) -> StoreResult<Employee>;
    async fn update_employee(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EmployeeId,
        update: EmployeeUpdate,
    ) -> StoreResult<Employee>;
    /// Soft delete: the row stays for history, kiosks get a tombstone, its user is disabled.
    async fn delete_employee(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EmployeeId,
    ) -> StoreResult<()>;
    /// Pending → active, for the employee and the user who registered it. `depts` narrows only
    /// placed employees: the unplaced (self-registered) are any reviewer's in the organisation.
    async fn approve_employee(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EmployeeId,
    ) -> StoreResult<Employee>;
    /// Self-registration: a pending employee and its pending user, atomically.
    async fn register_employee(
        &self,
        ctx: &AuditCtx,
        employee: NewEmployee,
        user: NewUser,
    ) -> StoreResult<User>;

    /// The sites an employee in scope may punch at (empty: their home site only).
    async fn punch_sites(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EmployeeId,
    ) -> StoreResult<Vec<attend_protocol::ids::SiteId>>;
    /// Replaces them (each must be the organisation's: `BadReference { "site_ids" }`).
    async fn set_punch_sites(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EmployeeId,
        sites: Vec<attend_protocol::ids::SiteId>,
    ) -> StoreResult<Vec<attend_protocol::ids::SiteId>>;
    async fn create_user(&self, ctx: &AuditCtx, new: NewUser) -> StoreResult<User>;
    /// Applies an account change in scope (see [`super::accounts`]); disabling or a new role
    /// ends the account's sessions in the same transaction.
    async fn update_user(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        id: UserId,
        update: super::accounts::UserUpdate,
    ) -> StoreResult<User>;
    /// Ends every session of the account and voids its reset tokens.
    async fn end_sessions(&self, ctx: &AuditCtx, id: UserId) -> StoreResult<()>;
    /// Accounts in scope; `link` keeps those whose [`EmployeeLink`] it is.
    async fn list_users(
        &self,
        scope: Scope,
        link: Option<EmployeeLink>,
        page: &Page,
    ) -> StoreResult<Paged<User>>;
    async fn get_user(&self, scope: Scope, id: UserId) -> StoreResult<User>;
    async fn credentials_by_email(&self, email: &str) -> StoreResult<Option<Credentials>>;
    async fn credentials_by_id(&self, id: UserId) -> StoreResult<Credentials>;
    /// Sets a new password hash and revokes every session but `keep_session`.
    async fn set_password(
        &self,
        ctx: &AuditCtx,
        id: UserId,
        hash: &str,
        keep_session: Option<&str>,
    ) -> StoreResult<()>;
}
