//! The devices JSON API: kiosks for admins (register, list, a fresh provisioning code, confirm,
//! disable, enable), the kiosk's own routes (provision, push events), and the stored events
//! (heavy tier).

use attend_protocol::MAX_BATCH_EVENTS;
use attend_protocol::ack::{AckStatus, SyncPushResponse};
use attend_protocol::error::ErrorBody;
use attend_protocol::events::{Event, SyncPush};
use attend_protocol::ids::{DeviceId, EmployeeId};
use attend_protocol::provision::{ProvisionRequest, ProvisionResponse};
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::value::RawValue;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::provisioning::IssuedCode;
use super::service::{CreateDevice, CreatedDevice};
use super::signed::{SignedBatch, stamp_server_version};
use super::{Confirmed, Device, DeviceStatus, EventFilter, ReceivedEvent, StoredEvent};
use crate::access::Caller;
use crate::app::state::AppState;
use crate::db::Paged;
use crate::platform::contract::Document;
use crate::platform::error::{AppResult, Error};
use crate::platform::extract::{
    ApiJson, ApiPath, ApiQuery, ClientIp, PageQuery, check_documented_body, explain_json_error,
    refuse_nul,
};
use crate::platform::metrics::AckLabels;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_device, list_devices))
        .routes(routes!(get_device))
        .routes(routes!(disable_device))
        .routes(routes!(enable_device))
        .routes(routes!(issue_code))
        .routes(routes!(confirm_device))
        .routes(routes!(provision))
}

/// Routes in the heavy rate-limit tier.
pub fn heavy_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_events))
}

/// The signed kiosk routes (their own rate-limit tier and body limit), their answers stamped
/// with the server's version.
pub fn sync_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(push_events))
        .layer(axum::middleware::map_response(stamp_server_version))
}

#[utoipa::path(post, path = "/api/v1/devices", tag = "devices", security(("bearer" = [])), request_body = CreateDevice,
    responses((status = 201, body = CreatedDevice), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn create_device(
    State(app): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateDevice>,
) -> AppResult<(StatusCode, Json<CreatedDevice>)> {
    let created = app.devices.create_device(&caller, req).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/devices", tag = "devices", security(("bearer" = [])), params(PageQuery), responses((status = 200, body = Paged<Device>)))]
pub async fn list_devices(
    State(app): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> AppResult<Json<Paged<Device>>> {
    Ok(Json(app.devices.list_devices(&caller, &q.page()?).await?))
}

#[utoipa::path(get, path = "/api/v1/devices/{id}", tag = "devices", security(("bearer" = [])), responses((status = 200, body = Device)))]
pub async fn get_device(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<DeviceId>,
) -> AppResult<Json<Device>> {
    Ok(Json(app.devices.get_device(&caller, id).await?))
}

#[utoipa::path(post, path = "/api/v1/devices/{id}/disable", tag = "devices", security(("bearer" = [])),
    responses((status = 200, body = Device, description = "its signed requests are refused from now on")))]
pub async fn disable_device(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<DeviceId>,
) -> AppResult<Json<Device>> {
    let device = app
        .devices
        .set_status(&caller, id, DeviceStatus::Disabled)
        .await?;
    Ok(Json(device))
}

#[utoipa::path(post, path = "/api/v1/devices/{id}/enable", tag = "devices", security(("bearer" = [])), responses((status = 200, body = Device)))]
pub async fn enable_device(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<DeviceId>,
) -> AppResult<Json<Device>> {
    let device = app
        .devices
        .set_status(&caller, id, DeviceStatus::Active)
        .await?;
    Ok(Json(device))
}

/// A fresh one-time provisioning code for a kiosk, replacing any earlier one (codes expire after
/// `auth.provisioning_code_ttl_s`, an hour by default). A provisioned kiosk's secret ends at
/// once: it is unprovisioned until the code is redeemed, then waits for confirmation again.
#[utoipa::path(post, path = "/api/v1/devices/{id}/provisioning-code", tag = "devices", security(("bearer" = [])),
    responses((status = 200, body = IssuedCode, description = "the code, shown once; audited")))]
pub async fn issue_code(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<DeviceId>,
) -> AppResult<Json<IssuedCode>> {
    Ok(Json(app.devices.issue_code(&caller, id).await?))
}

/// Confirms a kiosk that exchanged its code: from its next pull it gets the full roster, and
/// its punches and machine events held only because it was not confirmed are released (those
/// about the caller stay held for another reviewer).
#[utoipa::path(post, path = "/api/v1/devices/{id}/confirm", tag = "devices", security(("bearer" = [])),
    responses((status = 200, body = Confirmed, description = "confirmed, with how many held events it released; audited"),
              (status = 409, body = ErrorBody, description = "the kiosk has not provisioned yet, or is confirmed already")))]
