//! The notification jobs' JSON route (heavy tier).

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::NotificationJob;
use crate::access::Caller;
use crate::app::state::AppState;
use crate::platform::error::AppResult;

/// Routes in the heavy rate-limit tier.
pub fn heavy_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_notification_jobs))
}

#[utoipa::path(get, path = "/api/v1/notification-jobs", tag = "records", security(("bearer" = [])),
    responses((status = 200, body = Vec<NotificationJob>, description = "the newest 100 notification jobs with their outcomes")))]
pub async fn list_notification_jobs(
    State(app): State<AppState>,
    caller: Caller,
) -> AppResult<Json<Vec<NotificationJob>>> {
    Ok(Json(app.notifications.list_jobs(&caller).await?))
}
