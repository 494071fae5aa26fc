//! The prediction log: JSON Lines files in `--log-dir`, one record per served row
//! (format in docs/serving-log-format.md), written off the request path.
//!
//! Handlers hand each request's lines to a bounded tokio mpsc queue; one background
//! task writes them. **Full-queue policy: back-pressure.** A handler awaits room in the
//! queue before it answers, so a slow disk slows requests down instead of losing rows.
//! The writer flushes every `flush_every`, rotates to a new file when the current one
//! would pass `max_bytes`, and on [`LogHandle::close`] drains everything queued,
//! flushes and returns. Files are created `0600` (they hold raw inputs).
//!
//! **A failing disk.** When a write or flush fails (a full disk, a file-size limit),
//! the writer does not stop: it cuts the current file back to its last flush (so it
//! ends on a whole line) and drops it, counts the rows it could not write — those
//! buffered since that flush included — (`dropped_rows`, exported as
//! `lockstep_log_dropped_rows_total`; the rows on disk are exactly `written_rows`),
//! marks itself unhealthy
//! ([`LogSender::healthy`]: readiness answers 503) and, once per flush interval, probes
//! the folder with a small scratch file. When the probe succeeds it opens a new log
//! file and is healthy again. What handlers do meanwhile is `--on-log-failure`'s
//! policy ([`FailurePolicy`]). Files go through a [`Storage`], so tests can inject
//! failures without filling a disk.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// The most bytes one request's records may take in the log (docs/serving.md). With the
/// OIP `id` capped (`lockstep_core::skew::log::MAX_CLIENT_ID_BYTES`), a request within
/// `--max-body-bytes` and `--max-rows` stays far below it unless its pipeline makes
/// hundreds of features per row; one over it is refused with 413 and logs nothing.
pub const MAX_REQUEST_LOG_BYTES: usize = 128 << 20;

/// One request's records (written by `lockstep_core::skew::log::write_request`, whose
/// `LOG_FORMAT` is the version in every record), each a complete JSON line (newline included).
pub type Batch = Vec<String>;

/// The sending side, cloned into the app state.
#[derive(Clone)]
pub struct LogSender {
    tx: mpsc::Sender<Batch>,
    pub written_rows: Arc<AtomicU64>,
    /// Rows the writer could not write (see the module documentation).
    pub dropped_rows: Arc<AtomicU64>,
    healthy: Arc<AtomicBool>,
}

impl LogSender {
    /// Queues a request's lines, waiting for room (back-pressure). Fails only when the
    /// writer has stopped (an I/O error, already logged).
    pub async fn send(&self, batch: Batch) -> Result<(), String> {
        self.tx
            .send(batch)
            .await
            .map_err(|_| "the prediction log writer has stopped".to_owned())
    }

    /// Batches waiting in the queue.
    pub fn depth(&self) -> usize {
        self.tx.max_capacity() - self.tx.capacity()
    }

    pub fn capacity(&self) -> usize {
        self.tx.max_capacity()
    }

    /// False while the writer cannot write (its last write or flush failed and no
    /// probe has succeeded since).
    pub fn healthy(&self) -> bool {
        self.healthy.load(Ordering::Relaxed)
    }
}

/// What handlers do while the log writer is failing (`--on-log-failure`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FailurePolicy {
    /// Answer 503 (with `Retry-After`) instead of predicting: no prediction is served
    /// that the log does not hold. Rows queued before the failure was seen are counted
    /// as dropped.
    #[default]
    Refuse,
    /// Keep answering; rows the writer cannot write are dropped and counted.
    Answer,
}

/// Where log files are created: real files, or a test's stand-in.
pub trait Storage: Send + Sync + 'static {
    type File: AsyncWrite + Unpin + Send + 'static;
    /// Creates `path`, which must not exist.
    fn create(&self, path: &Path) -> impl Future<Output = std::io::Result<Self::File>> + Send;
    /// Removes `path` (the writer's scratch probe file).
    fn remove(&self, path: &Path) -> impl Future<Output = std::io::Result<()>> + Send;
    /// Cuts `path` back to `len` bytes (a failed file, to its last flushed line).
    fn truncate(&self, path: &Path, len: u64) -> impl Future<Output = std::io::Result<()>> + Send;
}

/// Files on disk, created `0600`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Files;

impl Storage for Files {
    type File = tokio::fs::File;

    async fn create(&self, path: &Path) -> std::io::Result<tokio::fs::File> {
        let mut options = tokio::fs::OpenOptions::new();
        options.create_new(true).write(true);
        #[cfg(unix)]
        options.mode(0o600);
        options.open(path).await
    }

    async fn remove(&self, path: &Path) -> std::io::Result<()> {
        tokio::fs::remove_file(path).await
    }

