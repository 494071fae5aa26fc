//! `lockstep skew`: replay logged serving rows through the offline pipeline and model,
//! and compare — row by row (transform and prediction parity, offline predictions) and
//! by distribution (against the training data). Exit 0 pass, 1 skew found, 2 bad usage
//! or unreadable input.
//!
//! The replay itself is `lockstep_core::skew::Replayer` (the web app runs the same code);
//! this command feeds it. One thread reads the logs (JSON Lines or Parquet, see
//! docs/serving-log-format.md) into batches of `--batch-rows` records, one worker per
//! core parses and replays them, and the findings are merged in log order. The queues
//! between them are bounded, so memory does not grow with the log's size, and the
//! report is the same whatever the number of cores.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use anyhow::{Context, anyhow, bail};
use arrow_array::RecordBatch;
use lockstep_core::engine::Engine;
use lockstep_core::onnx::Model;
use lockstep_core::skew::log::continues_request;
use lockstep_core::skew::{
    Findings, LogBatch, OfflinePredictions, Replayer, SkewConfig, TornLine, TrainingProfile,
};
use lockstep_core::table::{DEFAULT_MAX_LINE_BYTES, default_null_values};

use super::args::{ReportFormatChoice, ReportOutputArgs};
use crate::input;
use crate::ort_engine::{self, OrtEngine};

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SkewFormat {
    Text,
    Json,
    Md,
    Junit,
}

impl ReportFormatChoice for SkewFormat {
    const DEFAULT: &'static str = "text";
}

/// Arguments of `lockstep skew`.
#[derive(Debug, clap::Args)]
pub struct SkewArgs {
    /// Prediction logs: JSON Lines or Parquet files, folders of them (`*.jsonl`,
    /// `*.parquet`), or glob patterns (`'logs/*/predictions-*.jsonl'`).
    #[arg(long, required = true, num_args = 1..)]
    pub log: Vec<PathBuf>,
    /// The fitted pipeline the offline side uses.
    #[arg(long)]
    pub pipeline: PathBuf,
    /// The model the offline side uses.
    #[arg(long)]
    pub model: PathBuf,
    /// Training data, for distribution skew (.csv, .jsonl or .parquet).
    #[arg(long)]
    pub train: Option<PathBuf>,
    /// Offline predictions (as `lockstep predict` writes them) to join on `--key`.
    #[arg(long)]
    pub offline_preds: Option<PathBuf>,
    /// The column of --offline-preds holding the request id (`ID` or `ID#ROW`).
    #[arg(long, default_value = "request_id")]
    pub key: String,
    /// Tolerances and thresholds (TOML; see docs/skew.md).
    #[arg(long)]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub out: ReportOutputArgs<SkewFormat>,
    /// ONNX Runtime's library, to replay through ONNX Runtime too (default: found if installed).
    #[arg(long)]
    pub ort_lib: Option<PathBuf>,
    /// Do not replay through ONNX Runtime.
    #[arg(long)]
    pub no_ort: bool,
    /// Records per batch (the unit of work of one core).
    #[arg(long, default_value_t = 8192)]
    pub batch_rows: usize,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// The longest JSON Lines log line read, in bytes (default 64 MiB): a longer one is
    /// an error naming its file and line, found while reading, before it is all in memory.
    #[arg(long, default_value_t = DEFAULT_MAX_LINE_BYTES)]
    pub max_line_bytes: usize,
}

/// How the reader cuts the logs into work.
#[derive(Debug, Clone, Copy)]
struct ReadLimits {
    /// Records per batch.
    batch_rows: usize,
    /// The longest line.
    max_line_bytes: usize,
}

/// A JSON Lines batch ends early once it holds this many bytes, so a batch of long
/// records stays small in memory.
const BATCH_BYTES: usize = 16 << 20;

