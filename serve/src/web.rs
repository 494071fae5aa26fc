//! The web app, the demo data set and the health check.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
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
pub fn router(web_dir: &Path) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route(DEMO_CSV_PATH, get(demo_csv))
        .fallback_service(ServeDir::new(web_dir).append_index_html_on_directories(true))
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
