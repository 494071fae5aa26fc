//! `--log-sync` (issue 19, finding 5): when a handler's `LogSender::send` returns, its
//! rows are in the file (`request`), on disk (`fsync`: the storage's `sync` ran), or only
//! queued (`interval`). A failing disk under `request` answers `Dropped`. The flush
//! interval is an hour in these tests, so only the per-request commit can flush.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::log_config;
use lockstep_serve::server::logging::{self, Files, LogConfig, SendError, Storage, SyncPolicy};

/// Real files that count `sync` calls and can be made to fail every write.
#[derive(Clone, Default)]
struct Counting {
    syncs: Arc<AtomicUsize>,
    full: Arc<AtomicBool>,
}

struct MaybeFull {
    inner: tokio::fs::File,
    full: Arc<AtomicBool>,
}

impl tokio::io::AsyncWrite for MaybeFull {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<io::Result<usize>> {
        if self.full.load(Ordering::SeqCst) {
            return std::task::Poll::Ready(Err(io::Error::from_raw_os_error(28)));
        }
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        if self.full.load(Ordering::SeqCst) {
            return std::task::Poll::Ready(Err(io::Error::from_raw_os_error(28)));
        }
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl Storage for Counting {
    type File = MaybeFull;

    async fn create(&self, path: &Path) -> io::Result<MaybeFull> {
        Ok(MaybeFull {
            inner: Files.create(path).await?,
            full: Arc::clone(&self.full),
        })
    }

    async fn remove(&self, path: &Path) -> io::Result<()> {
        Files.remove(path).await
    }

    async fn truncate(&self, path: &Path, len: u64) -> io::Result<()> {
        Files.truncate(path, len).await
    }

    async fn sync(&self, file: &mut MaybeFull) -> io::Result<()> {
        self.syncs.fetch_add(1, Ordering::SeqCst);
        file.inner.sync_data().await
    }
}

fn config(dir: &Path, sync: SyncPolicy) -> LogConfig {
    LogConfig {
        flush_every: Duration::from_secs(3600),
        sync,
        ..log_config(dir, 1 << 20)
    }
}

/// Lines in the folder's files right now (without closing the writer).
fn on_disk(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .map(|text| text.lines().count())
        .sum()
}

fn lines(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{{\"row\":{i}}}\n")).collect()
}

#[tokio::test]
async fn log_sync_request_answers_once_the_rows_are_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let storage = Counting::default();
    let (log, handle) =
        logging::start_with(config(dir.path(), SyncPolicy::Request), storage.clone())
            .await
            .unwrap();
    for n in 1..=5 {
        log.send(lines(n)).await.unwrap();
    }
    assert_eq!(on_disk(dir.path()), 15);
    assert_eq!(log.written_rows.load(Ordering::Relaxed), 15);
    assert_eq!(
        storage.syncs.load(Ordering::SeqCst),
        0,
        "request does not fsync"
    );
    handle.close().await.unwrap();
}

#[tokio::test]
async fn log_sync_fsync_syncs_before_answering_and_groups_commits() {
    let dir = tempfile::tempdir().unwrap();
    let storage = Counting::default();
    let (log, handle) = logging::start_with(config(dir.path(), SyncPolicy::Fsync), storage.clone())
        .await
        .unwrap();
    log.send(lines(3)).await.unwrap();
    assert_eq!(on_disk(dir.path()), 3);
    assert_eq!(storage.syncs.load(Ordering::SeqCst), 1);
    // 64 handlers at once: each is answered after a sync that covers its rows, and
    // waiting handlers share syncs (never more syncs than requests).
    let sends = (0..64).map(|_| {
        let log = log.clone();
        tokio::spawn(async move { log.send(lines(2)).await })
    });
    for send in sends.collect::<Vec<_>>() {
        send.await.unwrap().unwrap();
    }
    assert_eq!(on_disk(dir.path()), 3 + 128);
    let syncs = storage.syncs.load(Ordering::SeqCst);
    assert!((2..=65).contains(&syncs), "{syncs} syncs for 65 requests");
    handle.close().await.unwrap();
}

#[tokio::test]
async fn log_sync_interval_answers_before_the_rows_reach_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (log, handle) = logging::start_with(
        config(dir.path(), SyncPolicy::Interval),
        Counting::default(),
    )
    .await
    .unwrap();
    log.send(lines(4)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(on_disk(dir.path()), 0, "buffered until the next flush");
    handle.close().await.unwrap();
    assert_eq!(on_disk(dir.path()), 4, "flushed at close");
}

#[tokio::test]
async fn log_sync_request_on_a_full_disk_says_the_rows_were_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let storage = Counting::default();
    let (log, handle) =
        logging::start_with(config(dir.path(), SyncPolicy::Request), storage.clone())
            .await
            .unwrap();
    log.send(lines(2)).await.unwrap();
    storage.full.store(true, Ordering::SeqCst);
    assert_eq!(log.send(lines(3)).await, Err(SendError::Dropped));
    assert_eq!(log.dropped_rows.load(Ordering::Relaxed), 3);
    assert!(!log.healthy());
    assert_eq!(on_disk(dir.path()), 2, "the file keeps its committed rows");
    storage.full.store(false, Ordering::SeqCst);
    handle.close().await.unwrap();
}