pub async fn confirm_device(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<DeviceId>,
) -> AppResult<Json<Confirmed>> {
    Ok(Json(app.devices.confirm(&caller, id).await?))
}

/// Exchanges a one-time code for the device's id and signing secret.
#[utoipa::path(post, path = "/api/v1/device/provision", tag = "device sync", request_body = ProvisionRequest,
    responses((status = 200, body = ProvisionResponse), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn provision(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<ProvisionRequest>,
) -> AppResult<Json<ProvisionResponse>> {
    Ok(Json(app.devices.provision(ip, req).await?))
}

#[utoipa::path(post, path = "/api/v1/device/events", tag = "device sync", request_body = SyncPush,
    params(("x-attend-device" = String, Header), ("x-attend-timestamp" = i64, Header), ("x-attend-nonce" = String, Header), ("x-attend-signature" = String, Header)),
    responses((status = 200, body = SyncPushResponse, description = "one ack per event, in order"),
              (status = 401, body = attend_protocol::error::ErrorBody, description = "bad, stale or replayed signature"),
              (status = 413, body = attend_protocol::error::ErrorBody), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn push_events(
    State(app): State<AppState>,
    Extension(doc): Extension<Document>,
    signed: SignedBatch,
) -> AppResult<Json<SyncPushResponse>> {
    let parsed = parse_push(&signed.body).and_then(|events| {
        refuse_nul(&signed.body)?;
        check_documented_body(&doc, "/api/v1/device/events", "post", &signed.body)?;
        Ok(events)
    });
    let events = match parsed {
        Ok(events) => events,
        Err(refusal) => {
            // A refused batch spends its nonce too: a copy of it is a replay, not another
            // refusal, and the kiosk's contact is recorded.
            let spend = app.devices.remember_nonce(&signed.device, &signed.nonce);
            signed.spending(&app, spend).await?;
            return Err(refusal);
        }
    };
    let ingest = app.devices.ingest(&signed.device, &signed.nonce, events);
    let acks = signed.spending(&app, ingest).await?;
    for ack in &acks {
        let status = match ack.status {
            AckStatus::Accepted => "accepted",
            AckStatus::Duplicate => "duplicate",
            AckStatus::Rejected => "rejected",
        };
        app.metrics
            .sync_events
            .get_or_create(&AckLabels { status })
            .inc();
    }
    Ok(Json(SyncPushResponse {
        acks,
        server_time: Timestamp::now(),
    }))
}

/// The push body with each event left as raw JSON, borrowed from the request. Like the
/// protocol's sync types it ignores fields it does not know (a kiosk one version ahead), and
/// each event is stored verbatim, so such a field is kept, not lost.
#[derive(Deserialize)]
struct RawPush<'a> {
    #[serde(borrow)]
    events: Vec<&'a RawValue>,
}

/// Parses a push, keeping each event's exact JSON so it is stored as received. Any failure is
/// explained by a strict typed parse of the whole body, which names the failing field.
fn parse_push(body: &[u8]) -> Result<Vec<ReceivedEvent>, Error> {
    let raw: RawPush<'_> =
        serde_json::from_slice(body).map_err(|_| explain_json_error::<SyncPush>(body))?;
    if raw.events.len() > MAX_BATCH_EVENTS {
        return Err(Error::field(
            "events",
            format!("at most {MAX_BATCH_EVENTS} events per batch"),
        ));
    }
    raw.events
        .iter()
        .map(|r| {
            serde_json::from_str::<Event>(r.get())
                .map(|event| ReceivedEvent {
                    event,
                    raw: r.get().to_owned(),
                })
                .map_err(|_| explain_json_error::<SyncPush>(body))
        })
        .collect()
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    pub device_id: Option<DeviceId>,
    pub employee_id: Option<EmployeeId>,
    /// `punch`, `equipment`, `heartbeat` or `enrolment_candidate`.
    pub kind: Option<String>,
    /// `held` (the review queue), `released` or `discarded`.
    pub hold_state: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    pub after: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/device-events", tag = "records", security(("bearer" = [])), params(EventQuery),
    responses((status = 200, body = Paged<StoredEvent>)))]
pub async fn list_events(
    State(app): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<EventQuery>,
) -> AppResult<Json<Paged<StoredEvent>>> {
    let page = PageQuery {
        limit: q.limit,
        after: q.after,
    }
    .page()?;
    let filter = EventFilter {
        device_id: q.device_id,
        employee_id: q.employee_id,
        kind: q.kind,
        hold_state: q.hold_state,
    };
    Ok(Json(
        app.devices.list_events(&caller, &filter, &page).await?,
    ))
}
