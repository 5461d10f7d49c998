//! Read-only records for admins and managers: the audit log and synced events (heavy tier).

use attend_protocol::ids::{DeviceId, EmployeeId};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use crate::http::AppState;
use crate::platform::error::AppResult;
use crate::platform::extract::{ApiQuery, PageQuery};
use crate::http::session::{ADMINS, AuthUser, STAFF};
use crate::storage::{AuditEntry, EventFilter, Page, Paged, StoredEvent};

#[utoipa::path(get, path = "/api/v1/audit", tag = "records", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Paged<AuditEntry>, description = "newest first")))]
pub async fn list_audit(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> AppResult<Json<Paged<AuditEntry>>> {
    caller.require(ADMINS)?;
    let page = q.page()?;
    Ok(Json(state.store.list_audit(caller.scope(), &page).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    pub device_id: Option<DeviceId>,
    pub employee_id: Option<EmployeeId>,
    /// `punch`, `equipment`, `heartbeat` or `enrolment_candidate`.
    pub kind: Option<String>,
    pub limit: Option<u32>,
    pub after: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/device-events", tag = "records", security(("bearer" = [])), params(EventQuery),
    responses((status = 200, body = Paged<StoredEvent>)))]
pub async fn list_events(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<EventQuery>,
) -> AppResult<Json<Paged<StoredEvent>>> {
    caller.require(STAFF)?;
    let page: Page = PageQuery {
        limit: q.limit,
        after: q.after,
    }
    .page()?;
    let filter = EventFilter {
        device_id: q.device_id,
        employee_id: q.employee_id,
        kind: q.kind,
    };
    Ok(Json(
        state
            .store
            .list_events(caller.scope(), &caller.departments(), &filter, &page)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/notification-jobs", tag = "records", security(("bearer" = [])),
    responses((status = 200, body = Vec<crate::storage::NotificationJob>, description = "the newest 100 notification jobs with their outcomes")))]
pub async fn list_notification_jobs(
    State(state): State<AppState>,
    caller: AuthUser,
) -> AppResult<Json<Vec<crate::storage::NotificationJob>>> {
    caller.require(ADMINS)?;
    Ok(Json(state.store.list_jobs(caller.scope(), 100).await?))
}
