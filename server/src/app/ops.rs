//! Operations: the liveness and readiness probes (documented with the API); the metrics
//! endpoint and the OpenAPI document are served by [`super::router`].

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::state::AppState;
use crate::platform::error::{AppResult, Error};

/// The probes, outside every rate-limit tier (a load balancer polls them).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// The database answers.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200, body = Health), (status = 500, body = attend_protocol::error::ErrorBody)))]
pub async fn readyz(State(state): State<AppState>) -> AppResult<Json<Health>> {
    state
        .ping
        .ping()
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    Ok(Json(Health {
        status: "ready",
        version: env!("CARGO_PKG_VERSION"),
    }))
}
