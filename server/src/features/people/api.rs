//! The people JSON API: employees (managers see only their departments) and user accounts.

use attend_protocol::ids::{EmployeeId, UserId};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::PatchUser;
use super::service::{CreateEmployee, CreateUser, PatchEmployee};
use super::sites::PunchSites;
use super::{Employee, User};
use crate::access::{Caller, EmployeeLink};
use crate::app::state::AppState;
use crate::db::Paged;
use crate::platform::error::AppResult;
use crate::platform::extract::{ApiJson, ApiPath, ApiQuery, PageQuery};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_employee, list_employees))
        .routes(routes!(get_employee, update_employee, delete_employee))
        .routes(routes!(approve_employee))
        .routes(routes!(punch_sites, set_punch_sites))
        .routes(routes!(create_user, list_users))
        .routes(routes!(get_user, update_user))
        .routes(routes!(end_user_sessions))
}

#[utoipa::path(post, path = "/api/v1/employees", tag = "people", security(("bearer" = [])), request_body = CreateEmployee,
    responses((status = 201, body = Employee), (status = 422, body = attend_protocol::error::ErrorBody), (status = 409, body = attend_protocol::error::ErrorBody)))]
pub async fn create_employee(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateEmployee>,
) -> AppResult<(StatusCode, Json<Employee>)> {
    let created = app.people.create_employee(&caller, req).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/employees", tag = "people", security(("bearer" = [])), params(PageQuery), responses((status = 200, body = Paged<Employee>)))]
pub async fn list_employees(
    State(app): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> AppResult<Json<Paged<Employee>>> {
    Ok(Json(app.people.list_employees(&caller, &q.page()?).await?))
}

#[utoipa::path(get, path = "/api/v1/employees/{id}", tag = "people", security(("bearer" = [])),
    responses((status = 200, body = Employee), (status = 404, body = attend_protocol::error::ErrorBody)))]
pub async fn get_employee(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EmployeeId>,
) -> AppResult<Json<Employee>> {
    Ok(Json(app.people.get_employee(&caller, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/employees/{id}", tag = "people", security(("bearer" = [])), request_body = PatchEmployee,
    responses((status = 200, body = Employee)))]
pub async fn update_employee(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EmployeeId>,
    ApiJson(req): ApiJson<PatchEmployee>,
) -> AppResult<Json<Employee>> {
    Ok(Json(app.people.update_employee(&caller, id, req).await?))
}

#[utoipa::path(delete, path = "/api/v1/employees/{id}", tag = "people", security(("bearer" = [])),
    responses((status = 204, description = "soft-deleted; templates removed from every kiosk")))]
pub async fn delete_employee(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EmployeeId>,
) -> AppResult<StatusCode> {
    app.people.delete_employee(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/employees/{id}/approve", tag = "people", security(("bearer" = [])),
    responses((status = 200, body = Employee), (status = 409, body = attend_protocol::error::ErrorBody)))]
pub async fn approve_employee(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EmployeeId>,
) -> AppResult<Json<Employee>> {
    Ok(Json(app.people.approve_employee(&caller, id).await?))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "people", security(("bearer" = [])), request_body = CreateUser,
    responses((status = 201, body = User), (status = 409, body = attend_protocol::error::ErrorBody)))]
pub async fn create_user(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateUser>,
) -> AppResult<(StatusCode, Json<User>)> {
    let user = app.people.create_user(&caller, req).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// `?link=&limit=&after=` for the accounts list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UsersQuery {
    /// `unresolved`: the accounts an administrator must still link to their employee record or
    /// mark as not an employee (they decide nothing until then); also `linked`,
    /// `not_employee`, `not_needed`.
    #[param(value_type = Option<String>)]
    pub link: Option<EmployeeLink>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next` value of the previous page.
    pub after: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/users", tag = "people", security(("bearer" = [])), params(UsersQuery),
    responses((status = 200, body = Paged<User>), (status = 403, body = attend_protocol::error::ErrorBody),
              (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn list_users(
    State(app): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<UsersQuery>,
) -> AppResult<Json<Paged<User>>> {
    let page = PageQuery {
        limit: q.limit,
        after: q.after,
    }
    .page()?;
    Ok(Json(app.people.list_users(&caller, q.link, &page).await?))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "people", security(("bearer" = [])), responses((status = 200, body = User)))]
pub async fn get_user(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
) -> AppResult<Json<User>> {
    Ok(Json(app.people.get_user(&caller, id).await?))
}

#[utoipa::path(get, path = "/api/v1/employees/{id}/punch-sites", tag = "people", security(("bearer" = [])),
    params(("id" = String, Path, description = "an employee")),
    responses((status = 200, body = PunchSites, description = "empty: the home site only")))]
pub async fn punch_sites(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EmployeeId>,
) -> AppResult<Json<PunchSites>> {
    Ok(Json(app.people.punch_sites(&caller, id).await?))
}

#[utoipa::path(put, path = "/api/v1/employees/{id}/punch-sites", tag = "people", security(("bearer" = [])),
    params(("id" = String, Path, description = "an employee")), request_body = PunchSites,
    responses((status = 200, body = PunchSites), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn set_punch_sites(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EmployeeId>,
    ApiJson(req): ApiJson<PunchSites>,
) -> AppResult<Json<PunchSites>> {
    Ok(Json(app.people.set_punch_sites(&caller, id, req).await?))
}

#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "people", security(("bearer" = [])),
    params(("id" = String, Path, description = "an account")), request_body = PatchUser,
    responses((status = 200, body = User), (status = 403, body = attend_protocol::error::ErrorBody),
              (status = 409, body = attend_protocol::error::ErrorBody), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn update_user(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(req): ApiJson<PatchUser>,
) -> AppResult<Json<User>> {
    Ok(Json(app.people.update_user(&caller, id, req).await?))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/end-sessions", tag = "people", security(("bearer" = [])),
    params(("id" = String, Path, description = "an account")),
    responses((status = 204, description = "every session of the account ended")))]
pub async fn end_user_sessions(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
) -> AppResult<StatusCode> {
    app.people.end_user_sessions(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
