//! `lockstep serve`'s Router called directly (`oneshot`, no socket): the happy paths
//! against the core engine's outputs for the same rows, the prediction log, metrics,
//! the OpenAPI document, and a list of bad inputs with their status and message.
//! Needs ONNX Runtime: set ORT_DYLIB_PATH (scripts/env.sh does) or have .venv.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

mod common;

use std::path::{Path, PathBuf};

use axum::http::StatusCode;
use common::{MAX_ROWS, app, call, data, rows, tensors};
use lockstep_core::table::{JsonlOptions, Table};
use lockstep_serve::commands::{self, EngineChoice};
use serde_json::{Value, json};

/// The core engine's probabilities for the rows (no server code involved).
fn reference_probabilities(rows: &[Value]) -> Vec<f32> {
    let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
    let table = Table::from_jsonl(text.as_bytes(), &JsonlOptions::default()).unwrap();
    let pipeline = lockstep_serve::input::read_pipeline(&data("serving/pipeline.json")).unwrap();
    let model = std::fs::read(data("serving/model.onnx")).unwrap();
    let engine = EngineChoice::Core.load(&model, None, 1).unwrap();
    let outputs = commands::run(engine.as_ref(), &table, Some(&pipeline)).unwrap();
    let (_, probabilities) = outputs.iter().find(|(n, _)| n == "probabilities").unwrap();
    probabilities.as_f32().unwrap().to_vec()
}

fn assert_close(served: &[f64], reference: &[f32]) {
    assert_eq!(served.len(), reference.len());
    for (i, (s, r)) in served.iter().zip(reference).enumerate() {
        assert!(
            (s - f64::from(*r)).abs() < 1e-5,
            "value {i}: served {s}, core {r}"
        );
    }
}

fn log_lines(dir: &Path) -> Vec<Value> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect::<Vec<Value>>()
        })
        .collect()
}

#[tokio::test]
async fn infer_and_predict_match_the_core_engine_and_every_row_is_logged() {
    let dir = tempfile::tempdir().unwrap();
    let (app, handle) = app(dir.path(), 1 << 20).await;
    let rows = rows(MAX_ROWS);
    let reference = reference_probabilities(&rows);

    let body =
        json!({"id": "req-7", "inputs": tensors(&rows), "outputs": [{"name": "probabilities"}]});
    let (status, oip, text) =
        call(&app, "POST", "/v2/models/m/infer", Some(body.to_string())).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(oip["id"], "req-7");
    assert_eq!(oip["model_name"], "m");
    let outputs = oip["outputs"].as_array().unwrap();
    assert_eq!(outputs.len(), 1, "only the requested output: {text}");
    assert_eq!(outputs[0]["datatype"], "FP32");
    assert_eq!(outputs[0]["shape"], json!([rows.len(), 2]));
    let data: Vec<f64> = outputs[0]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_close(&data, &reference);
    let model_bytes = std::fs::read(data_path("serving/model.onnx")).unwrap();
    let model_fp = lockstep_core::transform::fingerprint::sha256_hex(&model_bytes);
    assert_eq!(oip["parameters"]["model_fingerprint"], model_fp.as_str());

    let body = json!({ "rows": rows });
    let (status, v1, text) = call(&app, "POST", "/v1/predict", Some(body.to_string())).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let predictions = v1["predictions"].as_array().unwrap();
    let flat: Vec<f64> = predictions
        .iter()
        .flat_map(|p| {
            p["probabilities"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
        })
        .collect();
    assert_close(&flat, &reference);
    for (p, pair) in predictions.iter().zip(reference.chunks(2)) {
        assert_eq!(p["label"].as_i64().unwrap(), i64::from(pair[1] > pair[0]));
    }

    handle.close().await.unwrap();
    let logged = log_lines(dir.path());
    assert_eq!(logged.len(), 2 * rows.len());
    // log_format 2: each request's first record holds the request-level fields once,
    // in `request`; the others name the request by id only.
    for (i, record) in logged.iter().enumerate() {
        let row = i % rows.len();
        let first = &logged[i - row]["request"];
        assert_eq!(record["log_format"], 2);
        assert_eq!(record["row"], row);
        assert_eq!(record["features"].as_array().unwrap().len(), 29);
        if row == 0 {
            assert_eq!(first["model_fingerprint"], model_fp.as_str());
            assert_eq!(first["pipeline_fingerprint"], v1["pipeline_fingerprint"]);
            assert_eq!(first["rows"], rows.len());
        } else {
            assert!(record.get("request").is_none(), "{record}");
            assert!(record.get("model_fingerprint").is_none(), "{record}");
            assert_eq!(record["request_id"], first["request_id"]);
        }
    }
    assert_eq!(
        logged[0]["request"]["client_id"], "req-7",
        "the OIP `id` is kept"
    );
    assert_eq!(logged[rows.len()]["request"]["client_id"], Value::Null);
    // The log holds the raw inputs as sent (nulls included) and the served outputs.
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(&logged[i]["inputs"], row, "row {i}");
        assert_eq!(logged[rows.len() + i]["outputs"], predictions[i]);
    }
}

