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
//!
//! **When rows are safe** (`--log-sync`, [`SyncPolicy`]). By default a request is
//! answered as soon as its lines are queued; they reach the OS at the next flush, so a
//! `kill -9` loses at most the rows of one flush interval (plus the queue). With
//! `request` a handler waits until its lines are written to the OS, with `fsync` until
//! they are on disk (`fdatasync`). The writer commits in groups: it writes every batch
//! waiting in the queue, flushes (and syncs) once, then answers them all, so waiting
//! handlers share one flush.

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

/// A batch in the queue, with the handler waiting for it when `--log-sync` asks.
struct Queued {
    lines: Batch,
    /// Answered `true` once the lines are flushed (and synced), `false` when dropped.
    done: Option<oneshot::Sender<bool>>,
}

/// When a request's rows must be in the log before the request is answered
/// (`--log-sync`; figures in docs/serving.md, `scripts/load/kill9.sh`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SyncPolicy {
    /// Answer once the rows are queued; they reach the OS at the next flush
    /// (`--log-flush-ms`). A `kill -9` can lose the rows of the last interval.
    #[default]
    Interval,
    /// Answer once the rows are written to the OS: a `kill -9` of the server loses no
    /// answered row (a power loss still can).
    Request,
    /// Answer once the rows are on disk (`fdatasync`): a power loss loses no answered
    /// row either.
    Fsync,
}

/// Why a request's rows are not in the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The writer task has ended (an I/O error at start or shutdown, already logged).
    #[error("the prediction log writer has stopped")]
    Stopped,
    /// The writer could not write them (a full disk): they were dropped and counted.
    #[error("the request's rows could not be written to the prediction log (the server's disk?)")]
    Dropped,
}

/// The sending side, cloned into the app state.
#[derive(Clone)]
pub struct LogSender {
    tx: mpsc::Sender<Queued>,
    sync: SyncPolicy,
    pub written_rows: Arc<AtomicU64>,
    /// Rows the writer could not write (see the module documentation).
    pub dropped_rows: Arc<AtomicU64>,
    healthy: Arc<AtomicBool>,
}

impl LogSender {
    /// Queues a request's lines, waiting for room (back-pressure), and with
    /// [`SyncPolicy::Request`] or [`SyncPolicy::Fsync`] until they are written (synced).
    pub async fn send(&self, lines: Batch) -> Result<(), SendError> {
        let (done, written) = match self.sync {
            SyncPolicy::Interval => (None, None),
            SyncPolicy::Request | SyncPolicy::Fsync => {
                let (tx, rx) = oneshot::channel();
                (Some(tx), Some(rx))
            }
        };
        self.tx
            .send(Queued { lines, done })
            .await
            .map_err(|_| SendError::Stopped)?;
        match written {
            None => Ok(()),
            Some(rx) => match rx.await {
                Ok(true) => Ok(()),
                Ok(false) => Err(SendError::Dropped),
                Err(_) => Err(SendError::Stopped),
            },
        }
    }

    /// The `--log-sync` policy this sender waits by.
    pub fn sync_policy(&self) -> SyncPolicy {
        self.sync
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
    /// Puts what was flushed into `file` on disk (`--log-sync fsync`). Stand-ins with
    /// nothing below them have nothing to do.
    fn sync(&self, file: &mut Self::File) -> impl Future<Output = std::io::Result<()>> + Send {
        let _ = file;
        async { Ok(()) }
    }
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

    async fn sync(&self, file: &mut tokio::fs::File) -> std::io::Result<()> {
        file.sync_data().await
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
    pub sync: SyncPolicy,
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
    let task = tokio::spawn(run(writer, rx, close_rx, config.flush_every, config.sync));
    Ok((
        LogSender {
            tx,
            sync: config.sync,
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

/// The most queued batches one group commit takes before it flushes and answers them.
const GROUP_COMMIT: usize = 256;

async fn run<S: Storage>(
    mut writer: Writer<S>,
    mut rx: mpsc::Receiver<Queued>,
    mut close: oneshot::Receiver<()>,
    flush_every: Duration,
    sync: SyncPolicy,
) -> std::io::Result<()> {
    writer.retry_every = flush_every;
    // The first flush is one interval after the start (`interval` would tick at once).
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + flush_every, flush_every);
    let mut closing = false;
    let mut waiting: Vec<oneshot::Sender<bool>> = Vec::new();
    loop {
        tokio::select! {
            queued = rx.recv() => match queued {
                Some(first) => {
                    // A group commit: everything already queued, then one flush (and
                    // sync) for the handlers waiting on any of it.
                    let mut ok = writer.write_batch(first.lines).await;
                    waiting.extend(first.done);
                    while waiting.len() < GROUP_COMMIT {
                        let Ok(next) = rx.try_recv() else { break };
                        ok &= writer.write_batch(next.lines).await;
                        waiting.extend(next.done);
                    }
                    if !waiting.is_empty() {
                        let committed = ok && writer.commit(sync).await;
                        for done in waiting.drain(..) {
                            let _ = done.send(committed);
                        }
                    }
                }
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

    /// Writes one request's lines, or drops and counts them while failing. False when
    /// they were dropped.
    async fn write_batch(&mut self, lines: Batch) -> bool {
        let rows = lines.len() as u64;
        if self.file.is_none() && !self.recover().await {
            self.counters.dropped.fetch_add(rows, Ordering::Relaxed);
            return false;
        }
        let mut buffered = 0;
        if let Err(err) = self.write(lines, &mut buffered).await {
            self.fail(&err, rows - buffered).await;
            return false;
        }
        true
    }

    /// Flushes (and with [`SyncPolicy::Fsync`] syncs) what was written, for handlers
    /// waiting on it. False when that failed: the unflushed rows are then dropped.
    async fn commit(&mut self, sync: SyncPolicy) -> bool {
        let result = async {
            self.flush().await?;
            if sync == SyncPolicy::Fsync
                && let Some(file) = self.file.as_mut()
            {
                self.storage.sync(file.get_mut()).await?;
            }
            Ok(())
        }
        .await;
        match result {
            Ok(()) => self.file.is_some(),
            Err(err) => {
                self.fail(&err, 0).await;
                false
            }
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
        // Unhealthy before the drops are counted: whoever sees the count sees readiness off.
        let was_healthy = self.counters.healthy.swap(false, Ordering::SeqCst);
        self.counters.dropped.fetch_add(lost, Ordering::SeqCst);
        if self.file.take().is_some()
            && let Err(cut) = self.storage.truncate(&self.path, self.flushed_bytes).await
        {
            tracing::warn!(path = %self.path.display(), "prediction log: cannot cut a failed file back to its last whole line: {cut}");
        }
        self.last_attempt = Some(Instant::now());
        if was_healthy {
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
