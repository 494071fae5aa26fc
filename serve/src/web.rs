//! The web app, the demo data set and the health check.
//!
//! Every response carries a strict Content-Security-Policy ([`content_security_policy`]:
//! scripts only from this origin plus the hash of index.html's inline loader, and
//! `'wasm-unsafe-eval'` to compile the app's wasm; connections only to this origin),
//! `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` and a
//! `Cache-Control`: `immutable` for Trunk's content-hashed asset names, `no-cache`
//! for everything else (index.html first). Files are sent gzip-compressed when the
//! request accepts it and a `<file>.gz` sits next to the file: [`precompress`] writes
//! them (`lockstep demo` runs it on a background thread at startup, so startup does
//! not wait; until a file's `.gz` exists it is sent as is).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
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

/// `GET /healthz`, the bundled demo CSV, and every other path served from `web_dir`
/// (with its precompressed `.gz` where the request accepts gzip).
/// A path that resolves outside `web_dir` through a symbolic link is a 404: the
/// folder is what is served, not what its links point at.
pub fn router(web_dir: &Path) -> Router {
    let root: Arc<Path> = web_dir
        .canonicalize()
        .unwrap_or_else(|_| web_dir.to_path_buf())
        .into();
    let csp = HeaderValue::from_str(&content_security_policy(web_dir))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
    let files = Router::new()
        .fallback_service(
            ServeDir::new(web_dir)
                .append_index_html_on_directories(true)
                .precompressed_gzip(),
        )
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            let root = Arc::clone(&root);
            async move { confine(&root, request, next).await }
        }));
    Router::new()
        .route("/healthz", get(healthz))
        .route(DEMO_CSV_PATH, get(demo_csv))
        .merge(files)
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            let csp = csp.clone();
            async move { security_headers(csp, request, next).await }
        }))
}

/// The policy for the app in `web_dir`: everything from this origin only; scripts
/// also by the sha256 of each inline `<script>` of index.html (Trunk's loader) and
/// `'wasm-unsafe-eval'` (WebAssembly compilation); no plugins, no framing, no base
/// URL. Styles allow inline ones: the report export shown in the page carries its
/// own `<style>` and charts may be styled by attribute.
pub fn content_security_policy(web_dir: &Path) -> String {
    let index = std::fs::read_to_string(web_dir.join("index.html")).unwrap_or_default();
    let hashes: String = inline_scripts(&index)
        .iter()
        .map(|script| {
            use sha2::Digest as _;
            let digest = sha2::Sha256::digest(script.as_bytes());
            format!(" 'sha256-{}'", base64(&digest))
        })
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
         worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; \
         form-action 'self'"
    )
}

/// The text of every `<script>` without a `src` attribute, as the browser hashes it.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let Some(open_end) = rest[start..].find('>').map(|i| start + i + 1) else {
            break;
        };
        let Some(close) = rest[open_end..].find("</script>").map(|i| open_end + i) else {
            break;
        };
        if !rest[start..open_end].contains("src=") {
            out.push(&rest[open_end..close]);
        }
        rest = &rest[close..];
    }
    out
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Whether a file name carries Trunk's content hash (`name-<12+ hex digits>` before
/// the extension, `_bg` allowed after it): such a file never changes.
pub fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or("");
    let stem = name.split('.').next().unwrap_or("");
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() >= 12 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

async fn security_headers(csp: HeaderValue, request: Request, next: Next) -> Response {
    let hashed = is_hashed_asset(request.uri().path());
    let mut response = next.run(request).await;
    let success = response.status().is_success();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    let cache = if hashed && success {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if !headers.contains_key(header::VARY) {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// Extensions worth compressing (text and wasm).
const COMPRESSIBLE: [&str; 10] = [
    "html", "js", "mjs", "css", "wasm", "svg", "json", "csv", "txt", "map",
];

/// Writes `<file>.gz` (gzip, best compression) next to every compressible file under
/// `web_dir` whose `.gz` is missing or older than the file; returns how many it wrote.
/// Each is written to a temporary name and renamed, so a request never sees half of
/// one.
pub fn precompress(web_dir: &Path) -> std::io::Result<usize> {
    let mut written = 0;
    let mut folders = vec![web_dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let entry = entry?;
            let path = entry.path();
            let kind = entry.file_type()?;
            if kind.is_dir() {
                folders.push(path);
                continue;
            }
            let compressible = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| COMPRESSIBLE.contains(&e));
            if !kind.is_file() || !compressible {
                continue;
            }
            let mut gz_name = path.as_os_str().to_owned();
            gz_name.push(".gz");
            let gz = PathBuf::from(gz_name);
            let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
            if let (Some(source), Some(compressed)) = (modified(&path), modified(&gz))
                && compressed >= source
            {
                continue;
            }
            let bytes = std::fs::read(&path)?;
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            encoder.write_all(&bytes)?;
            let compressed = encoder.finish()?;
            let mut tmp_name = gz.as_os_str().to_owned();
            tmp_name.push(format!(".tmp-{}", std::process::id()));
            let tmp = PathBuf::from(tmp_name);
            std::fs::write(&tmp, compressed)?;
            std::fs::rename(&tmp, &gz)?;
            written += 1;
        }
    }
    Ok(written)
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
