//! Read-only records for admins and managers: the audit log and synced events (heavy tier).

use axum::Json;
use axum::extract::State;

use crate::http::AppState;
use crate::platform::error::AppResult;
use crate::http::session::{ADMINS, AuthUser};

#[utoipa::path(get, path = "/api/v1/notification-jobs", tag = "records", security(("bearer" = [])),
    responses((status = 200, body = Vec<crate::storage::NotificationJob>, description = "the newest 100 notification jobs with their outcomes")))]
pub async fn list_notification_jobs(
    State(state): State<AppState>,
    caller: AuthUser,
) -> AppResult<Json<Vec<crate::storage::NotificationJob>>> {
    caller.require(ADMINS)?;
    Ok(Json(state.store.list_jobs(caller.scope(), 100).await?))
}
