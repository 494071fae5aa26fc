//! Issue 19, finding 1 (amplification): the OIP `id` used to be copied into every logged
//! row unbounded — one 2.2 MB request wrote 2.1 GB of log. The id is now capped
//! (`lockstep_core::skew::log::MAX_CLIENT_ID_BYTES`): a longer one is refused with 400
//! naming the field, its length and the limit, before the model runs, and nothing is
//! logged. (The per-request log byte budget is tested on the writer itself, in
//! core/tests/skew_log_roundtrip.rs.) Needs ONNX Runtime, like serve_router.rs.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

mod common;

use std::path::Path;

use axum::http::StatusCode;
use common::{MAX_ROWS, app, call, rows, tensors};
use lockstep_core::skew::log::MAX_CLIENT_ID_BYTES;
use serde_json::{Value, json};

fn logged_rows(dir: &Path) -> Vec<Value> {
    let mut records = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        records.extend(
            text.lines()
                .map(|l| serde_json::from_str::<Value>(l).unwrap()),
        );
    }
    records
}

#[tokio::test]
async fn amplification_an_oip_id_over_the_limit_is_refused_naming_field_length_and_limit() {
    let dir = tempfile::tempdir().unwrap();
    let (app, handle) = app(dir.path(), 1 << 20).await;
    let rows = rows(MAX_ROWS);
    let long = "i".repeat(MAX_CLIENT_ID_BYTES + 1);
    let body = json!({"id": long, "inputs": tensors(&rows)});
    let (status, error, text) =
        call(&app, "POST", "/v2/models/m/infer", Some(body.to_string())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert_eq!(
        error["error"],
        format!(
            "`id` is {} bytes long; the limit is {MAX_CLIENT_ID_BYTES} bytes",
            MAX_CLIENT_ID_BYTES + 1
        )
    );

    // At the limit: answered, and the id is logged once, as sent, in the request's
    // first record (log_format 2), not copied into every row.
    let id = "é".repeat(MAX_CLIENT_ID_BYTES / 2);
    let body = json!({"id": id, "inputs": tensors(&rows)});
    let (status, oip, text) =
        call(&app, "POST", "/v2/models/m/infer", Some(body.to_string())).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(oip["id"], id.as_str());

    handle.close().await.unwrap();
    let logged = logged_rows(dir.path());
    assert_eq!(
        logged.len(),
        rows.len(),
        "the refused request logged nothing"
    );
    assert_eq!(logged[0]["request"]["client_id"], id.as_str());
    assert!(
        logged[1..]
            .iter()
            .all(|r| r.get("client_id").is_none() && r.get("request").is_none())
    );
    let text: String = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(
        text.matches(id.as_str()).count(),
        1,
        "the id is written once for {} rows",
        logged.len()
    );
}
