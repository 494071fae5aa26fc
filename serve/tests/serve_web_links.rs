//! Issue 19, finding 11: `lockstep demo --web-dir` (and `serve --web-dir`) serve the
//! folder, not what symbolic links in it point at. Router called with `oneshot`.

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(unix)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String) {
    let request = Request::builder().uri(uri).body(Body::empty()).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn web_dir_symlinks_out_of_the_folder_are_not_followed() {
    use std::os::unix::fs::symlink;
    let base = tempfile::tempdir().unwrap();
    let web = base.path().join("dist");
    let outside = base.path().join("private");
    std::fs::create_dir_all(web.join("assets")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(web.join("index.html"), "<h1>app</h1>").unwrap();
    std::fs::write(web.join("assets/app.js"), "js").unwrap();
    std::fs::write(outside.join("secret.txt"), "SECRET").unwrap();
    std::fs::write(outside.join("index.html"), "SECRET INDEX").unwrap();
    symlink(outside.join("secret.txt"), web.join("leak.txt")).unwrap();
    symlink(&outside, web.join("linked")).unwrap();
    symlink("/etc/hostname", web.join("host")).unwrap();
    // A link that stays inside the folder is fine.
    symlink(web.join("assets/app.js"), web.join("alias.js")).unwrap();

    let app = lockstep_serve::web::router(&web);
    for (uri, status, body) in [
        ("/", StatusCode::OK, "<h1>app</h1>"),
        ("/assets/app.js", StatusCode::OK, "js"),
        ("/alias.js", StatusCode::OK, "js"),
        ("/leak.txt", StatusCode::NOT_FOUND, ""),
        ("/linked/secret.txt", StatusCode::NOT_FOUND, ""),
        ("/linked/", StatusCode::NOT_FOUND, ""),
        ("/%6Ceak.txt", StatusCode::NOT_FOUND, ""),
        ("/host", StatusCode::NOT_FOUND, ""),
        ("/../private/secret.txt", StatusCode::NOT_FOUND, ""),
    ] {
        let (got, text) = get(&app, uri).await;
        assert_eq!(got, status, "{uri}: {text}");
        assert!(text.contains(body), "{uri}: {text}");
        assert!(!text.contains("SECRET"), "{uri} leaked: {text}");
    }
}
