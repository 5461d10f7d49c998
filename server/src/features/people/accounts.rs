//! Managing accounts after they exist: disable and re-enable, change the role (only to roles
//! the caller may grant) and a manager's departments, link the account to its employee record,
//! and end all of an account's sessions (offboarding).
//!
//! Invariants: nobody changes their own role or status (an admin cannot lock themselves out by
//! mistake, nor promote themselves); an account the caller could not have created is not theirs
//! to change; disabling ends every session at once, in the same transaction.

use attend_protocol::ids::{DepartmentId, EmployeeId, UserId};
use serde::Deserialize;
use utoipa::ToSchema;

use super::service::{PeopleService, creatable_roles};
use super::{User, UserStatus};
use crate::access::{Action, Caller, EmployeeLink, Role};
use crate::platform::error::{AppResult, Error};
use crate::platform::validate::Check;

/// The body of `PATCH /users/{id}`: only what is present changes.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchUser {
    /// `active` or `disabled`.
    pub status: Option<UserStatus>,
    pub role: Option<Role>,
    /// A manager's departments (replaces the list).
    #[schema(value_type = Option<Vec<String>>)]
    pub departments: Option<Vec<DepartmentId>>,
    /// The employee record of the person behind the account; `null` unlinks.
    #[serde(default, deserialize_with = "crate::platform::extract::present")]
    #[schema(value_type = Option<String>)]
    pub employee_id: Option<Option<EmployeeId>>,
    /// `true`: the account's holder is not one of the organisation's employees (it unlinks);
    /// `false` takes the mark away. An account that decides is linked or marked (four eyes).
    pub not_employee: Option<bool>,
}

/// What the store applies.
#[derive(Clone, Debug, Default)]
pub struct UserUpdate {
    pub status: Option<UserStatus>,
    pub role: Option<Role>,
    pub departments: Option<Vec<DepartmentId>>,
    pub employee_id: Option<Option<EmployeeId>>,
    pub not_employee: Option<bool>,
}

/// Whether `caller` may make `patch` to `target` (pure; the store checks references).
pub fn check_change(caller: &Caller, target: &User, patch: &PatchUser) -> AppResult<()> {
    let grantable = creatable_roles(caller.role);
    if !grantable.contains(&target.role) {
        return Err(Error::ForbiddenBecause(
            "this account's role is not one you may manage",
        ));
    }
    let mut check = Check::default();
    if target.id == caller.user_id && (patch.status.is_some() || patch.role.is_some()) {
        check.fail("status", "nobody changes their own role or status");
    }
    // Four eyes: who the person behind an account is, another administrator says.
    if target.id == caller.user_id && (patch.employee_id.is_some() || patch.not_employee.is_some())
    {
        check.fail(
            "employee_id",
            "nobody links their own account or marks it as not an employee: another administrator does",
        );
    }
    if matches!(patch.employee_id, Some(Some(_))) && patch.not_employee == Some(true) {
        check.fail(
            "not_employee",
            "an account linked to an employee record is not marked as not an employee",
        );
    }
    if let Some(role) = patch.role
        && !grantable.contains(&role)
    {
        check.fail("role", "you may not grant this role");
    }
    if patch.status == Some(UserStatus::Pending) {
        check.fail("status", "must be active or disabled");
    }
    let role = patch.role.unwrap_or(target.role);
    if role != Role::Manager && patch.departments.as_ref().is_some_and(|d| !d.is_empty()) {
        check.fail("departments", "only managers have departments");
    }
    if role.is_global() && matches!(patch.employee_id, Some(Some(_))) {
        check.fail("employee_id", "global roles belong to no organisation");
    }
    // A new role that decides comes with a link or the mark (an account left unresolved by
    // the migration stays listed until an administrator resolves it).
    if patch.role.is_some_and(|r| r != target.role) && after_link(target, patch, role).is_none() {
        check.fail(
            "employee_id",
            "an admin's or manager's account is linked to their employee record (employee_id) or marked as not an employee (not_employee: true)",
        );
    }
    check.finish()
}

/// The account's link once `patch` (with its new `role`) applies; `None` when it would be
/// unresolved.
fn after_link(target: &User, patch: &PatchUser, role: Role) -> Option<EmployeeLink> {
    let employee = patch.employee_id.unwrap_or(target.employee_id);
    let not_employee = match (patch.not_employee, patch.employee_id) {
        (Some(mark), _) => mark,
        (None, Some(Some(_))) => false,
        (None, _) => target.link == EmployeeLink::NotEmployee,
    };
    let link = EmployeeLink::of(role, employee, not_employee);
    (link != EmployeeLink::Unresolved).then_some(link)
}

impl PeopleService {
    pub async fn update_user(
        &self,
        caller: &Caller,
        id: UserId,
        patch: PatchUser,
    ) -> AppResult<User> {
        caller.permit(Action::UpdateUser)?;
        let target = self.store.get_user(caller.scope(), id).await?;
        check_change(caller, &target, &patch)?;
        let departments = match (patch.role.unwrap_or(target.role), patch.departments) {
            // A manager's departments go with the role.
            (Role::Manager, d) => d,
            (_, _) if target.role == Role::Manager => Some(Vec::new()),
            (_, d) => d,
        };
        let update = UserUpdate {
            status: patch.status,
            role: patch.role,
            departments,
            employee_id: patch.employee_id,
            not_employee: patch.not_employee,
        };
        Ok(self
            .store
            .update_user(&caller.audit(), caller.scope(), id, update)
            .await?)
    }

    /// Ends every session of the account (API and dashboard) and voids its reset tokens.
    pub async fn end_user_sessions(&self, caller: &Caller, id: UserId) -> AppResult<()> {
        caller.permit(Action::EndUserSessions)?;
        let target = self.store.get_user(caller.scope(), id).await?;
        if !creatable_roles(caller.role).contains(&target.role) {
            return Err(Error::ForbiddenBecause(
                "this account's role is not one you may manage",
            ));
        }
        Ok(self.store.end_sessions(&caller.audit(), id).await?)
    }
}

/// A new account that decides (four eyes) says who the person is: linked to their employee
/// record, or marked as not an employee; never both, never neither.
pub fn person_given(employee: Option<EmployeeId>, not_employee: bool) -> AppResult<()> {
    match (employee, not_employee) {
        (Some(_), false) | (None, true) => Ok(()),
        (Some(_), true) => Err(Error::field(
            "not_employee",
            "an account linked to an employee record is not marked as not an employee",
        )),
        (None, false) => Err(Error::field(
            "employee_id",
            "an admin's or manager's account is linked to their employee record (employee_id) or marked as not an employee (not_employee: true)",
        )),
    }
}
