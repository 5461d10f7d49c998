//! The audit log's JSON route (heavy tier).

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AuditEntry;
use crate::access::Caller;
use crate::app::state::AppState;
use crate::db::Paged;
use crate::platform::error::AppResult;
use crate::platform::extract::{ApiQuery, PageQuery};

/// Routes in the heavy rate-limit tier.
pub fn heavy_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "records", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Paged<AuditEntry>, description = "newest first"),
              (status = 409, body = attend_protocol::error::ErrorBody, description = "`after` is not an audit entry id")))]
pub async fn list_audit(
    State(app): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> AppResult<Json<Paged<AuditEntry>>> {
    Ok(Json(app.audit.list(&caller, &q.page()?).await?))
}
