//! The kiosk's roster pull (signed, in the sync rate-limit tier).

use attend_protocol::roster::RosterDelta;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::state::AppState;
use crate::features::devices::signed::{SignedBody, stamp_server_version};
use crate::platform::error::AppResult;
use crate::platform::extract::ApiQuery;

/// The signed kiosk routes (their own rate-limit tier), their answers stamped with the
/// server's version.
pub fn sync_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(pull_roster))
        .layer(axum::middleware::map_response(stamp_server_version))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RosterQuery {
    /// The `cursor` of the previous pull; 0 (or absent) for everything.
    pub since: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/device/roster", tag = "device sync", params(RosterQuery),
    responses((status = 200, body = RosterDelta), (status = 401, body = attend_protocol::error::ErrorBody)))]
pub async fn pull_roster(
    State(app): State<AppState>,
    ApiQuery(q): ApiQuery<RosterQuery>,
    signed: SignedBody,
) -> AppResult<Json<RosterDelta>> {
    Ok(Json(
        app.roster
            .pull(&signed.device, q.since.unwrap_or(0))
            .await?,
    ))
}
