//! The web app, the demo data set and the health check.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::services::ServeDir;

/// The demo data set bundled into the binary: a held-out split of scikit-learn's
/// breast-cancer data with a logistic regression's scores and predictions, made by
/// `scripts/fixtures/gen_demo.py`.
pub const DEMO_CSV: &[u8] = include_bytes!("../../www/demo/breast_cancer_eval.csv");

/// Where the demo CSV is served; the web app's "Load demo" button fetches it.
pub const DEMO_CSV_PATH: &str = "/demo/breast_cancer_eval.csv";

/// The web app was not found where it should be.
#[derive(Debug, thiserror::Error)]
#[error(
    "the web app is not built: `{}` is missing. Build it with `trunk build --release` \
     (scripts/run.sh does this), or point --web-dir at Trunk's output folder",
    index.display()
)]
pub struct WebAppMissing {
    pub index: PathBuf,
}

/// Checks that `web_dir` holds a built app (an `index.html`).
pub fn check_web_dir(web_dir: &Path) -> Result<(), WebAppMissing> {
    let index = web_dir.join("index.html");
    if index.is_file() {
        Ok(())
    } else {
        Err(WebAppMissing { index })
    }
}

/// `GET /healthz`, the bundled demo CSV, and every other path served from `web_dir`.
/// A path that resolves outside `web_dir` through a symbolic link is a 404: the
/// folder is what is served, not what its links point at.
pub fn router(web_dir: &Path) -> Router {
    let root: std::sync::Arc<Path> = web_dir
        .canonicalize()
        .unwrap_or_else(|_| web_dir.to_path_buf())
        .into();
    let files = Router::new()
        .fallback_service(ServeDir::new(web_dir).append_index_html_on_directories(true))
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            let root = std::sync::Arc::clone(&root);
            async move { confine(&root, request, next).await }
        }));
    Router::new()
        .route("/healthz", get(healthz))
        .route(DEMO_CSV_PATH, get(demo_csv))
        .merge(files)
}

/// Serves the request only if the file it names (and the `index.html` of a folder)
/// resolves inside `root`.
async fn confine(root: &Path, request: Request, next: Next) -> Response {
    let Some(relative) = relative_path(request.uri().path()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let target = root.join(relative);
    let mut candidates = vec![target.clone()];
    if tokio::fs::metadata(&target).await.is_ok_and(|m| m.is_dir()) {
        candidates.push(target.join("index.html"));
    }
    for candidate in candidates {
        // A path that does not resolve is left to ServeDir (a 404).
        if let Ok(real) = tokio::fs::canonicalize(&candidate).await
            && !real.starts_with(root)
        {
            tracing::warn!(path = %request.uri().path(), "refused: a link out of --web-dir");
            return StatusCode::NOT_FOUND.into_response();
        }
    }
    next.run(request).await
}

/// The URL path, percent-decoded, as a relative path of plain components; `None` for
/// `..`, a NUL or an undecodable path (ServeDir refuses those too).
fn relative_path(path: &str) -> Option<PathBuf> {
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = path.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            decoded.push(byte);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    let text = String::from_utf8(decoded).ok()?;
    let mut relative = PathBuf::new();
    for part in text.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            part if part.contains('\0') || part.contains('\\') => return None,
            part => relative.push(part),
        }
    }
    Some(relative)
}

async fn healthz() -> impl IntoResponse {
    axum::Json(serde_json::json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
    }))
}

async fn demo_csv() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        DEMO_CSV,
    )
}
