//! Timesheet attachments (a doctor's note): uploaded as the raw body with its `Content-Type`
//! and a `filename` query parameter; PDF, JPEG or PNG, checked by their bytes, at most 5 MiB;
//! downloaded only by someone who may see that employee's timesheet.

use attend_protocol::ids::{AttachmentId, EmployeeId};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use ring::digest;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::http::session::own_or_staff;
use crate::http::AppState;
use crate::platform::error::{AppResult, Error};
use crate::platform::extract::{ApiPath, ApiQuery};
use crate::http::session::AuthUser;
use crate::storage::{Attachment, NewAttachment, Role};

/// Largest attachment accepted.
pub const MAX_ATTACHMENT_BYTES: usize = 5 * 1024 * 1024;
const ALLOWED: [&str; 3] = ["application/pdf", "image/jpeg", "image/png"];

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The file's name as shown to people, e.g. `doctor-note.pdf`.
    pub filename: String,
}

fn check_filename(name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > 200
        || name.contains(['/', '\\', '\0'])
        || name.chars().any(char::is_control)
    {
        return Err(Error::field(
            "filename",
            "must be 1 to 200 characters without path separators",
        ));
    }
    Ok(name.to_owned())
}

#[utoipa::path(post, path = "/api/v1/employees/{id}/timesheets/{date}/attachments", tag = "timesheets", security(("bearer" = [])),
    params(UploadQuery), request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses((status = 201, body = Attachment), (status = 413, body = attend_protocol::error::ErrorBody), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath((id, date)): ApiPath<(EmployeeId, Date)>,
    ApiQuery(q): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<(StatusCode, Json<Attachment>)> {
    own_or_staff(&caller, id)?;
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Error::PayloadTooLarge {
                limit: MAX_ATTACHMENT_BYTES,
            }
        } else {
            Error::field("body", r.body_text())
        }
    })?;
    let filename = check_filename(&q.filename)?;
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    if !ALLOWED.contains(&declared.as_str()) {
        return Err(Error::field(
            "content_type",
            "must be application/pdf, image/jpeg or image/png",
        ));
    }
    if body.is_empty() {
        return Err(Error::field("body", "the file is empty"));
    }
    if crate::attachments::sniff(&body) != Some(declared.as_str()) {
        return Err(Error::field(
            "body",
            format!("the file's content is not {declared}"),
        ));
    }
    let (scope, depts) = (caller.scope(), caller.departments());
    let person = state.store.get_employee(scope, &depts, id).await?;
    let period = state
        .store
        .pay_calendar(scope, person.org_id)
        .await?
        .period_containing(date);
    if period.start != date {
        return Err(Error::field(
            "date",
            format!(
                "`{date}` is not the first day of a pay period (it starts on {})",
                period.start
            ),
        ));
    }
    let key = uuid::Uuid::now_v7().to_string();
    let new = NewAttachment {
        employee: id,
        period,
        filename,
        content_type: declared,
        size_bytes: body.len() as u64,
        sha256: hex::encode(digest::digest(&digest::SHA256, &body)),
        storage_key: key.clone(),
    };
    state
        .blobs
        .put(&key, body.to_vec())
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    // The bytes are stored first; if the row cannot be written they are removed again (and a
    // crash in between leaves only an unreferenced file, never a row without its file).
    match state
        .store
        .add_attachment(&caller.audit(), scope, &depts, new)
        .await
    {
        Ok(created) => Ok((StatusCode::CREATED, Json(created))),
        Err(e) => {
            let _ = state.blobs.delete(&key).await;
            Err(e.into())
        }
    }
}

#[utoipa::path(get, path = "/api/v1/employees/{id}/timesheets/{date}/attachments", tag = "timesheets", security(("bearer" = [])),
    responses((status = 200, body = Vec<Attachment>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath((id, date)): ApiPath<(EmployeeId, Date)>,
) -> AppResult<Json<Vec<Attachment>>> {
    own_or_staff(&caller, id)?;
    Ok(Json(
        state
            .store
            .list_attachments(caller.scope(), &caller.departments(), id, date)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "timesheets", security(("bearer" = [])),
    responses((status = 200, description = "the file, as an attachment download"), (status = 404, body = attend_protocol::error::ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<AttachmentId>,
) -> AppResult<Response> {
    caller.require(&[
        Role::SuperAdmin,
        Role::OrgAdmin,
        Role::Manager,
        Role::Employee,
    ])?;
    let found = state
        .store
        .get_attachment(caller.scope(), &caller.departments(), id)
        .await?;
    if caller.user.role == Role::Employee && caller.user.employee_id != Some(found.employee_id) {
        return Err(Error::NotFound);
    }
    let bytes = state
        .blobs
        .get(&found.storage_key)
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    let ascii: String = found
        .filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, found.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
