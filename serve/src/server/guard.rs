//! The request contract every route shares, as one middleware ([`contract`]):
//!
//! - **CORS, deliberately.** Browsers send an `Origin` header with every cross-origin
//!   request and with every `POST`. A request whose origin is neither this server's own
//!   (`http://<Host>`) nor one of `--cors-origin` is refused with 403 before any
//!   handler runs, so a web page the operator happens to visit cannot write rows into
//!   the prediction log, even with a "simple" request that skips the preflight. An
//!   allowed origin gets `Access-Control-Allow-Origin` (never `*`); a preflight
//!   (`OPTIONS` with an `Origin`) is answered 204 for an allowed origin and 403 for
//!   any other; `OPTIONS` without an `Origin` is answered 204 with `Allow`.
//! - **JSON bodies.** A `POST` whose `Content-Type` is not `application/json` is
//!   answered 415. A `POST` with no `Content-Type` is read as JSON: Open Inference
//!   Protocol clients such as NVIDIA's `tritonclient` send none, and browsers cannot
//!   send one without an `Origin`, which the rule above checks.
//! - **A body answered unread closes the connection.** A request refused here (403,
//!   415) or by the router (404, 405) before its body is read leaves that body on the
//!   connection, which then cannot carry another request: the answer says
//!   `Connection: close`, so a keep-alive client opens a new connection instead of
//!   writing its next request into a closed one (found by scripts/load/soak.sh).
//! - **Every error is JSON.** A 4xx/5xx answer that is not `application/json` (a 405
//!   from the router, an extractor's plain-text rejection) is rewritten into the
//!   `{"error": "..."}` shape.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;

use super::error::AppError;

/// The origins allowed to call the API from a browser.
#[derive(Debug, Clone)]
pub struct Cors {
    allowed: Arc<[String]>,
}

impl Cors {
    pub fn new(allowed: Arc<[String]>) -> Self {
        Self { allowed }
    }

    fn allows(&self, origin: &str, headers: &HeaderMap) -> bool {
        let own = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .is_some_and(|host| {
                origin.eq_ignore_ascii_case(&format!("http://{host}"))
                    || origin.eq_ignore_ascii_case(&format!("https://{host}"))
            });
        own || self
            .allowed
            .iter()
            .any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(origin))
    }
}

/// Largest plain-text error body rewritten into JSON; longer ones are cut.
const MAX_ERROR_TEXT: usize = 4096;

/// See the module documentation.
pub async fn contract(State(cors): State<Cors>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    // The URI's parts are shared bytes: cloning it allocates nothing (its path is only
    // needed for an error).
    let uri = request.uri().clone();
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .map(|o| String::from_utf8_lossy(o.as_bytes()).into_owned());
    let allowed = origin.as_deref().map(|o| cors.allows(o, request.headers()));
    let has_body = has_body(request.headers());
    if let (Some(origin), Some(false)) = (&origin, allowed) {
        return closing(
            has_body,
            AppError::Forbidden(format!(
                "cross-origin requests from `{}` are not allowed (the operator can allow an origin with --cors-origin)",
                super::truncate(origin, 64)
            )),
        );
    }
    if method == Method::OPTIONS {
        let mut response = StatusCode::NO_CONTENT.into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::ALLOW,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        if let Some(origin) = &origin {
            allow_origin(headers, origin);
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST"),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("content-type"),
            );
            headers.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
        }
        return response;
    }
    if method == Method::POST
        && let Some(content_type) = request.headers().get(header::CONTENT_TYPE)
        && !is_json(content_type)
    {
        return closing(
            has_body,
            AppError::UnsupportedMediaType(format!(
                "the request body must be JSON: send `Content-Type: application/json` (got `{}`)",
                super::truncate(&String::from_utf8_lossy(content_type.as_bytes()), 64)
            )),
        );
    }
    let mut response = next.run(request).await;
    if has_body
        && matches!(
            response.status(),
            StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
        )
    {
        close_connection(&mut response);
    }
    if let Some(origin) = &origin {
        allow_origin(response.headers_mut(), origin);
    }
    if response.status().is_client_error() || response.status().is_server_error() {
        response = json_error(response, &method, uri.path()).await;
    }
    response
}

/// Whether the request declares a body (a non-zero `Content-Length`, or chunked).
fn has_body(headers: &HeaderMap) -> bool {
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0")
}

/// `error`'s answer, closing the connection when the request's body was left unread.
fn closing(has_body: bool, error: AppError) -> Response {
    let mut response = error.into_response();
    if has_body {
        close_connection(&mut response);
    }
    response
}

fn close_connection(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
}

fn allow_origin(headers: &mut HeaderMap, origin: &str) {
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.append(header::VARY, HeaderValue::from_static("origin"));
    }
}

/// `application/json`, with or without parameters (`; charset=utf-8`).
fn is_json(content_type: &HeaderValue) -> bool {
    content_type.to_str().is_ok_and(|text| {
        text.split(';')
            .next()
            .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
    })
}

/// An error answer in the `{"error": ...}` shape, keeping its status and headers.
async fn json_error(response: Response, method: &Method, path: &str) -> Response {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(is_json);
    if is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let status = parts.status;
    let limited = http_body_util::Limited::new(body, MAX_ERROR_TEXT);
    let text = match limited.collect().await {
        Ok(collected) => String::from_utf8_lossy(&collected.to_bytes())
            .trim()
            .to_owned(),
        Err(_) => String::new(),
    };
    let message = if status == StatusCode::METHOD_NOT_ALLOWED {
        format!(
            "method {method} is not allowed on `{}` (see /openapi.json)",
            super::truncate(path, 64)
        )
    } else if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase()
    } else {
        text
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let body = Json(serde_json::json!({ "error": message })).into_response();
    Response::from_parts(parts, Body::new(body.into_body()))
}
