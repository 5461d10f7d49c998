//! The audit log's JSON route (heavy tier).

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
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

/// `?four_eyes_waived=&limit=&after=` for the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// `true`: only changes the single-admin setting let through four eyes.
    #[serde(default)]
    pub four_eyes_waived: bool,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next` value of the previous page.
    pub after: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "records", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = Paged<AuditEntry>, description = "newest first"),
              (status = 409, body = attend_protocol::error::ErrorBody, description = "`after` is not an audit entry id")))]
pub async fn list_audit(
    State(app): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> AppResult<Json<Paged<AuditEntry>>> {
    let page = PageQuery {
        limit: q.limit,
        after: q.after,
    }
    .page()?;
    Ok(Json(
        app.audit.list(&caller, q.four_eyes_waived, &page).await?,
    ))
}
