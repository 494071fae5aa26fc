//! Issue 19, finding 4: a prediction log writer whose disk fills up. The failure is
//! injected through the writer's `Storage` seam (files whose writes fail with ENOSPC
//! while a flag is set), not by filling a real disk. The writer must count what it
//! drops, report itself unhealthy (readiness 503), apply `--on-log-failure`, and
//! recover once writes work again. The Router tests need ONNX Runtime.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::{app_on, call, log_config, rows};
use lockstep_serve::server::RequestOptions;
use lockstep_serve::server::logging::{self, FailurePolicy, LogSender, Storage};
use serde_json::{Value, json};
use tokio::io::AsyncWrite;

/// Real files on a "disk" with `free` bytes left: a write gets what still fits, then
/// "No space left on device"; `full` makes every write and flush fail.
#[derive(Clone)]
struct FlakyDisk {
    full: Arc<AtomicBool>,
    free: Arc<AtomicI64>,
}

impl Default for FlakyDisk {
    fn default() -> Self {
        Self {
            full: Arc::default(),
            free: Arc::new(AtomicI64::new(i64::MAX)),
        }
    }
}

struct FlakyFile {
    inner: tokio::fs::File,
    full: Arc<AtomicBool>,
    free: Arc<AtomicI64>,
}

fn no_space() -> io::Error {
    io::Error::from_raw_os_error(28) // ENOSPC
}