pub fn run(args: SkewArgs) -> anyhow::Result<ExitCode> {
    let config: SkewConfig = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read `{}`", path.display()))?;
            SkewConfig::from_toml(&text)
                .map_err(|e| anyhow::anyhow!("invalid config `{}`: {e}", path.display()))?
        }
        None => SkewConfig::default(),
    };
    if args.batch_rows == 0 {
        bail!("--batch-rows must be at least 1");
    }
    if args.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    let workers = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pipeline = input::read_pipeline(&args.pipeline)?;
    let model_bytes = input::read_model(&args.model)?;
    let model = Model::from_bytes(&model_bytes).context("cannot load the model")?;
    let ort = if args.no_ort {
        None
    } else {
        match ort_engine::init(args.ort_lib.as_deref()) {
            // One single-threaded session per worker, so the workers do not wait for
            // each other.
            Ok(()) => Some(OrtEngine::pool(&model_bytes, workers, 1)?),
            Err(err) if args.ort_lib.is_some() => return Err(err.into()),
            Err(err) => {
                eprintln!("note: not replaying through ONNX Runtime: {err}");
                None
            }
        }
    };
    let profile = args
        .train
        .as_deref()
        .map(|path| {
            input::read_table(path, &pipeline.null_values()).map(|t| TrainingProfile::new(&t))
        })
        .transpose()?;
    let offline = args
        .offline_preds
        .as_deref()
        .map(|path| {
            let table = input::read_table(path, &default_null_values())?;
            OfflinePredictions::new(table, &args.key)
                .with_context(|| format!("`{}`", path.display()))
        })
        .transpose()?;
    let files = log_files(&args.log)?;

    let mut engines: Vec<&dyn Engine> = vec![&model];
    if let Some(ort) = &ort {
        engines.push(ort);
    }
    let replayer = Replayer {
        pipeline: &pipeline,
        model_fingerprint: lockstep_core::report::sha256_hex(&model_bytes),
        engines,
        tolerance: config.tolerance,
        thresholds: config.thresholds,
        profile: profile.as_ref(),
        offline: offline.as_ref(),
    };
    let limits = ReadLimits {
        batch_rows: args.batch_rows,
        max_line_bytes: args.max_line_bytes,
    };
    let (findings, torn_lines) = replay_files(&replayer, &files, limits, workers)?;
    for torn in &torn_lines {
        eprintln!("warning: {torn}");
    }
    let mut report = replayer.report(
        findings,
        files.iter().map(|f| f.display().to_string()).collect(),
    )?;
    report.torn_lines = torn_lines;

    let text = match args.out.format {
        SkewFormat::Text => report.text(),
        SkewFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
        SkewFormat::Md => report.markdown(),
        SkewFormat::Junit => report.junit(),
    };
    match &args.out.output {
        Some(path) => {
            std::fs::write(path, text)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            eprint!("{}", report.text());
        }
        None => print!("{text}"),
    }
    Ok(if report.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The log formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LogKind {
    Jsonl,
    Parquet,
}

fn log_kind(path: &Path) -> Option<LogKind> {
    match input::extension(path).as_str() {
        "jsonl" | "ndjson" => Some(LogKind::Jsonl),
        "parquet" | "pq" => Some(LogKind::Parquet),
        _ => None,
    }
}

/// Files to read: each file itself, the logs of a folder in name order, or the files a
/// glob pattern matches in name order.
fn log_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let text = path.to_string_lossy();
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .with_context(|| format!("cannot list `{}`", path.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && log_kind(p).is_some())
                .collect();
            found.sort();
            if found.is_empty() {
                bail!(
                    "`{}` holds no prediction logs (.jsonl or .parquet files)",
                    path.display()
                );
            }
            files.extend(found);
        } else if path.is_file() {
            files.push(path.clone());
        } else if text.contains(['*', '?', '[']) {
            let mut found = glob::glob(&text)
                .with_context(|| format!("invalid log pattern `{text}`"))?
                .collect::<Result<Vec<PathBuf>, _>>()
                .with_context(|| format!("cannot list `{text}`"))?;
            found.retain(|p| p.is_file());
            found.sort();
            if found.is_empty() {
                bail!("the log pattern `{text}` matches no files");
            }
            files.extend(found);
        } else {
            bail!(
                "cannot read the log `{}`: no such file or folder",
                path.display()
            );
        }
    }
    for file in &files {
        if log_kind(file).is_none() {
            bail!(
                "`{}`: a prediction log must be JSON Lines (.jsonl, .ndjson) or Parquet (.parquet)",
                file.display()
            );
        }
    }
    Ok(files)
}