    async fn truncate(&self, path: &Path, len: u64) -> std::io::Result<()> {
        let file = tokio::fs::OpenOptions::new().write(true).open(path).await?;
        file.set_len(len).await
    }
}

/// Owns the writer task.
pub struct LogHandle {
    close: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl LogHandle {
    /// Stops accepting lines, writes everything queued, flushes, and waits.
    pub async fn close(self) -> anyhow::Result<()> {
        let _ = self.close.send(());
        self.task.await??;
        Ok(())
    }
}

/// Where and how the log is written.
#[derive(Debug, Clone)]
pub struct LogConfig {
    pub dir: PathBuf,
    pub max_bytes: u64,
    pub queue: usize,
    pub flush_every: Duration,
}

/// Creates `dir` and starts the writer on real files.
pub async fn start(config: LogConfig) -> anyhow::Result<(LogSender, LogHandle)> {
    start_with(config, Files).await
}

/// Creates `dir` and starts the writer on `storage`.
pub async fn start_with<S: Storage>(
    config: LogConfig,
    storage: S,
) -> anyhow::Result<(LogSender, LogHandle)> {
    tokio::fs::create_dir_all(&config.dir).await?;
    let (tx, rx) = mpsc::channel(config.queue.max(1));
    let (close_tx, close_rx) = oneshot::channel();
    let counters = Counters::default();
    let writer = Writer::open(
        storage,
        config.dir.clone(),
        config.max_bytes,
        counters.clone(),
    )
    .await?;
    let task = tokio::spawn(run(writer, rx, close_rx, config.flush_every));
    Ok((
        LogSender {
            tx,
            written_rows: counters.written,
            dropped_rows: counters.dropped,
            healthy: counters.healthy,
        },
        LogHandle {
            close: close_tx,
            task,
        },
    ))
}

/// Shared between the writer and the handlers.
#[derive(Clone)]
struct Counters {
    written: Arc<AtomicU64>,
    dropped: Arc<AtomicU64>,
    healthy: Arc<AtomicBool>,
}

impl Default for Counters {
    fn default() -> Self {
        Self {
            written: Arc::default(),
            dropped: Arc::default(),
            healthy: Arc::new(AtomicBool::new(true)),
        }
    }
}

async fn run<S: Storage>(
    mut writer: Writer<S>,
    mut rx: mpsc::Receiver<Batch>,
    mut close: oneshot::Receiver<()>,
    flush_every: Duration,
) -> std::io::Result<()> {
    writer.retry_every = flush_every;
    let mut tick = tokio::time::interval(flush_every);
    let mut closing = false;
    loop {
        tokio::select! {
            batch = rx.recv() => match batch {
                Some(lines) => writer.write_batch(lines).await,
                None => break,
            },
            _ = tick.tick() => writer.tick().await,
            _ = &mut close, if !closing => {
                // No new sends; recv() now yields what is queued, then None.
                closing = true;
                rx.close();
            }
        }
    }
    let result = writer.flush().await;
    if let Err(err) = &result {
        writer.fail(err, 0).await;
    }
    tracing::info!(
        rows = writer.counters.written.load(Ordering::Relaxed),
        dropped = writer.counters.dropped.load(Ordering::Relaxed),
        "prediction log flushed and closed"
    );
    result
}

/// Bytes the recovery probe writes: enough to need a fresh block on a full disk.
const PROBE_BYTES: usize = 64 * 1024;

/// The current file (none while failing) and its size.
struct Writer<S: Storage> {
    storage: S,
    dir: PathBuf,
    max_bytes: u64,
    stem: String,
    sequence: u32,
    file: Option<tokio::io::BufWriter<S::File>>,
    /// The current file's path, bytes written into it, and bytes flushed.
    path: PathBuf,
    bytes: u64,
    flushed_bytes: u64,
    /// Rows written into `file` since its last successful flush.
    unflushed: u64,
    counters: Counters,
    retry_every: Duration,
    last_attempt: Option<Instant>,
}

impl<S: Storage> Writer<S> {
    async fn open(
        storage: S,
        dir: PathBuf,
        max_bytes: u64,
        counters: Counters,
    ) -> std::io::Result<Self> {
        let millis = super::clock::unix_millis();
        let stem = format!("predictions-{millis}-{}", std::process::id());
        let (file, path) = create(&storage, &dir, &stem, 0).await?;
        Ok(Self {
            storage,
            dir,
            max_bytes,
            stem,
            sequence: 0,
            file: Some(file),
            path,
            bytes: 0,
            flushed_bytes: 0,
            unflushed: 0,
            counters,
            retry_every: Duration::from_secs(1),
            last_attempt: None,
        })
    }

