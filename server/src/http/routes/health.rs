//! Liveness and readiness probes.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::http::AppState;
use crate::platform::error::{AppResult, Error};

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