fn data_path(relative: &str) -> PathBuf {
    data(relative)
}

#[tokio::test]
async fn the_log_rotates_by_size_and_loses_no_row() {
    let dir = tempfile::tempdir().unwrap();
    let (app, handle) = app(dir.path(), 2000).await;
    let rows = rows(MAX_ROWS);
    for _ in 0..5 {
        let body = json!({ "rows": rows }).to_string();
        assert_eq!(
            call(&app, "POST", "/v1/predict", Some(body)).await.0,
            StatusCode::OK
        );
    }
    handle.close().await.unwrap();
    let files = std::fs::read_dir(dir.path()).unwrap().count();
    assert!(
        files >= 5,
        "records are ~1 KB each and files 2000 bytes: {files} files"
    );
    assert_eq!(log_lines(dir.path()).len(), 5 * rows.len());
}

#[tokio::test]
async fn health_metadata_metrics_and_openapi() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _handle) = app(dir.path(), 1 << 20).await;
    for uri in ["/v2/health/live", "/v2/health/ready", "/v2/models/m/ready"] {
        assert_eq!(
            call(&app, "GET", uri, None).await.0,
            StatusCode::OK,
            "{uri}"
        );
    }
    let (_, server, _) = call(&app, "GET", "/v2", None).await;
    assert_eq!(server["name"], "lockstep");
    let (_, meta, _) = call(&app, "GET", "/v2/models/m", None).await;
    let inputs: Vec<&str> = meta["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(inputs.len(), 8);
    assert!(inputs.contains(&"city") && inputs.contains(&"member"));
    assert_eq!(meta["outputs"][1]["shape"], json!([-1, 2]));

    let body = json!({ "rows": rows(3) }).to_string();
    call(&app, "POST", "/v1/predict", Some(body)).await;
    call(&app, "POST", "/v1/predict", Some("{".into())).await;
    let (status, _, metrics) = call(&app, "GET", "/metrics", None).await;
    assert_eq!(status, StatusCode::OK);
    for needle in [
        "lockstep_http_requests_total{route=\"/v1/predict\",status=\"200\"} 1",
        "lockstep_http_requests_total{route=\"/v1/predict\",status=\"400\"} 1",
        "lockstep_rows_per_request_count 1",
        "lockstep_rows_per_request_sum 3",
        "lockstep_log_dropped_rows_total 0",
        "lockstep_log_queue_depth ",
        "lockstep_model_load_seconds 0.5",
        "lockstep_http_request_duration_seconds_count{route=\"/v1/predict\"} 2",
    ] {
        assert!(metrics.contains(needle), "missing `{needle}` in\n{metrics}");
    }

    let (_, doc, _) = call(&app, "GET", "/openapi.json", None).await;
    assert_eq!(doc["openapi"], "3.0.3");
    for path in ["/v2/models/{name}/infer", "/v1/predict", "/v2/health/ready"] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
    // Every $ref points at a schema that exists.
    let text = doc.to_string();
    for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = piece.split('"').next().unwrap();
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "dangling $ref {name}"
        );
    }
}

#[tokio::test]
async fn an_internal_failure_is_a_500_carrying_only_a_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let (app, handle) = app(dir.path(), 1 << 20).await;
    // With the log writer gone, a valid request cannot be logged: the server must say
    // so as an internal error, not answer as if the row were recorded.
    handle.close().await.unwrap();
    let body = json!({ "rows": rows(2) }).to_string();
    let (status, reply, text) = call(&app, "POST", "/v1/predict", Some(body)).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{text}");
    let message = reply["error"].as_str().unwrap();
    assert!(
        message.starts_with("internal error (request id "),
        "{message}"
    );
    assert!(
        !message.contains("writer"),
        "details stay in the server log: {message}"
    );
}
