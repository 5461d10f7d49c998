//! The API's one error type. Every failure becomes `{"error":{code,message,details,request_id}}`.
//! `Internal` is logged with the request id and answered with a generic message: internal
//! details never reach the client.

use attend_protocol::error::{ErrorBody, ErrorDetail, FieldError};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::request_id;
use crate::db::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("you may not do this")]
    Forbidden,
    #[error("{0}")]
    ForbiddenBecause(&'static str),
    /// The organisation requires a second factor of this account and it has none yet.
    #[error(
        "your organisation requires a second factor for accounts that can approve: set up an authenticator app (POST /api/v1/auth/totp/setup, or Security on the dashboard) first"
    )]
    TotpRequired,
    #[error("not found")]
    NotFound,
    #[error("this route does not accept that method")]
    MethodNotAllowed,
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    #[error("the request has invalid fields")]
    Unprocessable(Vec<FieldError>),
    #[error("{message}")]
    Conflict {
        message: String,
        details: Vec<FieldError>,
    },
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{message}")]
    TooManyRequests {
        code: &'static str,
        message: &'static str,
        retry_after_s: u64,
    },
    #[error("the request took too long (its body may have arrived too slowly)")]
    RequestTimeout,
    /// Bounded work (password hashing) has no free slot: come back shortly.
    #[error("the server is busy: try again in a moment")]
    Busy { retry_after_s: u64 },
    /// The database does not answer (the readiness probe): come back shortly.
    #[error("not ready: try again in a moment")]
    NotReady { retry_after_s: u64 },
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl Error {
    /// A 422 for one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Unprocessable(vec![FieldError::new(field, message)])
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::Forbidden | Self::ForbiddenBecause(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::TotpRequired => (StatusCode::FORBIDDEN, "totp_required"),
            Self::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            Self::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            Self::MalformedJson(_) => (StatusCode::BAD_REQUEST, "malformed_json"),
            Self::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            Self::Unprocessable(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            Self::Conflict { .. } => (StatusCode::CONFLICT, "conflict"),
            Self::PayloadTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Self::TooManyRequests { code, .. } => (StatusCode::TOO_MANY_REQUESTS, code),
            Self::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            Self::NotReady { .. } => (StatusCode::SERVICE_UNAVAILABLE, "not_ready"),
            Self::RequestTimeout => (StatusCode::REQUEST_TIMEOUT, "timeout"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict { field } => Self::Conflict {
                message: format!("{field} is already taken"),
                details: vec![FieldError::new(field, "already taken")],
            },
            StoreError::BadReference { field } => Self::field(field, "does not exist"),
            StoreError::State(message) => Self::Conflict {
                message,
                details: Vec::new(),
            },
            StoreError::Busy(why) => {
                tracing::warn!(why, "database busy: answered 503");
                Self::Busy { retry_after_s: 1 }
            }
            other => Self::Internal(anyhow::Error::new(other)),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let request_id = request_id::current();
        if let Self::Internal(error) = &self {
            tracing::error!(error = format!("{error:#}"), request_id = %request_id, "internal error");
        }
        let details = match &self {
            Self::Unprocessable(fields) => fields.clone(),
            Self::Conflict { details, .. } => details.clone(),
            _ => Vec::new(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_owned(),
                message: self.to_string(),
                details,
                request_id,
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Self::TooManyRequests { retry_after_s, .. }
        | Self::Busy { retry_after_s }
        | Self::NotReady { retry_after_s } = self
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s.max(1)));
        }
        response
    }
}

pub type AppResult<T> = Result<T, Error>;