impl AsyncWrite for FlakyFile {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let free = self.free.load(Ordering::SeqCst);
        if self.full.load(Ordering::SeqCst) || free <= 0 {
            return Poll::Ready(Err(no_space()));
        }
        let fits = buf.len().min(usize::try_from(free).unwrap_or(usize::MAX));
        let poll = Pin::new(&mut self.inner).poll_write(cx, &buf[..fits]);
        if let Poll::Ready(Ok(n)) = poll {
            self.free.fetch_sub(n as i64, Ordering::SeqCst);
        }
        poll
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.full.load(Ordering::SeqCst) {
            return Poll::Ready(Err(no_space()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl Storage for FlakyDisk {
    type File = FlakyFile;

    async fn create(&self, path: &Path) -> io::Result<FlakyFile> {
        let inner = logging::Files.create(path).await?;
        Ok(FlakyFile {
            inner,
            full: Arc::clone(&self.full),
            free: Arc::clone(&self.free),
        })
    }

    async fn remove(&self, path: &Path) -> io::Result<()> {
        tokio::fs::remove_file(path).await
    }

    async fn truncate(&self, path: &Path, len: u64) -> io::Result<()> {
        logging::Files.truncate(path, len).await
    }
}

/// Waits (bounded) until `done` holds.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn lines(n: usize, tag: &str) -> Vec<String> {
    (0..n).map(|i| format!("{{\"{tag}\":{i}}}\n")).collect()
}

/// Every line of every log file, and the names of the files.
fn logged(dir: &Path) -> (Vec<String>, Vec<String>) {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let lines = names
        .iter()
        .flat_map(|n| {
            std::fs::read_to_string(dir.join(n))
                .unwrap()
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    (lines, names)
}

fn dropped(log: &LogSender) -> u64 {
    log.dropped_rows.load(Ordering::Relaxed)
}

#[tokio::test]
async fn log_failure_the_writer_counts_drops_goes_unhealthy_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let disk = FlakyDisk::default();
    let (log, handle) = logging::start_with(log_config(dir.path(), 1 << 20), disk.clone())
        .await
        .unwrap();
    log.send(lines(3, "before")).await.unwrap();
    until("3 rows are written", || {
        log.written_rows.load(Ordering::Relaxed) == 3
    })
    .await;
    assert!(log.healthy());

    disk.full.store(true, Ordering::SeqCst);
    log.send(lines(2, "lost")).await.unwrap();
    until("the writer reports the failure", || {
        !log.healthy() && dropped(&log) == 2
    })
    .await;
    // Still failing: more rows are dropped and counted, the writer keeps running.
    log.send(lines(1, "lost")).await.unwrap();
    until("the next row is counted", || dropped(&log) == 3).await;
    assert!(!log.healthy());

    disk.full.store(false, Ordering::SeqCst);
    until("the writer recovers", || log.healthy()).await;
    log.send(lines(4, "after")).await.unwrap();
    handle.close().await.unwrap();

    assert_eq!(dropped(&log), 3);
    assert_eq!(log.written_rows.load(Ordering::Relaxed), 7);
    let (lines, names) = logged(dir.path());
    assert_eq!(lines.iter().filter(|l| l.contains("before")).count(), 3);
    assert_eq!(lines.iter().filter(|l| l.contains("after")).count(), 4);
    assert!(!lines.iter().any(|l| l.contains("lost")));
    assert!(
        names.len() >= 2 && names.iter().all(|n| n.ends_with(".jsonl")),
        "a new file after recovery, and no probe file left behind: {names:?}"
    );
}

#[tokio::test]
async fn log_failure_a_full_disk_leaves_whole_lines_and_exact_counts() {
    let dir = tempfile::tempdir().unwrap();
    let disk = FlakyDisk::default();
    // Room for about 20 KiB: later writes are cut short, as on a disk that fills up.
    disk.free.store(20_000, Ordering::SeqCst);
    let (log, handle) = logging::start_with(log_config(dir.path(), 1 << 30), disk.clone())
        .await
        .unwrap();
    let big = |i: usize| format!("{{\"row\":{i},\"pad\":\"{}\"}}\n", "x".repeat(1000));
    let mut sent = 0_u64;
    for batch in 0..20 {
        log.send((0..3).map(|i| big(batch * 3 + i)).collect())
            .await
            .unwrap();
        sent += 3;
    }
    until("the writer reports the failure", || !log.healthy()).await;
    disk.free.store(i64::MAX, Ordering::SeqCst);
    until("the writer recovers", || log.healthy()).await;
    log.send(vec![big(1000)]).await.unwrap();
    sent += 1;
    handle.close().await.unwrap();

    let written = log.written_rows.load(Ordering::Relaxed);
    assert!(dropped(&log) > 0 && written > 0);
    assert_eq!(
        written + dropped(&log),
        sent,
        "every row is written or dropped"
    );
    let (lines, names) = logged(dir.path());
    assert_eq!(
        lines.len() as u64,
        written,
        "the rows on disk are the rows written"
    );
    for name in &names {
        let bytes = std::fs::read(dir.path().join(name)).unwrap();
        assert!(
            bytes.is_empty() || bytes.ends_with(b"\n"),
            "{name} ends in a torn line"
        );
    }
    for line in &lines {
        let _: Value = serde_json::from_str(line).unwrap();
    }
}

#[cfg(unix)]
#[tokio::test]
async fn log_files_are_created_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (log, handle) = logging::start(log_config(dir.path(), 1 << 20))
        .await
        .unwrap();
    log.send(lines(1, "row")).await.unwrap();
    handle.close().await.unwrap();
    let (_, names) = logged(dir.path());
    assert!(!names.is_empty());
    for name in names {
        let mode = std::fs::metadata(dir.path().join(&name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}: {mode:o}");
    }
}

async fn metric(app: &axum::Router, name: &str) -> f64 {
    let (_, _, text) = call(app, "GET", "/metrics", None).await;
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
        .parse()
        .unwrap()
}

async fn ready(app: &axum::Router) -> StatusCode {
    call(app, "GET", "/v2/health/ready", None).await.0
}

#[tokio::test]
async fn log_failure_refuse_policy_readiness_503_and_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let disk = FlakyDisk::default();
    let (log, handle) = logging::start_with(log_config(dir.path(), 1 << 20), disk.clone())
        .await
        .unwrap();
    let app = app_on(log.clone(), RequestOptions::default());
    let body = json!({ "rows": rows(2) }).to_string();
    assert_eq!(
        call(&app, "POST", "/v1/predict", Some(body.clone()))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(ready(&app).await, StatusCode::OK);
    until("the first rows are flushed", || {
        log.written_rows.load(Ordering::Relaxed) == 2
    })
    .await;

    disk.full.store(true, Ordering::SeqCst);
    // Answered before the writer found out: its rows are dropped and counted.
    let (status, _, text) = call(&app, "POST", "/v1/predict", Some(body.clone())).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    until("the writer reports the failure", || !log.healthy()).await;
    assert_eq!(ready(&app).await, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        call(&app, "GET", "/v2/models/m/ready", None).await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let (status, reply, text) = call(&app, "POST", "/v1/predict", Some(body.clone())).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{text}");
    let message = reply["error"].as_str().unwrap();
    assert!(message.contains("--on-log-failure"), "{message}");
    assert!(metric(&app, "lockstep_log_dropped_rows_total").await >= 2.0);
    assert_eq!(metric(&app, "lockstep_log_writer_healthy").await, 0.0);

    disk.full.store(false, Ordering::SeqCst);
    until("the writer recovers", || log.healthy()).await;
    assert_eq!(ready(&app).await, StatusCode::OK);
    assert_eq!(
        call(&app, "POST", "/v1/predict", Some(body)).await.0,
        StatusCode::OK
    );
    assert_eq!(metric(&app, "lockstep_log_writer_healthy").await, 1.0);
    drop(app);
    handle.close().await.unwrap();
    let (lines, _) = logged(dir.path());
    assert_eq!(
        lines.len(),
        4,
        "2 rows before the failure, 2 after recovery"
    );
    assert_eq!(dropped(&log), 2);
    for line in lines {
        let _: Value = serde_json::from_str(&line).unwrap();
    }
}

#[tokio::test]
async fn log_failure_answer_policy_keeps_answering_and_counts_drops() {
    let dir = tempfile::tempdir().unwrap();
    let disk = FlakyDisk::default();
    let (log, handle) = logging::start_with(log_config(dir.path(), 1 << 20), disk.clone())
        .await
        .unwrap();
    let options = RequestOptions {
        on_log_failure: FailurePolicy::Answer,
        ..RequestOptions::default()
    };
    let app = app_on(log.clone(), options);
    let body = json!({ "rows": rows(3) }).to_string();
    disk.full.store(true, Ordering::SeqCst);
    for _ in 0..3 {
        let (status, _, text) = call(&app, "POST", "/v1/predict", Some(body.clone())).await;
        assert_eq!(status, StatusCode::OK, "{text}");
    }
    until("every row is counted as dropped", || dropped(&log) == 9).await;
    assert_eq!(ready(&app).await, StatusCode::SERVICE_UNAVAILABLE);
    disk.full.store(false, Ordering::SeqCst);
    until("the writer recovers", || log.healthy()).await;
    drop(app);
    handle.close().await.unwrap();
    assert!(logged(dir.path()).0.is_empty());
}
