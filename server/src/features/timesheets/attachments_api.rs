//! The attachments JSON API: uploaded as the raw body with its `Content-Type` and a
//! `filename` query parameter (see [`super::attachments`] for what is accepted).

use attend_protocol::ids::{AttachmentId, EmployeeId};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Attachment;
use super::attachments::{MAX_ATTACHMENT_BYTES, Upload};
use crate::access::Caller;
use crate::app::state::AppState;
use crate::platform::error::{AppResult, Error};
use crate::platform::extract::{ApiPath, ApiQuery};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The file's name as shown to people, e.g. `doctor-note.pdf`.
    pub filename: String,
}

pub fn routes() -> OpenApiRouter<AppState> {
    let (schemas, paths, method) = routes!(upload, list);
    // Files are larger than JSON bodies: this route has its own limit.
    OpenApiRouter::new()
        .routes((
            schemas,
            paths,
            method.layer(DefaultBodyLimit::max(MAX_ATTACHMENT_BYTES)),
        ))
        .routes(routes!(download))
}

#[utoipa::path(post, path = "/api/v1/employees/{id}/timesheets/{date}/attachments", tag = "timesheets", security(("bearer" = [])),
    params(UploadQuery), request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses((status = 201, body = Attachment), (status = 413, body = attend_protocol::error::ErrorBody), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn upload(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath((id, date)): ApiPath<(EmployeeId, Date)>,
    ApiQuery(q): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<(StatusCode, Json<Attachment>)> {
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Error::PayloadTooLarge {
                limit: MAX_ATTACHMENT_BYTES,
            }
        } else {
            Error::field("body", r.body_text())
        }
    })?;
    let content_type = headers
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
    let upload = Upload {
        filename: q.filename,
        content_type,
        bytes: body.to_vec(),
    };
    let created = app
        .timesheets
        .upload_attachment(&caller, id, date, upload)
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/employees/{id}/timesheets/{date}/attachments", tag = "timesheets", security(("bearer" = [])),
    responses((status = 200, body = Vec<Attachment>)))]
pub async fn list(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath((id, date)): ApiPath<(EmployeeId, Date)>,
) -> AppResult<Json<Vec<Attachment>>> {
    Ok(Json(
        app.timesheets.list_attachments(&caller, id, date).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "timesheets", security(("bearer" = [])),
    responses((status = 200, description = "the file, as an attachment download"), (status = 404, body = attend_protocol::error::ErrorBody)))]
pub async fn download(
    State(app): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<AttachmentId>,
) -> AppResult<Response> {
    let download = app.timesheets.download_attachment(&caller, id).await?;
    let (found, bytes) = (download.attachment, download.bytes);
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
