//! Qualifications: what a machine may require, and who holds which until when. Kiosks check
//! them offline from the employee's roster entry.

use attend_protocol::ids::{EmployeeId, OrgId, QualificationId};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::civil::Date;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::http::session::target_org;
use crate::http::AppState;
use crate::platform::error::AppResult;
use crate::platform::extract::{ApiJson, ApiPath};
use crate::platform::validate::Check;
use crate::http::session::{ADMINS, AuthUser, STAFF};
use crate::storage::{HeldQualification, Qualification};

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantQualification {
    /// Valid through this date; forever when absent.
    #[schema(value_type = Option<String>, format = Date)]
    pub expires_on: Option<Date>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateQualification {
    pub org_id: Option<OrgId>,
    pub name: String,
}

#[utoipa::path(post, path = "/api/v1/qualifications", tag = "equipment", security(("bearer" = [])), request_body = CreateQualification,
    responses((status = 201, body = Qualification), (status = 409, body = attend_protocol::error::ErrorBody)))]
pub async fn create_qualification(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<CreateQualification>,
) -> AppResult<(StatusCode, Json<Qualification>)> {
    caller.require(ADMINS)?;
    Check::default().text("name", &req.name, 1, 80).finish()?;
    let org = target_org(&caller, req.org_id)?;
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .store
                .create_qualification(&caller.audit(), org, req.name.trim())
                .await?,
        ),
    ))
}

#[utoipa::path(get, path = "/api/v1/qualifications", tag = "equipment", security(("bearer" = [])), responses((status = 200, body = Vec<Qualification>)))]
pub async fn list_qualifications(
    State(state): State<AppState>,
    caller: AuthUser,
) -> AppResult<Json<Vec<Qualification>>> {
    caller.require(STAFF)?;
    Ok(Json(state.store.list_qualifications(caller.scope()).await?))
}

#[utoipa::path(put, path = "/api/v1/employees/{id}/qualifications/{qualification_id}", tag = "equipment", security(("bearer" = [])),
    request_body = GrantQualification, responses((status = 200, body = Vec<HeldQualification>)))]
pub async fn grant_qualification(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath((id, q)): ApiPath<(EmployeeId, QualificationId)>,
    ApiJson(req): ApiJson<GrantQualification>,
) -> AppResult<Json<Vec<HeldQualification>>> {
    caller.require(STAFF)?;
    let held = state
        .store
        .set_employee_qualification(
            &caller.audit(),
            caller.scope(),
            &caller.departments(),
            id,
            q,
            Some(req.expires_on),
        )
        .await?;
    Ok(Json(held))
}

#[utoipa::path(delete, path = "/api/v1/employees/{id}/qualifications/{qualification_id}", tag = "equipment", security(("bearer" = [])),
    responses((status = 200, body = Vec<HeldQualification>)))]
pub async fn revoke_qualification(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath((id, q)): ApiPath<(EmployeeId, QualificationId)>,
) -> AppResult<Json<Vec<HeldQualification>>> {
    caller.require(STAFF)?;
    Ok(Json(
        state
            .store
            .set_employee_qualification(
                &caller.audit(),
                caller.scope(),
                &caller.departments(),
                id,
                q,
                None,
            )
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/employees/{id}/qualifications", tag = "equipment", security(("bearer" = [])), responses((status = 200, body = Vec<HeldQualification>)))]
pub async fn employee_qualifications(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<EmployeeId>,
) -> AppResult<Json<Vec<HeldQualification>>> {
    caller.require(STAFF)?;
    Ok(Json(
        state
            .store
            .employee_qualifications(caller.scope(), &caller.departments(), id)
            .await?,
    ))
}
