//! The notifications' JSON routes: the jobs (heavy tier) and the mail given up on.

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{DeadLetter, NotificationJob};
use crate::access::Caller;
use crate::app::state::AppState;
use crate::platform::error::AppResult;

/// Routes in the general tier.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_dead_letters))
}

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

#[utoipa::path(get, path = "/api/v1/mail/dead-letters", tag = "records", security(("bearer" = [])),
    responses((status = 200, body = Vec<DeadLetter>, description = "the newest 100 mails given up on (refused for good, or out of tries): recipient, subject, kind and the last error; never the body")))]
pub async fn list_dead_letters(
    State(app): State<AppState>,
    caller: Caller,
) -> AppResult<Json<Vec<DeadLetter>>> {
    Ok(Json(app.notifications.dead_letters(&caller).await?))
}
