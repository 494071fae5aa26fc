//! [`AppError`]: every failure a handler returns, rendered as `{"error": "..."}` (the
//! Open Inference Protocol's error body) with the right status. Client errors carry a
//! message naming the field, the value and what was expected; internal errors are
//! logged once here, with the request id, and the client only gets that id.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
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
    /// A browser page from an origin that is not allowed (CORS).
    #[error("{0}")]
    Forbidden(String),
    /// The body is not declared as JSON.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The body did not arrive within `--body-timeout`.
    #[error("{0}")]
    Timeout(String),
    /// The server cannot serve now (the prediction log cannot be written and
    /// `--on-log-failure refuse`); answered with `Retry-After`.
    #[error("{0}")]
    Unavailable(String),
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
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
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
        let mut response = (self.status(), Json(body)).into_response();
        match self {
            Self::Unavailable(_) => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            // The rest of the body is not read: the connection cannot be reused.
            Self::Timeout(_) | Self::TooLarge(_) => {
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            _ => {}
        }
        response
    }
}
