//! The web server's routes, called through the Router (no socket).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use lockstep_core::metrics::binary::{self, BinaryOptions, PredictionSource};
use lockstep_core::table::{CsvOptions, Table};
use tower::ServiceExt;

async fn get(app: axum::Router, uri: &str) -> (StatusCode, Vec<u8>) {
    let response = app
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, body.to_vec())
}

fn web_dir() -> tempdir::Dir {
    tempdir::Dir::with_index("<html><body>lockstep test page</body></html>")
}

mod tempdir {
    use std::path::{Path, PathBuf};

    /// A throw-away folder holding an index.html, removed on drop.
    pub struct Dir(PathBuf);

    impl Dir {
        pub fn with_index(html: &str) -> Self {
            let path = std::env::temp_dir().join(format!(
                "lockstep-web-{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos()
            ));
            std::fs::create_dir_all(&path).unwrap();
            std::fs::write(path.join("index.html"), html).unwrap();
            Self(path)
        }

        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[tokio::test]
async fn healthz_answers_ok() {
    let dir = web_dir();
    let (status, body) = get(lockstep_serve::web::router(dir.path()), "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["status"], "ok");
}

#[tokio::test]
async fn serves_the_web_app_at_root() {
    let dir = web_dir();
    let (status, body) = get(lockstep_serve::web::router(dir.path()), "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&body).contains("lockstep test page"));
    let (status, _) = get(lockstep_serve::web::router(dir.path()), "/nope.js").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_demo_csv_is_served_and_evaluates_like_scikit_learn() {
    let dir = web_dir();
    let (status, body) = get(
        lockstep_serve::web::router(dir.path()),
        lockstep_serve::web::DEMO_CSV_PATH,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let table = Table::from_csv(&body, &CsvOptions::default()).unwrap();
    let expected: serde_json::Value = serde_json::from_slice(
        &std::fs::read(lockstep_tests::data_path("metrics/demo_pred.json")).unwrap(),
    )
    .unwrap();
    let metrics = binary::evaluate(
        &table,
        &BinaryOptions {
            label: "malignant",
            prediction: PredictionSource::Labels {
                column: "predicted",
            },
            positive_label: None,
        },
    )
    .unwrap();
    let want = expected["expected"]["accuracy"].as_f64().unwrap();
    assert!((metrics.accuracy.unwrap() - want).abs() < 1e-12);
}

#[test]
fn a_missing_web_app_is_a_clear_error() {
    let err =
        lockstep_serve::web::check_web_dir(std::path::Path::new("/no/such/dist")).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("/no/such/dist/index.html"), "{message}");
    assert!(message.contains("trunk build --release"), "{message}");
}
