//! Employees (managers see only their departments) and user accounts.

use attend_protocol::ids::{DepartmentId, EmployeeId, OrgId, SiteId, UserId};
use attend_protocol::roster::ConsentState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::http::session::target_org;
use crate::platform::password;
use crate::http::AppState;
use crate::platform::error::{AppResult, Error};
use crate::platform::extract::{ApiJson, ApiPath, ApiQuery, PageQuery};
use crate::platform::validate::Check;
use crate::http::session::{ADMINS, AuthUser, STAFF};
use crate::storage::{
    DepartmentFilter, Employee, EmployeeStatus, EmployeeUpdate, NewEmployee, NewUser, Paged, Role,
    User, UserStatus,
};

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
    /// 4 to 8 digits, typed at the kiosk after the employee number.
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
}

fn check_pin(check: &mut Check, pin: &str) {
    if !(4..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        check.fail("pin", "must be 4 to 8 digits");
    }
}

/// A manager may only place employees in departments they manage.
fn check_manager_department(caller: &AuthUser, department: Option<DepartmentId>) -> AppResult<()> {
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

#[utoipa::path(post, path = "/api/v1/employees", tag = "people", security(("bearer" = [])), request_body = CreateEmployee,
    responses((status = 201, body = Employee), (status = 422, body = attend_protocol::error::ErrorBody), (status = 409, body = attend_protocol::error::ErrorBody)))]
pub async fn create_employee(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<CreateEmployee>,
) -> AppResult<(StatusCode, Json<Employee>)> {
    caller.require(STAFF)?;
    let mut check = Check::default();
    check
        .text("employee_number", &req.employee_number, 1, 32)
        .text("display_name", &req.display_name, 1, 120);
    if let Some(email) = &req.email {
        check.email("email", email.trim());
    }
    if let Some(pin) = &req.pin {
        check_pin(&mut check, pin);
    }
    check.finish()?;
    let org = target_org(&caller, req.org_id)?;
    check_manager_department(&caller, req.department_id)?;
    let pin_hash = match req.pin {
        Some(pin) => Some(password::hash(pin).await),
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
    };
    Ok((
        StatusCode::CREATED,
        Json(state.store.create_employee(&caller.audit(), new).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/employees", tag = "people", security(("bearer" = [])), params(PageQuery), responses((status = 200, body = Paged<Employee>)))]
pub async fn list_employees(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> AppResult<Json<Paged<Employee>>> {
    caller.require(STAFF)?;
    Ok(Json(
        state
            .store
            .list_employees(caller.scope(), &caller.departments(), &q.page()?)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/employees/{id}", tag = "people", security(("bearer" = [])),
    responses((status = 200, body = Employee), (status = 404, body = attend_protocol::error::ErrorBody)))]
pub async fn get_employee(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EmployeeId>,
) -> AppResult<Json<Employee>> {
    // Employees may read their own record and nobody else's.
    if caller.user.role == Role::Employee && caller.user.employee_id != Some(id) {
        return Err(Error::NotFound);
    }
    caller.require(&[
        Role::SuperAdmin,
        Role::OrgAdmin,
        Role::Manager,
        Role::Employee,
    ])?;
    Ok(Json(
        state
            .store
            .get_employee(caller.scope(), &caller.departments(), id)
            .await?,
    ))
}

#[utoipa::path(patch, path = "/api/v1/employees/{id}", tag = "people", security(("bearer" = [])), request_body = PatchEmployee,
    responses((status = 200, body = Employee)))]
pub async fn update_employee(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EmployeeId>,
    ApiJson(req): ApiJson<PatchEmployee>,
) -> AppResult<Json<Employee>> {
    caller.require(STAFF)?;
    let mut check = Check::default();
    if let Some(name) = &req.display_name {
        check.text("display_name", name, 1, 120);
    }
    if let Some(Some(email)) = &req.email {
        check.email("email", email.trim());
    }
    if let Some(Some(pin)) = &req.pin {
        check_pin(&mut check, pin);
    }
    check.finish()?;
    if let Some(department) = req.department_id {
        check_manager_department(&caller, department)?;
    }
    let pin_hash = match req.pin {
        Some(Some(pin)) => Some(Some(password::hash(pin).await)),
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
    };
    Ok(Json(
        state
            .store
            .update_employee(
                &caller.audit(),
                caller.scope(),
                &caller.departments(),
                id,
                update,
            )
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/employees/{id}", tag = "people", security(("bearer" = [])),
    responses((status = 204, description = "soft-deleted; templates removed from every kiosk")))]
pub async fn delete_employee(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EmployeeId>,
) -> AppResult<StatusCode> {
    caller.require(ADMINS)?;
    state
        .store
        .delete_employee(&caller.audit(), caller.scope(), &caller.departments(), id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/employees/{id}/approve", tag = "people", security(("bearer" = [])),
    responses((status = 200, body = Employee), (status = 409, body = attend_protocol::error::ErrorBody)))]
pub async fn approve_employee(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EmployeeId>,
) -> AppResult<Json<Employee>> {
    caller.require(STAFF)?;
    // Self-registered employees have no department yet, so any manager of the organisation
    // may approve them; department scoping applies once they are placed.
    Ok(Json(
        state
            .store
            .approve_employee(&caller.audit(), caller.scope(), &DepartmentFilter::Any, id)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "people", security(("bearer" = [])), request_body = CreateUser,
    responses((status = 201, body = User), (status = 409, body = attend_protocol::error::ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<CreateUser>,
) -> AppResult<(StatusCode, Json<User>)> {
    // Who may create whom: super_admin anyone; support org admins; org admins their own staff.
    let allowed: &[Role] = match caller.user.role {
        Role::SuperAdmin => Role::ALL,
        Role::Support => &[Role::OrgAdmin],
        Role::OrgAdmin => &[Role::OrgAdmin, Role::Manager, Role::Employee],
        Role::Manager | Role::Employee => return Err(Error::Forbidden),
    };
    let mut check = Check::default();
    check
        .email("email", req.email.trim())
        .text("display_name", &req.display_name, 1, 120)
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
        Some(target_org(&caller, req.org_id)?)
    };
    if let (Some(employee), Some(org)) = (req.employee_id, org) {
        state
            .store
            .get_employee(
                crate::storage::Scope::Org(org),
                &DepartmentFilter::Any,
                employee,
            )
            .await
            .map_err(|_| Error::field("employee_id", "does not exist"))?;
    }
    let hash = password::hash(req.password).await;
    let new = NewUser {
        org_id: org,
        email: req.email.trim().to_owned(),
        display_name: req.display_name.trim().to_owned(),
        password_hash: hash,
        role: req.role,
        status: UserStatus::Active,
        employee_id: req.employee_id,
        departments: req.departments,
    };
    Ok((
        StatusCode::CREATED,
        Json(state.store.create_user(&caller.audit(), new).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/users", tag = "people", security(("bearer" = [])), params(PageQuery), responses((status = 200, body = Paged<User>)))]
pub async fn list_users(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> AppResult<Json<Paged<User>>> {
    caller.require(&[Role::SuperAdmin, Role::Support, Role::OrgAdmin])?;
    Ok(Json(
        state.store.list_users(caller.scope(), &q.page()?).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "people", security(("bearer" = [])), responses((status = 200, body = User)))]
pub async fn get_user(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<UserId>,
) -> AppResult<Json<User>> {
    caller.require(&[Role::SuperAdmin, Role::Support, Role::OrgAdmin])?;
    Ok(Json(state.store.get_user(caller.scope(), id).await?))
}
