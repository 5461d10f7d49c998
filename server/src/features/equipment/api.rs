//! The equipment JSON API: machines and their activation codes, lockout and out-of-service
//! holds, the live "who is using what" board and the usage history; qualifications and who
//! holds them.

use attend_protocol::ids::{EmployeeId, EquipmentId, QualificationId};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::civil::Date;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{
    CreateEquipment, CreateQualification, GrantQualification, HoldReason, NewCode, PatchEquipment,
};
use super::{BoardEntry, Equipment, HeldQualification, Hold, Qualification, Usage};
use crate::access::Caller;
use crate::app::state::AppState;
use crate::platform::error::AppResult;
use crate::platform::extract::{ApiJson, ApiPath, ApiQuery};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_equipment, list_equipment))
        .routes(routes!(board))
        .routes(routes!(get_equipment, update_equipment, delete_equipment))
        .routes(routes!(rotate_code))
        .routes(routes!(lock_out, lift_lockout))
        .routes(routes!(out_of_service, back_in_service))
        .routes(routes!(create_qualification, list_qualifications))
        .routes(routes!(employee_qualifications))
        .routes(routes!(grant_qualification, revoke_qualification))
}

/// Routes in the heavy rate-limit tier: a machine's sessions over up to a year.
pub fn heavy_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(usage))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UsageQuery {
    /// First day (UTC), `YYYY-MM-DD`.
    #[param(value_type = String, format = Date)]
    pub from: Date,
    /// Last day (UTC), inclusive.
    #[param(value_type = String, format = Date)]
    pub to: Date,
}

#[utoipa::path(post, path = "/api/v1/equipment", tag = "equipment", security(("bearer" = [])), request_body = CreateEquipment,
    responses((status = 201, body = Equipment), (status = 409, body = attend_protocol::error::ErrorBody), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn create_equipment(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateEquipment>,
) -> AppResult<(StatusCode, Json<Equipment>)> {
    let machine = app.equipment.create(&caller, req).await?;
    Ok((StatusCode::CREATED, Json(machine)))
}

#[utoipa::path(get, path = "/api/v1/equipment", tag = "equipment", security(("bearer" = [])), responses((status = 200, body = Vec<Equipment>)))]
pub async fn list_equipment(
    State(app): State<AppState>,
    caller: Caller,
) -> AppResult<Json<Vec<Equipment>>> {
    Ok(Json(app.equipment.list(&caller).await?))
}

#[utoipa::path(get, path = "/api/v1/equipment/{id}", tag = "equipment", security(("bearer" = [])), responses((status = 200, body = Equipment)))]
pub async fn get_equipment(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EquipmentId>,
) -> AppResult<Json<Equipment>> {
    Ok(Json(app.equipment.get(&caller, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/equipment/{id}", tag = "equipment", security(("bearer" = [])), request_body = PatchEquipment, responses((status = 200, body = Equipment)))]
pub async fn update_equipment(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EquipmentId>,
    ApiJson(req): ApiJson<PatchEquipment>,
) -> AppResult<Json<Equipment>> {
    Ok(Json(app.equipment.update(&caller, id, req).await?))
}

#[utoipa::path(post, path = "/api/v1/equipment/{id}/code", tag = "equipment", security(("bearer" = [])), request_body = NewCode,
    responses((status = 200, body = Equipment, description = "the old code stops working at each kiosk's next roster pull")))]
pub async fn rotate_code(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EquipmentId>,
    ApiJson(req): ApiJson<NewCode>,
) -> AppResult<Json<Equipment>> {
    Ok(Json(app.equipment.rotate_code(&caller, id, req).await?))
}

#[utoipa::path(post, path = "/api/v1/equipment/{id}/lockout", tag = "equipment", security(("bearer" = [])), request_body = HoldReason, responses((status = 200, body = Equipment)))]
pub async fn lock_out(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EquipmentId>,
    ApiJson(req): ApiJson<HoldReason>,
) -> AppResult<Json<Equipment>> {
    let hold = Hold::Lockout(Some(req.reason));
    Ok(Json(app.equipment.set_hold(&caller, id, hold).await?))
}

#[utoipa::path(delete, path = "/api/v1/equipment/{id}/lockout", tag = "equipment", security(("bearer" = [])), responses((status = 200, body = Equipment)))]
pub async fn lift_lockout(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EquipmentId>,
) -> AppResult<Json<Equipment>> {
    let hold = Hold::Lockout(None);
    Ok(Json(app.equipment.set_hold(&caller, id, hold).await?))
}

#[utoipa::path(post, path = "/api/v1/equipment/{id}/out-of-service", tag = "equipment", security(("bearer" = [])), request_body = HoldReason, responses((status = 200, body = Equipment)))]
pub async fn out_of_service(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EquipmentId>,
    ApiJson(req): ApiJson<HoldReason>,
) -> AppResult<Json<Equipment>> {
    let hold = Hold::OutOfService(Some(req.reason));
    Ok(Json(app.equipment.set_hold(&caller, id, hold).await?))
}

#[utoipa::path(delete, path = "/api/v1/equipment/{id}/out-of-service", tag = "equipment", security(("bearer" = [])), responses((status = 200, body = Equipment)))]
pub async fn back_in_service(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EquipmentId>,
) -> AppResult<Json<Equipment>> {
    let hold = Hold::OutOfService(None);
    Ok(Json(app.equipment.set_hold(&caller, id, hold).await?))
}

#[utoipa::path(delete, path = "/api/v1/equipment/{id}", tag = "equipment", security(("bearer" = [])), responses((status = 204, description = "removed from every kiosk")))]
pub async fn delete_equipment(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EquipmentId>,
) -> AppResult<StatusCode> {
    app.equipment.delete(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/equipment/board", tag = "equipment", security(("bearer" = [])),
    responses((status = 200, body = Vec<BoardEntry>, description = "every machine with its holds and its running session")))]
pub async fn board(
    State(app): State<AppState>,
    caller: Caller,
) -> AppResult<Json<Vec<BoardEntry>>> {
    Ok(Json(app.equipment.board(&caller).await?))
}

#[utoipa::path(get, path = "/api/v1/equipment/{id}/sessions", tag = "equipment", security(("bearer" = [])), params(UsageQuery),
    responses((status = 200, body = Usage)))]
pub async fn usage(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EquipmentId>,
    ApiQuery(q): ApiQuery<UsageQuery>,
) -> AppResult<Json<Usage>> {
    Ok(Json(app.equipment.usage(&caller, id, q.from, q.to).await?))
}

#[utoipa::path(post, path = "/api/v1/qualifications", tag = "equipment", security(("bearer" = [])), request_body = CreateQualification,
    responses((status = 201, body = Qualification), (status = 409, body = attend_protocol::error::ErrorBody)))]