    /// Writes one request's lines, or drops and counts them while failing.
    async fn write_batch(&mut self, lines: Batch) {
        let rows = lines.len() as u64;
        if self.file.is_none() && !self.recover().await {
            self.counters.dropped.fetch_add(rows, Ordering::Relaxed);
            return;
        }
        let mut buffered = 0;
        if let Err(err) = self.write(lines, &mut buffered).await {
            self.fail(&err, rows - buffered).await;
        }
    }

    /// Writes `lines`, counting each one buffered (in `unflushed` and `buffered`).
    async fn write(&mut self, lines: Batch, buffered: &mut u64) -> std::io::Result<()> {
        for line in lines {
            let len = line.len() as u64;
            if self.bytes > 0 && self.bytes + len > self.max_bytes {
                self.flush().await?;
                self.sequence += 1;
                let (file, path) =
                    create(&self.storage, &self.dir, &self.stem, self.sequence).await?;
                self.file = Some(file);
                self.path = path;
                self.bytes = 0;
                self.flushed_bytes = 0;
            }
            let Some(file) = self.file.as_mut() else {
                return Err(std::io::Error::other("no log file is open"));
            };
            file.write_all(line.as_bytes()).await?;
            self.bytes += len;
            self.unflushed += 1;
            *buffered += 1;
        }
        Ok(())
    }

    /// Flushes the current file; its rows count as written once this succeeds.
    async fn flush(&mut self) -> std::io::Result<()> {
        if let Some(file) = self.file.as_mut() {
            file.flush().await?;
            self.flushed_bytes = self.bytes;
            self.counters
                .written
                .fetch_add(std::mem::take(&mut self.unflushed), Ordering::Relaxed);
        }
        Ok(())
    }

    /// The periodic flush, or a recovery attempt while failing.
    async fn tick(&mut self) {
        if self.file.is_some() {
            if let Err(err) = self.flush().await {
                self.fail(&err, 0).await;
            }
        } else {
            self.recover().await;
        }
    }

    /// Drops the current file, counting `rows` and every unflushed row as dropped.
    /// The file is cut back to its last flush, so it ends on a whole line and the
    /// rows on disk are exactly the rows counted as written.
    async fn fail(&mut self, err: &std::io::Error, rows: u64) {
        let lost = rows + std::mem::take(&mut self.unflushed);
        self.counters.dropped.fetch_add(lost, Ordering::Relaxed);
        if self.file.take().is_some()
            && let Err(cut) = self.storage.truncate(&self.path, self.flushed_bytes).await
        {
            tracing::warn!(path = %self.path.display(), "prediction log: cannot cut a failed file back to its last whole line: {cut}");
        }
        self.last_attempt = Some(Instant::now());
        if self.counters.healthy.swap(false, Ordering::Relaxed) {
            tracing::error!(
                dropped_rows = lost,
                "prediction log: {err}; rows are dropped and counted until the folder is writable again"
            );
        }
    }

    /// At most once per `retry_every`: writes a scratch file; when that works, opens a
    /// new log file. True when a file is open afterwards.
    async fn recover(&mut self) -> bool {
        if self
            .last_attempt
            .is_some_and(|t| t.elapsed() < self.retry_every)
        {
            return false;
        }
        self.last_attempt = Some(Instant::now());
        let probe = self.dir.join(format!(".{}-probe", self.stem));
        let probed = async {
            let mut file = self.storage.create(&probe).await?;
            file.write_all(&[0_u8; PROBE_BYTES]).await?;
            file.flush().await
        }
        .await;
        let _ = self.storage.remove(&probe).await;
        if let Err(err) = probed {
            tracing::debug!("prediction log still not writable: {err}");
            return false;
        }
        self.sequence += 1;
        match create(&self.storage, &self.dir, &self.stem, self.sequence).await {
            Ok((file, path)) => {
                self.file = Some(file);
                self.path = path;
                self.bytes = 0;
                self.flushed_bytes = 0;
                self.counters.healthy.store(true, Ordering::Relaxed);
                tracing::info!("prediction log writable again");
                true
            }
            Err(err) => {
                tracing::debug!("prediction log still not writable: {err}");
                false
            }
        }
    }
}

/// `predictions-<start ms>-<pid>-<sequence>.jsonl`: names sort in write order.
async fn create<S: Storage>(
    storage: &S,
    dir: &Path,
    stem: &str,
    sequence: u32,
) -> std::io::Result<(tokio::io::BufWriter<S::File>, PathBuf)> {
    let path = dir.join(format!("{stem}-{sequence:05}.jsonl"));
    let file = storage.create(&path).await?;
    tracing::info!(path = %path.display(), "prediction log file opened");
    Ok((tokio::io::BufWriter::new(file), path))
}
