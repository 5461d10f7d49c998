//! The blocked clients' JSON routes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::Caller;
use crate::app::state::AppState;
use crate::platform::error::AppResult;
use crate::platform::extract::ApiPath;
use crate::platform::rate_limit::blocks::Block;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_blocks))
        .routes(routes!(lift_block))
}

#[utoipa::path(get, path = "/api/v1/blocks", tag = "operations", security(("bearer" = [])),
    responses((status = 200, body = Vec<Block>, description = "clients blocked now, longest first")))]
pub async fn list_blocks(
    State(app): State<AppState>,
    caller: Caller,
) -> AppResult<Json<Vec<Block>>> {
    Ok(Json(app.blocks.list(&caller).await?))
}

#[utoipa::path(delete, path = "/api/v1/blocks/{tier}/{key}", tag = "operations", security(("bearer" = [])),
    params(("tier" = String, Path, description = "general, heavy or sync"),
           ("key" = String, Path, description = "the block's key, e.g. ip:203.0.113.7")),
    responses((status = 204, description = "lifted"), (status = 404, description = "no such block in force")))]
pub async fn lift_block(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath((tier, key)): ApiPath<(String, String)>,
) -> AppResult<StatusCode> {
    app.blocks.lift(&caller, &tier, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}
