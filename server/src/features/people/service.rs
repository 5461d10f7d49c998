//! People and accounts: the rules for creating, editing and removing employees and accounts,
//! and who may do it.

use std::sync::Arc;

use attend_protocol::ids::{DepartmentId, EmployeeId, OrgId, SiteId, UserId};
use attend_protocol::roster::ConsentState;
use serde::Deserialize;
use utoipa::ToSchema;

use super::accounts::person_given;
use super::store::PeopleStore;
use super::{Employee, EmployeeStatus, EmployeeUpdate, NewEmployee, NewUser, User, UserStatus};
use crate::access::{Action, Caller, EmployeeLink, Role, decides};
use crate::db::{DepartmentFilter, Page, Paged, Scope, all_pages};
use crate::platform::error::{AppResult, Error};
use crate::platform::password::Hasher;

use crate::platform::limits;
use crate::platform::validate::Check;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEmployee {
    pub org_id: Option<OrgId>,
    pub employee_number: String,
    pub display_name: String,
    pub email: Option<String>,
    pub department_id: Option<DepartmentId>,
    pub site_id: Option<SiteId>,
    #[schema(value_type = Option<String>)]
    pub consent: Option<ConsentState>,
    /// 6 to 8 digits, typed at the kiosk after the employee number.
    pub pin: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchEmployee {
    pub display_name: Option<String>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub department_id: Option<Option<DepartmentId>>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub site_id: Option<Option<SiteId>>,
    #[schema(value_type = Option<String>)]
    pub consent: Option<ConsentState>,
    /// A new PIN, or `null` to remove it.
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub pin: Option<Option<String>>,
    /// This person cannot turn their head: where the site's liveness rules ask for a head
    /// turn, they use the PIN with the passive check instead, unflagged.
    pub no_head_turn: Option<bool>,
}

/// Distinguishes a missing field (leave alone) from `null` (clear).
mod double_option {
    use serde::{Deserialize, Deserializer};

    #[allow(clippy::option_option)]
    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub org_id: Option<OrgId>,
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    /// For managers: the departments they manage.
    #[serde(default)]
    pub departments: Vec<DepartmentId>,
    pub employee_id: Option<EmployeeId>,
    /// The account's holder is not one of the organisation's employees. An admin's or
    /// manager's account gives this or `employee_id` (four eyes).
    #[serde(default)]
    pub not_employee: bool,
}

/// Digits a PIN set from now on must have. Six, not four: a kiosk slows guessing down rather
/// than locking anyone out, so the number of possible PINs is what makes guessing hopeless.
/// Kiosks still accept the 4-digit PINs set before this rule (4 to 8 digits at the keypad).
pub const PIN_DIGITS: std::ops::RangeInclusive<usize> =
    limits::EMPLOYEE_PIN.min..=limits::EMPLOYEE_PIN.max;

pub fn check_pin(check: &mut Check, pin: &str) {
    if !PIN_DIGITS.contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        check.fail("pin", "must be 6 to 8 digits");
    }
}

/// A manager may only place employees in departments they manage.
fn check_manager_department(caller: &Caller, department: Option<DepartmentId>) -> AppResult<()> {
    if let DepartmentFilter::Only(mine) = caller.departments() {
        match department {
            Some(d) if mine.contains(&d) => {}
            _ => {
                return Err(Error::field(
                    "department_id",
                    "must be one of the departments you manage",
                ));
            }
        }
    }
    Ok(())
}

/// The roles an account of `role` may create: super admins anyone, support org admins, org
/// admins their own staff, nobody else anyone.
pub fn creatable_roles(role: Role) -> &'static [Role] {
    match role {
        Role::SuperAdmin => Role::ALL,
        Role::Support => &[Role::OrgAdmin],
        Role::OrgAdmin => &[Role::OrgAdmin, Role::Manager, Role::Employee],
        Role::Manager | Role::Employee => &[],
    }
}

#[derive(Clone, Debug)]
pub struct PeopleService {
    pub(super) store: Arc<dyn PeopleStore>,
    hasher: Hasher,
}

impl PeopleService {
    pub fn new(store: Arc<dyn PeopleStore>, hasher: Hasher) -> Self {
        Self { store, hasher }
    }

    pub async fn create_employee(
        &self,
        caller: &Caller,
        req: CreateEmployee,
    ) -> AppResult<Employee> {
        caller.permit(Action::CreateEmployee)?;
        let mut check = Check::default();
        check
            .text(
                "employee_number",
                &req.employee_number,
                limits::EMPLOYEE_NUMBER,
            )
            .text("display_name", &req.display_name, limits::DISPLAY_NAME);
        if let Some(email) = &req.email {
            check.email("email", email.trim());
        }
        if let Some(pin) = &req.pin {
            check_pin(&mut check, pin);
        }
        check.finish()?;
        let org = caller.target_org(req.org_id)?;
        check_manager_department(caller, req.department_id)?;
        let pin_hash = match req.pin {
            Some(pin) => Some(self.hasher.hash(pin).await?),
            None => None,
        };
        let new = NewEmployee {
            org_id: org,
            employee_number: req.employee_number.trim().to_owned(),
            display_name: req.display_name.trim().to_owned(),
            email: req.email.map(|e| e.trim().to_owned()),
            department_id: req.department_id,
            site_id: req.site_id,
            status: EmployeeStatus::Active,
            consent: req.consent.unwrap_or(ConsentState::NotAsked),
            pin_hash,
            created_by: Some(caller.user_id),
        };
        Ok(self.store.create_employee(&caller.audit(), new).await?)
    }

