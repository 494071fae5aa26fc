//! The prediction log: JSON Lines files in `--log-dir`, one record per served row
//! (format in docs/serving-log-format.md), written off the request path.
//!
//! Handlers hand each request's lines to a bounded tokio mpsc queue; one background
//! task writes them. **Full-queue policy: back-pressure.** A handler awaits room in the
//! queue before it answers, so a slow disk slows requests down instead of losing rows;
//! nothing is ever dropped (`lockstep_log_dropped_rows_total` stays 0 and is exported
//! so dashboards can assert it). The writer flushes every `flush_every`, rotates to a
//! new file when the current one would pass `max_bytes`, and on [`LogHandle::close`]
//! drains everything queued, flushes and returns.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
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

/// Creates `dir` and starts the writer.
pub async fn start(config: LogConfig) -> anyhow::Result<(LogSender, LogHandle)> {
    tokio::fs::create_dir_all(&config.dir).await?;
    let (tx, rx) = mpsc::channel(config.queue.max(1));
    let (close_tx, close_rx) = oneshot::channel();
    let written_rows = Arc::new(AtomicU64::new(0));
    let writer = Writer::open(config.dir.clone(), config.max_bytes).await?;
    let task = tokio::spawn(run(
        writer,
        rx,
        close_rx,
        config.flush_every,
        written_rows.clone(),
    ));
    Ok((
        LogSender { tx, written_rows },
        LogHandle {
            close: close_tx,
            task,
        },
    ))
}

async fn run(
    mut writer: Writer,
    mut rx: mpsc::Receiver<Batch>,
    mut close: oneshot::Receiver<()>,
    flush_every: Duration,
    written_rows: Arc<AtomicU64>,
) -> std::io::Result<()> {
    let mut tick = tokio::time::interval(flush_every);
    let mut closing = false;
    loop {
        tokio::select! {
            batch = rx.recv() => match batch {
                Some(lines) => {
                    let n = lines.len() as u64;
                    writer.write(lines).await.inspect_err(|e| tracing::error!("prediction log: {e}"))?;
                    written_rows.fetch_add(n, Ordering::Relaxed);
                }
                None => break,
            },
            _ = tick.tick() => writer.flush().await?,
            _ = &mut close, if !closing => {
                // No new sends; recv() now yields what is queued, then None.
                closing = true;
                rx.close();
            }
        }
    }
    writer.flush().await?;
    tracing::info!(
        rows = written_rows.load(Ordering::Relaxed),
        "prediction log flushed and closed"
    );
    Ok(())
}

/// The current file and its size.
struct Writer {
    dir: PathBuf,
    max_bytes: u64,
    stem: String,
    sequence: u32,
    file: tokio::io::BufWriter<tokio::fs::File>,
    bytes: u64,
}

impl Writer {
    async fn open(dir: PathBuf, max_bytes: u64) -> std::io::Result<Self> {
        let millis = super::clock::unix_millis();
        let stem = format!("predictions-{millis}-{}", std::process::id());
        let file = create(&dir, &stem, 0).await?;
        Ok(Self {
            dir,
            max_bytes,
            stem,
            sequence: 0,
            file,
            bytes: 0,
        })
    }

    async fn write(&mut self, lines: Batch) -> std::io::Result<()> {
        for line in lines {
            let len = line.len() as u64;
            if self.bytes > 0 && self.bytes + len > self.max_bytes {
                self.file.flush().await?;
                self.sequence += 1;
                self.file = create(&self.dir, &self.stem, self.sequence).await?;
                self.bytes = 0;
            }
            self.file.write_all(line.as_bytes()).await?;
            self.bytes += len;
        }
        Ok(())
    }

    async fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush().await
    }
}

/// `predictions-<start ms>-<pid>-<sequence>.jsonl`: names sort in write order.
async fn create(
    dir: &Path,
    stem: &str,
    sequence: u32,
) -> std::io::Result<tokio::io::BufWriter<tokio::fs::File>> {
    let path = dir.join(format!("{stem}-{sequence:05}.jsonl"));
    let file = tokio::fs::OpenOptions::new()
        .create_new(true)
        .write(true)
        .open(&path)
        .await?;
    tracing::info!(path = %path.display(), "prediction log file opened");
    Ok(tokio::io::BufWriter::new(file))
}