pub async fn create_qualification(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateQualification>,
) -> AppResult<(StatusCode, Json<Qualification>)> {
    let q = app.equipment.create_qualification(&caller, req).await?;
    Ok((StatusCode::CREATED, Json(q)))
}

#[utoipa::path(get, path = "/api/v1/qualifications", tag = "equipment", security(("bearer" = [])), responses((status = 200, body = Vec<Qualification>)))]
pub async fn list_qualifications(
    State(app): State<AppState>,
    caller: Caller,
) -> AppResult<Json<Vec<Qualification>>> {
    Ok(Json(app.equipment.list_qualifications(&caller).await?))
}

#[utoipa::path(put, path = "/api/v1/employees/{id}/qualifications/{qualification_id}", tag = "equipment", security(("bearer" = [])),
    request_body = GrantQualification, responses((status = 200, body = Vec<HeldQualification>)))]
pub async fn grant_qualification(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath((id, q)): ApiPath<(EmployeeId, QualificationId)>,
    ApiJson(req): ApiJson<GrantQualification>,
) -> AppResult<Json<Vec<HeldQualification>>> {
    let held = app
        .equipment
        .grant_qualification(&caller, id, q, req)
        .await?;
    Ok(Json(held))
}

#[utoipa::path(delete, path = "/api/v1/employees/{id}/qualifications/{qualification_id}", tag = "equipment", security(("bearer" = [])),
    responses((status = 200, body = Vec<HeldQualification>)))]
pub async fn revoke_qualification(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath((id, q)): ApiPath<(EmployeeId, QualificationId)>,
) -> AppResult<Json<Vec<HeldQualification>>> {
    Ok(Json(
        app.equipment.revoke_qualification(&caller, id, q).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/employees/{id}/qualifications", tag = "equipment", security(("bearer" = [])), responses((status = 200, body = Vec<HeldQualification>)))]
pub async fn employee_qualifications(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EmployeeId>,
) -> AppResult<Json<Vec<HeldQualification>>> {
    Ok(Json(
        app.equipment.employee_qualifications(&caller, id).await?,
    ))
}
