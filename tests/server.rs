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
            // Tests run on parallel threads: a counter keeps two folders apart even when
            // the clock gives two of them the same reading (one's drop would remove both).
            static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!(
                "lockstep-web-{}-{n}-{}",
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

async fn get_with(
    app: axum::Router,
    uri: &str,
    accept_encoding: Option<&str>,
) -> axum::http::Response<Vec<u8>> {
    let mut request = Request::get(uri);
    if let Some(encoding) = accept_encoding {
        request = request.header("accept-encoding", encoding);
    }
    let response = app
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes().to_vec();
    axum::http::Response::from_parts(parts, bytes)
}

/// What Trunk writes: an index.html whose inline module script loads hashed assets.
const TRUNK_INDEX: &str = "<!doctype html><html><head><script type=\"module\">\nimport init from '/app-9ded8319cb223db8.js';\nawait init({ module_or_path: '/app-9ded8319cb223db8_bg.wasm' });\n</script></head><body></body></html>";

#[tokio::test]
async fn the_app_is_served_compressed_cached_and_under_a_strict_policy() {
    use std::io::Read as _;

    let dir = tempdir::Dir::with_index(TRUNK_INDEX);
    // A wasm-like file: compressible, large enough to matter.
    let wasm: Vec<u8> = (0..200_000u32)
        .map(|i| (i % 251) as u8 ^ (i / 4096) as u8)
        .collect();
    std::fs::write(dir.path().join("app-9ded8319cb223db8_bg.wasm"), &wasm).unwrap();
    std::fs::write(
        dir.path().join("app-9ded8319cb223db8.js"),
        "export default 1;\n",
    )
    .unwrap();
    // Before precompression: identity, whatever the request accepts.
    let app = || lockstep_serve::web::router(dir.path());
    let plain = get_with(app(), "/app-9ded8319cb223db8_bg.wasm", Some("gzip, br")).await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.body(), &wasm);

    assert_eq!(lockstep_serve::web::precompress(dir.path()).unwrap(), 3);
    // Up to date: nothing rewritten.
    assert_eq!(lockstep_serve::web::precompress(dir.path()).unwrap(), 0);

    let gz = get_with(
        app(),
        "/app-9ded8319cb223db8_bg.wasm",
        Some("gzip, deflate, br"),
    )
    .await;
    assert_eq!(gz.status(), StatusCode::OK);
    let headers = gz.headers();
    assert_eq!(headers["content-encoding"], "gzip");
    assert_eq!(headers["content-type"], "application/wasm");
    assert_eq!(
        headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(
        headers["vary"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("accept-encoding")
    );
    assert!(
        gz.body().len() < wasm.len() / 2,
        "{} bytes",
        gz.body().len()
    );
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(gz.body().as_slice())
        .read_to_end(&mut decoded)
        .unwrap();
    assert_eq!(decoded, wasm);

    // Identity fallback: no Accept-Encoding, or one without gzip.
    for accept in [None, Some("br;q=1, identity;q=0.5"), Some("gzip;q=0")] {
        let plain = get_with(app(), "/app-9ded8319cb223db8_bg.wasm", accept).await;
        assert!(
            plain.headers().get("content-encoding").is_none(),
            "{accept:?}"
        );
        assert_eq!(plain.body(), &wasm, "{accept:?}");
    }

    // index.html: revalidated every time, under a CSP that admits its inline loader by
    // hash and nothing else inline.
    let index = get_with(app(), "/", Some("gzip")).await;
    assert_eq!(index.status(), StatusCode::OK);
    assert_eq!(index.headers()["cache-control"], "no-cache");
    let csp = index.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    for directive in [
        "default-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{csp}");
    }
    let script_src = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src"))
        .unwrap();
    assert!(!script_src.contains("unsafe-inline"), "{csp}");
    assert!(script_src.contains("'wasm-unsafe-eval'"), "{csp}");
    // The hash of the inline script's text (the bytes between the tags), computed
    // independently by Python's hashlib where python3 is on PATH.
    let inline = TRUNK_INDEX
        .split_once("<script type=\"module\">")
        .and_then(|(_, rest)| rest.split_once("</script>"))
        .unwrap()
        .0;
    let expected = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys,hashlib,base64;print(base64.b64encode(hashlib.sha256(sys.argv[1].encode()).digest()).decode())",
            inline,
        ])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    if let Some(hash) = expected {
        assert!(script_src.contains(&format!("'sha256-{hash}'")), "{csp}");
    } else {
        assert!(script_src.contains("'sha256-"), "{csp}");
    }
    let decoded_index = {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(index.body().as_slice())
            .read_to_end(&mut out)
            .unwrap();
        out
    };
    assert_eq!(decoded_index, TRUNK_INDEX.as_bytes());

    // Other routes carry the headers too, uncached.
    let health = get_with(app(), "/healthz", None).await;
    assert_eq!(health.headers()["cache-control"], "no-cache");
    assert_eq!(health.headers()["x-content-type-options"], "nosniff");
    assert!(lockstep_serve::web::is_hashed_asset(
        "/style-9346b7b3e78794a.css"
    ));
    assert!(!lockstep_serve::web::is_hashed_asset("/index.html"));
    assert!(!lockstep_serve::web::is_hashed_asset(
        "/demo/breast_cancer_eval.csv"
    ));
}
