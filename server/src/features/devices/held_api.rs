//! The held events' JSON routes: release and discard (the queue is `GET /device-events?
//! hold_state=held`).

use attend_protocol::ids::EventId;
use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::StoredEvent;
use super::held::{DiscardRequest, HeldDecision};
use crate::access::Caller;
use crate::app::state::AppState;
use crate::platform::error::AppResult;
use crate::platform::extract::{ApiJson, ApiPath};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(release_event))
        .routes(routes!(discard_event))
}

#[utoipa::path(post, path = "/api/v1/device-events/{id}/release", tag = "records", security(("bearer" = [])),
    params(("id" = String, Path, description = "a held event")),
    responses((status = 200, body = StoredEvent, description = "released: it counts from now on"),
              (status = 409, body = attend_protocol::error::ErrorBody, description = "not waiting for review")))]
pub async fn release_event(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EventId>,
) -> AppResult<Json<StoredEvent>> {
    Ok(Json(
        app.devices
            .decide_held(&caller, id, HeldDecision::Release, None)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/device-events/{id}/discard", tag = "records", security(("bearer" = [])),
    params(("id" = String, Path, description = "a held event")), request_body = DiscardRequest,
    responses((status = 200, body = StoredEvent, description = "discarded: stored, never counted"),
              (status = 409, body = attend_protocol::error::ErrorBody, description = "not waiting for review")))]
pub async fn discard_event(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<EventId>,
    ApiJson(req): ApiJson<DiscardRequest>,
) -> AppResult<Json<StoredEvent>> {
    Ok(Json(
        app.devices
            .decide_held(&caller, id, HeldDecision::Discard, Some(&req.reason))
            .await?,
    ))
}
