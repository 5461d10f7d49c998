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

/// Ready: the process is up and its database answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Readiness {
    pub status: &'static str,
    pub version: &'static str,
    pub database: crate::db::DatabaseStatus,
}

/// The database answers; which backend it is, how full its pool is, and the jobs queued.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200, body = Readiness), (status = 503, body = attend_protocol::error::ErrorBody, description = "the database does not answer: try again after Retry-After")))]
pub async fn readyz(State(state): State<AppState>) -> AppResult<Json<Readiness>> {
    let database = match state.ping.ping().await {
        Ok(status) => status,
        Err(error) => {
            // A load balancer asks again; the cause is for the operator's log, not the answer.
            tracing::warn!(%error, "not ready: the database does not answer");
            return Err(Error::NotReady { retry_after_s: 5 });
        }
    };
    Ok(Json(Readiness {
        status: "ready",
        version: env!("CARGO_PKG_VERSION"),
        database,
    }))
}
