//! The organisations JSON API: organisations and their join codes, sites, departments.

use attend_protocol::face_policy::{FaceMatchRules, LivenessPolicy};
use attend_protocol::ids::{DepartmentId, OrgId, SiteId};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::face_match::FaceMatchInput;
use super::liveness::LivenessRules;
use super::service::{JoinCode, NewDepartment, NewOrganisation, NewSite, OrgSettings, SingleAdmin};
use super::{Department, Organisation, Site};
use crate::access::Caller;
use crate::app::state::AppState;
use crate::db::Paged;
use crate::platform::error::AppResult;
use crate::platform::extract::{ApiJson, ApiPath, ApiQuery, PageQuery};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_org, list_orgs))
        .routes(routes!(get_org))
        .routes(routes!(update_org_settings))
        .routes(routes!(get_join_code, rotate_join_code))
        .routes(routes!(set_single_admin))
        .routes(routes!(create_site, list_sites))
        .routes(routes!(get_site))
        .routes(routes!(get_site_liveness, set_site_liveness))
        .routes(routes!(get_site_face_match, set_site_face_match))
        .routes(routes!(create_department, list_departments))
        .routes(routes!(get_department))
}

#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations", security(("bearer" = [])), request_body = NewOrganisation,
    responses((status = 201, body = Organisation), (status = 403, body = attend_protocol::error::ErrorBody)))]
pub async fn create_org(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<NewOrganisation>,
) -> AppResult<(StatusCode, Json<Organisation>)> {
    let org = app.orgs.create_org(&caller, req).await?;
    Ok((StatusCode::CREATED, Json(org)))
}

#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Paged<Organisation>)))]
pub async fn list_orgs(
    State(app): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> AppResult<Json<Paged<Organisation>>> {
    Ok(Json(app.orgs.list_orgs(&caller, &q.page()?).await?))
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "organisations", security(("bearer" = [])),
    responses((status = 200, body = Organisation), (status = 404, body = attend_protocol::error::ErrorBody)))]
pub async fn get_org(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrgId>,
) -> AppResult<Json<Organisation>> {
    Ok(Json(app.orgs.get_org(&caller, id).await?))
}

/// Changes an organisation's settings; a field left out stays as it is.
#[utoipa::path(patch, path = "/api/v1/organisations/{id}/settings", tag = "organisations", security(("bearer" = [])),
    params(("id" = String, Path, description = "the organisation")),
    request_body = OrgSettings,
    responses((status = 200, body = Organisation, description = "the organisation with its settings as they now are"),
              (status = 401, body = attend_protocol::error::ErrorBody, description = "no valid bearer token"),
              (status = 403, body = attend_protocol::error::ErrorBody, description = "only administrators of the organisation change its settings (`forbidden`), or the caller must set up a second factor first (`totp_required`)"),
              (status = 404, body = attend_protocol::error::ErrorBody, description = "no such organisation in the caller's scope"),
              (status = 400, body = attend_protocol::error::ErrorBody, description = "the body is not JSON"),
              (status = 415, body = attend_protocol::error::ErrorBody, description = "the body is not `application/json`"),
              (status = 422, body = attend_protocol::error::ErrorBody, description = "a field has the wrong type, or is unknown")))]
pub async fn update_org_settings(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrgId>,
    ApiJson(req): ApiJson<OrgSettings>,
) -> AppResult<Json<Organisation>> {
    Ok(Json(app.orgs.update_settings(&caller, id, req).await?))
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}/join-code", tag = "organisations", security(("bearer" = [])),
    responses((status = 200, body = JoinCode)))]
pub async fn get_join_code(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrgId>,
) -> AppResult<Json<JoinCode>> {
    Ok(Json(app.orgs.join_code(&caller, id).await?))
}

#[utoipa::path(post, path = "/api/v1/organisations/{id}/join-code", tag = "organisations", security(("bearer" = [])),
    responses((status = 200, body = JoinCode, description = "a new code; the old one stops working")))]
pub async fn rotate_join_code(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrgId>,
) -> AppResult<Json<JoinCode>> {
    Ok(Json(app.orgs.rotate_join_code(&caller, id).await?))
}

