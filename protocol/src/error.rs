//! The uniform error body. Every non-2xx API answer is
//! `{"error":{"code","message","details","request_id"}}` so clients parse one shape, and
//! ignore any field a newer server adds to it.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `validation_failed`, `not_found`, `rate_limited`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// Per-field problems for `validation_failed`; empty otherwise.
    #[serde(default)]
    pub details: Vec<FieldError>,
    /// The `X-Request-Id` of the request, for support.
    pub request_id: String,
}

/// One field's problem. `field` is a path such as `events[3].body.score`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}
