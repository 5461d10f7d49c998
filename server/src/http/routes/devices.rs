//! Devices: creation (with a one-time provisioning code), listing, disabling, provisioning.

use attend_protocol::ids::{DeviceId, SiteId};
use attend_protocol::provision::{ProvisionRequest, ProvisionResponse};
use attend_protocol::signing::DeviceSecret;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::{SignedDuration, Timestamp};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;


use crate::platform::tokens::{human_code, normalise_code, token_hash};
use crate::platform::error::{AppResult, Error};
use crate::platform::extract::{ApiJson, ApiPath, ApiQuery, ClientIp, PageQuery};
use crate::platform::validate::Check;
use crate::http::session::{ADMINS, AuthUser, STAFF};
use crate::http::AppState;
use crate::platform::request_id;
use crate::storage::{Actor, AuditCtx, Device, DeviceStatus, NewDevice, Paged};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDevice {
    pub site_id: SiteId,
    pub name: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedDevice {
    pub device: Device,
    /// Type this on the kiosk (`attendd provision --code …`). Shown once; single use.
    pub provisioning_code: String,
    #[schema(value_type = String, format = DateTime)]
    pub provisioning_expires_at: Timestamp,
}

#[utoipa::path(post, path = "/api/v1/devices", tag = "devices", security(("bearer" = [])), request_body = CreateDevice,
    responses((status = 201, body = CreatedDevice), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn create_device(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<CreateDevice>,
) -> AppResult<(StatusCode, Json<CreatedDevice>)> {
    caller.require(ADMINS)?;
    Check::default().text("name", &req.name, 1, 120).finish()?;
    // The site decides the organisation; a site outside the caller's scope is a bad reference.
    let site = state
        .store
        .get_site(caller.scope(), req.site_id)
        .await
        .map_err(|_| Error::field("site_id", "does not exist"))?;
    let code = human_code();
    let expires =
        Timestamp::now() + SignedDuration::from_secs(state.settings.auth.provisioning_code_ttl_s);
    let new = NewDevice {
        org_id: site.org_id,
        site_id: site.id,
        name: req.name.trim().to_owned(),
        provisioning_code_hash: token_hash(&normalise_code(&code)),
        provisioning_expires_at: expires,
    };
    let device = state.store.create_device(&caller.audit(), new).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedDevice {
            device,
            provisioning_code: code,
            provisioning_expires_at: expires,
        }),
    ))
}

#[utoipa::path(get, path = "/api/v1/devices", tag = "devices", security(("bearer" = [])), params(PageQuery), responses((status = 200, body = Paged<Device>)))]
pub async fn list_devices(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> AppResult<Json<Paged<Device>>> {
    caller.require(STAFF)?;
    Ok(Json(
        state.store.list_devices(caller.scope(), &q.page()?).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/devices/{id}", tag = "devices", security(("bearer" = [])), responses((status = 200, body = Device)))]
pub async fn get_device(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<DeviceId>,
) -> AppResult<Json<Device>> {
    caller.require(STAFF)?;
    Ok(Json(state.store.get_device(caller.scope(), id).await?))
}

async fn set_status(
    state: &AppState,
    caller: &AuthUser,
    id: DeviceId,
    status: DeviceStatus,
) -> AppResult<Json<Device>> {
    caller.require(ADMINS)?;
    Ok(Json(
        state
            .store
            .set_device_status(&caller.audit(), caller.scope(), id, status)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/devices/{id}/disable", tag = "devices", security(("bearer" = [])),
    responses((status = 200, body = Device, description = "its signed requests are refused from now on")))]
pub async fn disable_device(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<DeviceId>,
) -> AppResult<Json<Device>> {
    set_status(&state, &caller, id, DeviceStatus::Disabled).await
}

#[utoipa::path(post, path = "/api/v1/devices/{id}/enable", tag = "devices", security(("bearer" = [])), responses((status = 200, body = Device)))]
pub async fn enable_device(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<DeviceId>,
) -> AppResult<Json<Device>> {
    set_status(&state, &caller, id, DeviceStatus::Active).await
}

/// Exchanges a one-time code for the device's id and signing secret.
#[utoipa::path(post, path = "/api/v1/device/provision", tag = "device sync", request_body = ProvisionRequest,
    responses((status = 200, body = ProvisionResponse), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn provision(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<ProvisionRequest>,
) -> AppResult<Json<ProvisionResponse>> {
    let key = ip.clone().unwrap_or_else(|| "unknown".into());
    let now = Timestamp::now();
    state.auth.throttle().ensure_open("provision", &key, now).await?;
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::Internal(anyhow::anyhow!("no randomness")))?;
    let secret = DeviceSecret::from_bytes(bytes);
    let ctx = AuditCtx {
        actor: Actor::Anonymous,
        ip,
        request_id: Some(request_id::current()),
    };
    let code = token_hash(&normalise_code(&req.code));
    match state
        .store
        .provision_device(
            &ctx,
            &code,
            &secret.to_base64(),
            now,
            req.attendd_version.as_deref(),
        )
        .await
    {
        Ok(auth) => Ok(Json(ProvisionResponse {
            device_id: auth.id,
            device_secret: secret.to_base64(),
            org_id: auth.org_id,
            site_id: auth.site_id,
            site_timezone: auth.timezone,
            server_time: now,
        })),
        Err(crate::storage::StoreError::NotFound) => {
            state.auth.throttle().failed("provision", &key, now).await?;
            Err(Error::field("code", "is invalid, already used or expired"))
        }
        Err(e) => Err(e.into()),
    }
}