    pub async fn list_employees(&self, caller: &Caller, page: &Page) -> AppResult<Paged<Employee>> {
        caller.permit(Action::ListEmployees)?;
        Ok(self
            .store
            .list_employees(caller.scope(), &caller.departments(), page)
            .await?)
    }

    /// Every employee the caller may see, by name (for the pages' lists and labels).
    pub async fn all_employees(&self, caller: &Caller) -> AppResult<Vec<Employee>> {
        caller.permit(Action::AllEmployees)?;
        let (scope, depts) = (caller.scope(), caller.departments());
        let mut people = all_pages(|page| {
            let (store, depts) = (self.store.clone(), depts.clone());
            async move { store.list_employees(scope, &depts, &page).await }
        })
        .await?;
        people.sort_by(|a, b| a.display_name.cmp(&b.display_name));
        Ok(people)
    }

    pub async fn get_employee(&self, caller: &Caller, id: EmployeeId) -> AppResult<Employee> {
        caller.permit_on(Action::GetEmployee, id)?;
        Ok(self
            .store
            .get_employee(caller.scope(), &caller.departments(), id)
            .await?)
    }

    /// Edits an employee. Withdrawing biometric consent erases their face data at once, and
    /// every kiosk drops it at its next roster pull.
    pub async fn update_employee(
        &self,
        caller: &Caller,
        id: EmployeeId,
        req: PatchEmployee,
    ) -> AppResult<Employee> {
        caller.permit(Action::UpdateEmployee)?;
        let mut check = Check::default();
        if let Some(name) = &req.display_name {
            check.text("display_name", name, limits::DISPLAY_NAME);
        }
        if let Some(Some(email)) = &req.email {
            check.email("email", email.trim());
        }
        if let Some(Some(pin)) = &req.pin {
            check_pin(&mut check, pin);
        }
        check.finish()?;
        if let Some(department) = req.department_id {
            check_manager_department(caller, department)?;
        }
        let pin_hash = match req.pin {
            Some(Some(pin)) => Some(Some(self.hasher.hash(pin).await?)),
            Some(None) => Some(None),
            None => None,
        };
        let update = EmployeeUpdate {
            display_name: req.display_name.map(|n| n.trim().to_owned()),
            email: req.email.map(|e| e.map(|e| e.trim().to_owned())),
            department_id: req.department_id,
            site_id: req.site_id,
            consent: req.consent,
            pin_hash,
            no_head_turn: req.no_head_turn,
        };
        Ok(self
            .store
            .update_employee(
                &caller.audit(),
                caller.scope(),
                &caller.departments(),
                id,
                update,
            )
            .await?)
    }

    /// Soft delete: the row stays for history; kiosks get tombstones, the account is disabled.
    pub async fn delete_employee(&self, caller: &Caller, id: EmployeeId) -> AppResult<()> {
        caller.permit(Action::DeleteEmployee)?;
        Ok(self
            .store
            .delete_employee(&caller.audit(), caller.scope(), &caller.departments(), id)
            .await?)
    }

    pub async fn approve_employee(&self, caller: &Caller, id: EmployeeId) -> AppResult<Employee> {
        caller.permit(Action::ApproveEmployee)?;
        // The store lets a manager approve the unplaced (self-registered) employees of the
        // organisation, and the placed ones only in their departments.
        Ok(self
            .store
            .approve_employee(&caller.audit(), caller.scope(), &caller.departments(), id)
            .await?)
    }

    pub async fn create_user(&self, caller: &Caller, req: CreateUser) -> AppResult<User> {
        caller.permit(Action::CreateUser)?;
        let allowed = creatable_roles(caller.role);
        let mut check = Check::default();
        check
            .email("email", req.email.trim())
            .text("display_name", &req.display_name, limits::DISPLAY_NAME)
            .password("password", &req.password);
        if !allowed.contains(&req.role) {
            check.fail("role", "you may not create accounts with this role");
        }
        if req.role != Role::Manager && !req.departments.is_empty() {
            check.fail("departments", "only managers have departments");
        }
        check.finish()?;
        let org = if req.role.is_global() {
            if req.org_id.is_some() {
                return Err(Error::field(
                    "org_id",
                    "global roles belong to no organisation",
                ));
            }
            None
        } else {
            Some(caller.target_org(req.org_id)?)
        };
        if decides(req.role) && !req.role.is_global() {
            person_given(req.employee_id, req.not_employee)?;
        }
        if let (Some(employee), Some(org)) = (req.employee_id, org) {
            self.store
                .get_employee(Scope::Org(org), &DepartmentFilter::Any, employee)
                .await
                .map_err(|_| Error::field("employee_id", "does not exist"))?;
        }
        let hash = self.hasher.hash(req.password).await?;
        let new = NewUser {
            org_id: org,
            email: req.email.trim().to_owned(),
            display_name: req.display_name.trim().to_owned(),
            password_hash: hash,
            role: req.role,
            status: UserStatus::Active,
            employee_id: req.employee_id,
            not_employee: req.not_employee,
            departments: req.departments,
        };
        Ok(self.store.create_user(&caller.audit(), new).await?)
    }

    /// Accounts in scope; `link=unresolved` lists those an administrator must still link to
    /// their employee record or mark as not an employee.
    pub async fn list_users(
        &self,
        caller: &Caller,
        link: Option<EmployeeLink>,
        page: &Page,
    ) -> AppResult<Paged<User>> {
        caller.permit(Action::ListUsers)?;
        Ok(self.store.list_users(caller.scope(), link, page).await?)
    }

    pub async fn get_user(&self, caller: &Caller, id: UserId) -> AppResult<User> {
        caller.permit(Action::GetUser)?;
        Ok(self.store.get_user(caller.scope(), id).await?)
    }
}