/// A batch of records on its way to a worker.
enum Work {
    Jsonl {
        file: usize,
        first_line: u64,
        bytes: Vec<u8>,
        /// The file's last chunk: its last line may be torn.
        at_end: bool,
    },
    Arrow {
        file: usize,
        first_row: u64,
        batch: RecordBatch,
    },
}

/// What replaying the files found, and the torn last lines set aside, in file order.
type Replayed<'p> = (Option<Findings<'p>>, Vec<TornLine>);

/// Reads and replays every file, `batch_rows` records at a time on `workers` threads,
/// and merges the findings in log order. A torn last line of a file (kill -9, a full
/// disk) is set aside and returned; anywhere else a bad line is an error.
fn replay_files<'p>(
    replayer: &Replayer<'p>,
    files: &[PathBuf],
    limits: ReadLimits,
    workers: usize,
) -> anyhow::Result<Replayed<'p>> {
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let schema = replayer.pipeline.input_schema();
    let torn_lines: Mutex<Vec<(u64, TornLine)>> = Mutex::new(Vec::new());
    let torn_lines = &torn_lines;
    std::thread::scope(|scope| {
        let (work_tx, work_rx) = sync_channel::<(u64, Work)>(workers * 2);
        let (done_tx, done_rx) = sync_channel(workers * 2);
        let reader = scope.spawn(move || read_logs(files, limits, &work_tx));
        let work_rx = Arc::new(Mutex::new(work_rx));
        for _ in 0..workers {
            let work_rx = Arc::clone(&work_rx);
            let done_tx: SyncSender<(u64, anyhow::Result<Option<Findings<'p>>>)> = done_tx.clone();
            let names = &names;
            scope.spawn(move || {
                loop {
                    // The lock is held only to take the next batch.
                    let next = match work_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok((seq, work)) = next else { return };
                    let findings = match work {
                        Work::Jsonl {
                            file,
                            first_line,
                            bytes,
                            at_end: false,
                        } => LogBatch::from_jsonl(&bytes, &names[file], first_line, schema),
                        Work::Jsonl {
                            file,
                            first_line,
                            bytes,
                            at_end: true,
                        } => LogBatch::from_jsonl_at_end(&bytes, &names[file], first_line, schema)
                            .map(|(batch, torn)| {
                                if let (Some(torn), Ok(mut kept)) = (torn, torn_lines.lock()) {
                                    kept.push((seq, torn));
                                }
                                batch
                            }),
                        Work::Arrow {
                            file,
                            first_row,
                            batch,
                        } => LogBatch::from_arrow(&batch, &names[file], first_row, schema),
                    }
                    .map_err(anyhow::Error::from)
                    .and_then(|batch| {
                        // A batch of blank lines has nothing to replay.
                        if batch.num_rows() == 0 {
                            return Ok(None);
                        }
                        Ok(Some(replayer.replay(&batch)?))
                    });
                    if done_tx.send((seq, findings)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(work_rx);
        drop(done_tx);
        let merged = merge_in_order(done_rx);
        let read = reader
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the log reader panicked")));
        // A replay error comes first: it names a record; a read error then.
        let merged = merged?;
        read?;
        let mut torn = std::mem::take(&mut *torn_lines.lock().unwrap_or_else(|e| e.into_inner()));
        torn.sort_by_key(|(seq, _)| *seq);
        Ok((merged, torn.into_iter().map(|(_, t)| t).collect()))
    })
}

/// Merges findings as they arrive, in sequence order. Returning drops the receiver,
/// which stops the workers (and, through them, the reader) after an error.
fn merge_in_order<'p>(
    done: Receiver<(u64, anyhow::Result<Option<Findings<'p>>>)>,
) -> anyhow::Result<Option<Findings<'p>>> {
    let mut pending = BTreeMap::new();
    let mut next = 0_u64;
    let mut total: Option<Findings<'p>> = None;
    for (seq, findings) in done {
        pending.insert(seq, findings);
        while let Some(findings) = pending.remove(&next) {
            match (&mut total, findings?) {
                (_, None) => {}
                (Some(t), Some(findings)) => t.merge(findings),
                (t @ None, findings) => *t = findings,
            }
            next += 1;
        }
    }
    if let Some((_, Err(err))) = pending.into_iter().next() {
        return Err(err);
    }
    Ok(total)
}

/// Cuts the files into batches of `batch_rows` records, numbered in log order.
fn read_logs(
    files: &[PathBuf],
    limits: ReadLimits,
    work: &SyncSender<(u64, Work)>,
) -> anyhow::Result<()> {
    let ReadLimits {
        batch_rows,
        max_line_bytes,
    } = limits;
    let mut seq = 0_u64;
    let mut send = |item: Work| -> bool {
        let ok = work.send((seq, item)).is_ok();
        seq += 1;
        ok
    };
    for (index, path) in files.iter().enumerate() {
        let open = || File::open(path).with_context(|| format!("cannot open `{}`", path.display()));
        match log_kind(path) {
            Some(LogKind::Parquet) => {
                // Opened through core's `open_parquet` (its walk of the footer and page
                // headers) and guarded as core's table and log readers are: the
                // `parquet` crate's page decoder panics on some malformed files.
                use lockstep_core::table::catch_decoder_panic as decode;
                let not_parquet = |message: String| {
                    anyhow!(
                        "`{}`: not a readable Parquet file: {message}",
                        path.display()
                    )
                };
                let builder = lockstep_core::table::open_parquet(open()?).map_err(not_parquet)?;
                let mut reader = decode(|| builder.with_batch_size(batch_rows).build())
                    .map_err(not_parquet)?
                    .map_err(|e| not_parquet(e.to_string()))?;
                let mut first_row = 1;
                while let Some(batch) = decode(|| reader.next()).map_err(not_parquet)? {
                    let batch = batch
                        .with_context(|| format!("`{}`: cannot read Parquet", path.display()))?;
                    let rows = batch.num_rows() as u64;
                    if !send(Work::Arrow {
                        file: index,
                        first_row,
                        batch,
                    }) {
                        return Ok(());
                    }
                    first_row += rows;
                }
            }
            _ => {
                let mut reader = BufReader::with_capacity(1 << 20, open()?);
                let mut line_no = 1_u64;
                // A line read past the end of the last batch: it starts the next one.
                let mut carried: Vec<u8> = Vec::new();
                loop {
                    let first_line = line_no;
                    let mut bytes = Vec::with_capacity(1 << 20);
                    let mut lines = 0;
                    if !carried.is_empty() {
                        bytes.append(&mut carried);
                        lines += 1;
                    }
                    loop {
                        let start = bytes.len();
                        let read = (&mut reader)
                            .take(max_line_bytes as u64 + 1)
                            .read_until(b'\n', &mut bytes)
                            .with_context(|| format!("cannot read `{}`", path.display()))?;
                        if read == 0 {
                            break;
                        }
                        let line = &bytes[start..];
                        let content = line.strip_suffix(b"\n").unwrap_or(line).len();
                        if content > max_line_bytes {
                            bail!(
                                "{}:{}: the line is longer than {max_line_bytes} bytes \
                                 (--max-line-bytes); it was not read",
                                path.display(),
                                line_no + lines as u64
                            );
                        }
                        // A full batch ends before the next request's first line; a
                        // line that continues a request (log_format 2) stays with it.
                        let full = lines >= batch_rows || start >= BATCH_BYTES;
                        if full && !continues_request(&bytes[start..]) {
                            carried = bytes.split_off(start);
                            break;
                        }
                        lines += 1;
                    }
                    line_no += lines as u64;
                    if lines == 0 {
                        break;
                    }
                    let at_end = carried.is_empty()
                        && reader
                            .fill_buf()
                            .with_context(|| format!("cannot read `{}`", path.display()))?
                            .is_empty();
                    if !send(Work::Jsonl {
                        file: index,
                        first_line,
                        bytes,
                        at_end,
                    }) {
                        return Ok(());
                    }
                }
            }
        }
    }
    Ok(())
}