#[utoipa::path(put, path = "/api/v1/organisations/{id}/single-admin", tag = "organisations", security(("bearer" = [])),
    params(("id" = String, Path, description = "an organisation")), request_body = SingleAdmin,
    responses((status = 200, body = Organisation, description = "the setting as it now stands"),
              (status = 403, body = attend_protocol::error::ErrorBody, description = "not an admin"),
              (status = 404, body = attend_protocol::error::ErrorBody, description = "no such organisation in scope"),
              (status = 409, body = attend_protocol::error::ErrorBody, description = "turning it on with other than one active org admin"),
              (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn set_single_admin(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrgId>,
    ApiJson(req): ApiJson<SingleAdmin>,
) -> AppResult<Json<Organisation>> {
    Ok(Json(app.orgs.set_single_admin(&caller, id, req).await?))
}

#[utoipa::path(post, path = "/api/v1/sites", tag = "organisations", security(("bearer" = [])), request_body = NewSite,
    responses((status = 201, body = Site), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn create_site(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<NewSite>,
) -> AppResult<(StatusCode, Json<Site>)> {
    let site = app.orgs.create_site(&caller, req).await?;
    Ok((StatusCode::CREATED, Json(site)))
}

#[utoipa::path(get, path = "/api/v1/sites", tag = "organisations", security(("bearer" = [])), params(PageQuery), responses((status = 200, body = Paged<Site>)))]
pub async fn list_sites(
    State(app): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> AppResult<Json<Paged<Site>>> {
    Ok(Json(app.orgs.list_sites(&caller, &q.page()?).await?))
}

#[utoipa::path(get, path = "/api/v1/sites/{id}", tag = "organisations", security(("bearer" = [])), responses((status = 200, body = Site)))]
pub async fn get_site(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<SiteId>,
) -> AppResult<Json<Site>> {
    Ok(Json(app.orgs.get_site(&caller, id).await?))
}

#[utoipa::path(get, path = "/api/v1/sites/{id}/liveness", tag = "organisations", security(("bearer" = [])),
    responses((status = 200, body = LivenessPolicy, description = "the rules the site's kiosks get with their roster")))]
pub async fn get_site_liveness(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<SiteId>,
) -> AppResult<Json<LivenessPolicy>> {
    Ok(Json(app.orgs.site_liveness(&caller, id).await?))
}

#[utoipa::path(put, path = "/api/v1/sites/{id}/liveness", tag = "organisations", security(("bearer" = [])), request_body = LivenessRules,
    responses((status = 200, body = LivenessPolicy), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn set_site_liveness(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<SiteId>,
    ApiJson(req): ApiJson<LivenessRules>,
) -> AppResult<Json<LivenessPolicy>> {
    Ok(Json(
        app.orgs.set_site_liveness(&caller, id, req.into()).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/sites/{id}/face-match", tag = "organisations", security(("bearer" = [])),
    responses((status = 200, body = FaceMatchRules, description = "the threshold and margin per face model the site's kiosks get with their roster")))]
pub async fn get_site_face_match(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<SiteId>,
) -> AppResult<Json<FaceMatchRules>> {
    Ok(Json(app.orgs.site_face_match(&caller, id).await?))
}

#[utoipa::path(put, path = "/api/v1/sites/{id}/face-match", tag = "organisations", security(("bearer" = [])), request_body = FaceMatchInput,
    responses((status = 200, body = FaceMatchRules), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn set_site_face_match(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<SiteId>,
    ApiJson(req): ApiJson<FaceMatchInput>,
) -> AppResult<Json<FaceMatchRules>> {
    Ok(Json(
        app.orgs
            .set_site_face_match(&caller, id, req.into())
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/departments", tag = "organisations", security(("bearer" = [])), request_body = NewDepartment,
    responses((status = 201, body = Department)))]
pub async fn create_department(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<NewDepartment>,
) -> AppResult<(StatusCode, Json<Department>)> {
    let d = app.orgs.create_department(&caller, req).await?;
    Ok((StatusCode::CREATED, Json(d)))
}

#[utoipa::path(get, path = "/api/v1/departments", tag = "organisations", security(("bearer" = [])), params(PageQuery), responses((status = 200, body = Paged<Department>)))]
pub async fn list_departments(
    State(app): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> AppResult<Json<Paged<Department>>> {
    Ok(Json(app.orgs.list_departments(&caller, &q.page()?).await?))
}

#[utoipa::path(get, path = "/api/v1/departments/{id}", tag = "organisations", security(("bearer" = [])), responses((status = 200, body = Department)))]
pub async fn get_department(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<DepartmentId>,
) -> AppResult<Json<Department>> {
    Ok(Json(app.orgs.get_department(&caller, id).await?))
}
