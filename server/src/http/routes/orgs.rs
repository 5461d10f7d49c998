//! Organisations (with invites and join codes), sites and departments.

use attend_protocol::ids::{DepartmentId, OrgId, SiteId};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::tokens::{human_code, normalise_code, token_hash};
use crate::http::AppState;
use crate::http::error::{ApiResult, Error};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, Check, PageQuery};
use crate::http::session::{ADMINS, AuthUser, STAFF};
use crate::storage::{Department, InviteRole, Organisation, Paged, Role, Site};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvite {
    /// `org_admin` or `manager`. Support may only invite `org_admin`.
    pub role: InviteRole,
    /// If given, only this address may accept.
    pub email: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InviteCode {
    /// Shown once; hand it to the invitee.
    pub code: String,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JoinCode {
    pub join_code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSite {
    /// Required for super_admin; others create in their own organisation.
    pub org_id: Option<OrgId>,
    pub name: String,
    /// IANA time zone, e.g. `Europe/Lisbon`.
    pub timezone: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDepartment {
    pub org_id: Option<OrgId>,
    pub name: String,
}

/// The organisation a new row goes into: the caller's own, or (for global roles) the one named.
/// Naming another organisation than one's own answers 404, like any foreign id.
pub fn target_org(caller: &AuthUser, requested: Option<OrgId>) -> ApiResult<OrgId> {
    match (caller.scope().org(), requested) {
        (None, Some(org)) => Ok(org),
        (None, None) => Err(Error::field("org_id", "is required for this account")),
        (Some(own), None) => Ok(own),
        (Some(own), Some(org)) if org == own => Ok(own),
        (Some(_), Some(_)) => Err(Error::NotFound),
    }
}

pub fn format_code(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations", security(("bearer" = [])), request_body = NewOrganisation,
    responses((status = 201, body = Organisation), (status = 403, body = attend_protocol::error::ErrorBody)))]
pub async fn create_org(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<NewOrganisation>,
) -> ApiResult<(StatusCode, Json<Organisation>)> {
    caller.require(&[Role::SuperAdmin, Role::Support])?;
    Check::default().text("name", &req.name, 1, 120).finish()?;
    let org = state
        .store
        .create_org(
            &caller.audit(),
            req.name.trim(),
            &normalise_code(&human_code()),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(org)))
}

#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Paged<Organisation>)))]
pub async fn list_orgs(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Paged<Organisation>>> {
    Ok(Json(
        state.store.list_orgs(caller.scope(), &q.page()?).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "organisations", security(("bearer" = [])),
    responses((status = 200, body = Organisation), (status = 404, body = attend_protocol::error::ErrorBody)))]
pub async fn get_org(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<OrgId>,
) -> ApiResult<Json<Organisation>> {
    Ok(Json(state.store.get_org(caller.scope(), id).await?))
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}/join-code", tag = "organisations", security(("bearer" = [])),
    responses((status = 200, body = JoinCode)))]
pub async fn get_join_code(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<OrgId>,
) -> ApiResult<Json<JoinCode>> {
    caller.require(STAFF)?;
    let code = state.store.join_code(caller.scope(), id).await?;
    Ok(Json(JoinCode {
        join_code: format_code(&code),
    }))
}

#[utoipa::path(post, path = "/api/v1/organisations/{id}/join-code", tag = "organisations", security(("bearer" = [])),
    responses((status = 200, body = JoinCode, description = "a new code; the old one stops working")))]
pub async fn rotate_join_code(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<OrgId>,
) -> ApiResult<Json<JoinCode>> {
    caller.require(ADMINS)?;
    let code = normalise_code(&human_code());
    state
        .store
        .set_join_code(&caller.audit(), caller.scope(), id, &code)
        .await?;
    Ok(Json(JoinCode {
        join_code: format_code(&code),
    }))
}

#[utoipa::path(post, path = "/api/v1/organisations/{id}/invites", tag = "organisations", security(("bearer" = [])), request_body = NewInvite,
    responses((status = 201, body = InviteCode)))]
pub async fn create_invite(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<OrgId>,
    ApiJson(req): ApiJson<NewInvite>,
) -> ApiResult<(StatusCode, Json<InviteCode>)> {
    caller.require(&[Role::SuperAdmin, Role::Support, Role::OrgAdmin])?;
    if caller.user.role == Role::Support && req.role != InviteRole::OrgAdmin {
        return Err(Error::field(
            "role",
            "support may only invite organisation admins",
        ));
    }
    if let Some(email) = &req.email {
        Check::default().email("email", email.trim()).finish()?;
    }
    let org = state.store.get_org(caller.scope(), id).await?;
    let code = human_code();
    let expires_at = Timestamp::now() + SignedDuration::from_secs(state.settings.auth.invite_ttl_s);
    let email = req.email.as_deref().map(str::trim);
    state
        .store
        .create_invite(
            &caller.audit(),
            org.id,
            req.role,
            email,
            &token_hash(&normalise_code(&code)),
            caller.user.id,
            expires_at,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(InviteCode { code, expires_at })))
}

#[utoipa::path(post, path = "/api/v1/sites", tag = "organisations", security(("bearer" = [])), request_body = NewSite,
    responses((status = 201, body = Site), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn create_site(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<NewSite>,
) -> ApiResult<(StatusCode, Json<Site>)> {
    caller.require(ADMINS)?;
    Check::default()
        .text("name", &req.name, 1, 120)
        .timezone("timezone", req.timezone.trim())
        .finish()?;
    let org = target_org(&caller, req.org_id)?;
    let site = state
        .store
        .create_site(&caller.audit(), org, req.name.trim(), req.timezone.trim())
        .await?;
    Ok((StatusCode::CREATED, Json(site)))
}

#[utoipa::path(get, path = "/api/v1/sites", tag = "organisations", security(("bearer" = [])), params(PageQuery), responses((status = 200, body = Paged<Site>)))]
pub async fn list_sites(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Paged<Site>>> {
    caller.require(STAFF)?;
    Ok(Json(
        state.store.list_sites(caller.scope(), &q.page()?).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/sites/{id}", tag = "organisations", security(("bearer" = [])), responses((status = 200, body = Site)))]
pub async fn get_site(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<SiteId>,
) -> ApiResult<Json<Site>> {
    caller.require(STAFF)?;
    Ok(Json(state.store.get_site(caller.scope(), id).await?))
}

#[utoipa::path(post, path = "/api/v1/departments", tag = "organisations", security(("bearer" = [])), request_body = NewDepartment,
    responses((status = 201, body = Department)))]
pub async fn create_department(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<NewDepartment>,
) -> ApiResult<(StatusCode, Json<Department>)> {
    caller.require(ADMINS)?;
    Check::default().text("name", &req.name, 1, 120).finish()?;
    let org = target_org(&caller, req.org_id)?;
    let d = state
        .store
        .create_department(&caller.audit(), org, req.name.trim())
        .await?;
    Ok((StatusCode::CREATED, Json(d)))
}

#[utoipa::path(get, path = "/api/v1/departments", tag = "organisations", security(("bearer" = [])), params(PageQuery), responses((status = 200, body = Paged<Department>)))]
pub async fn list_departments(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Paged<Department>>> {
    caller.require(STAFF)?;
    Ok(Json(
        state
            .store
            .list_departments(caller.scope(), &q.page()?)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/departments/{id}", tag = "organisations", security(("bearer" = [])), responses((status = 200, body = Department)))]
pub async fn get_department(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<DepartmentId>,
) -> ApiResult<Json<Department>> {
    caller.require(STAFF)?;
    Ok(Json(state.store.get_department(caller.scope(), id).await?))
}
