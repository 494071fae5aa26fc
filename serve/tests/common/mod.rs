//! Helpers shared by the `lockstep serve` Router tests.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use lockstep_serve::server::logging::{self, LogConfig, LogHandle, LogSender};
use lockstep_serve::server::metrics::Metrics;
use lockstep_serve::server::served::ServedModel;
use lockstep_serve::server::{AppState, Limits, RequestOptions, router};
use serde_json::{Value, json};
use tower::ServiceExt;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn data(relative: &str) -> PathBuf {
    repo().join("tests/data").join(relative)
}

pub const MAX_ROWS: usize = 8;
pub const MAX_BODY: usize = 16 * 1024;

pub async fn app(log_dir: &Path, log_max_bytes: u64) -> (Router, LogHandle) {
    let (log, handle) = logging::start(log_config(log_dir, log_max_bytes))
        .await
        .unwrap();
    (app_on(log, RequestOptions::default()), handle)
}

/// The app with request options (timeouts, log-failure policy, CORS origins).
pub async fn app_with(log_dir: &Path, options: RequestOptions) -> (Router, LogHandle) {
    let (log, handle) = logging::start(log_config(log_dir, 1 << 20)).await.unwrap();
    (app_on(log, options), handle)
}

pub fn log_config(log_dir: &Path, log_max_bytes: u64) -> LogConfig {
    LogConfig {
        dir: log_dir.to_path_buf(),
        max_bytes: log_max_bytes,
        queue: 4,
        flush_every: Duration::from_millis(50),
        sync: logging::SyncPolicy::Interval,
    }
}

/// The app logging through `log` (a writer started by the test).
pub fn app_on(log: LogSender, options: RequestOptions) -> Router {
    let lib = std::env::var_os("ORT_DYLIB_PATH")
        .map(PathBuf::from)
        .or_else(|| lockstep_serve::ort_engine::find_in_venv(&repo()));
    lockstep_serve::ort_engine::init(lib.as_deref()).expect("ONNX Runtime: set ORT_DYLIB_PATH");
    let pipeline = lockstep_serve::input::read_pipeline(&data("serving/pipeline.json")).unwrap();
    let model = std::fs::read(data("serving/model.onnx")).unwrap();
    let served = ServedModel::load("m".into(), pipeline, &model, 2).unwrap();
    let limits = Limits {
        max_body_bytes: MAX_BODY,
        max_rows: MAX_ROWS,
    };
    let state = AppState::new(served, log, Metrics::new(0.5), limits).with_options(options);
    router(state, None)
}

pub async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    body: Option<String>,
) -> (StatusCode, Value, String) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.map_or_else(Body::empty, Body::from))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    )
}

/// The first `n` rows of tests/data/transforms/test.jsonl (nulls, unseen categories).
pub fn rows(n: usize) -> Vec<Value> {
    std::fs::read_to_string(data("transforms/test.jsonl"))
        .unwrap()
        .lines()
        .take(n)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The same rows as OIP tensors, typed per the pipeline's input schema.
pub fn tensors(rows: &[Value]) -> Vec<Value> {
    let types = [
        ("age", "FP64"),
        ("income", "FP64"),
        ("score", "FP64"),
        ("visits", "INT64"),
        ("city", "BYTES"),
        ("device", "BYTES"),
        ("plan", "INT64"),
        ("member", "BOOL"),
    ];
    types
        .iter()
        .map(|(name, datatype)| {
            let data: Vec<Value> = rows.iter().map(|r| r[name].clone()).collect();
            json!({"name": name, "datatype": datatype, "shape": [rows.len(), 1], "data": data})
        })
        .collect()
}
