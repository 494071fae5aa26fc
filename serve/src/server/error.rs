//! [`AppError`]: every failure a handler returns, rendered as `{"error": "..."}` (the
//! Open Inference Protocol's error body) with the right status. Client errors carry a
//! message naming the field, the value and what was expected; internal errors are
//! logged once here, with the request id, and the client only gets that id.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request is malformed or does not fit the pipeline's input schema.
    #[error("{0}")]
    BadRequest(String),
    /// No model of that name.
    #[error("model `{0}` is not served here")]
    ModelNotFound(String),
    /// No route at that path.
    #[error("no such route (see /openapi.json)")]
    NotFoundRoute,
    /// The body is over `--max-body-bytes`, or the batch over `--max-rows`.
    #[error("{0}")]
    TooLarge(String),
    /// Anything the client could not have caused.
    #[error("internal error (request id {request_id}); the details are in the server log")]
    Internal { request_id: String, detail: String },
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::ModelNotFound(_) | Self::NotFoundRoute => StatusCode::NOT_FOUND,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let Self::Internal { request_id, detail } = &self {
            tracing::error!(request_id = %request_id, "internal error: {detail}");
        }
        let body = serde_json::json!({ "error": self.to_string() });
        (self.status(), Json(body)).into_response()
    }
}
