//! Reading input files into `lockstep-core` tables and models, by extension.
//!
//! Every file is checked before it is read: it must be a regular file (`/dev/zero`, a
//! FIFO or a folder is refused without reading from it) and not larger than the limit
//! for its kind ([`MAX_DATA_BYTES`], [`MAX_MODEL_BYTES`], [`MAX_PIPELINE_BYTES`]); the
//! read itself stops at the limit, so a file that grows while it is read cannot pass
//! it either.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, bail};
use lockstep_core::table::{CsvOptions, JsonlOptions, Table};
use lockstep_core::transform::FittedPipeline;

/// Largest data file read (CSV, JSON Lines, Parquet): 4 GiB.
pub const MAX_DATA_BYTES: u64 = 4 << 30;
/// Largest model file read: 2 GiB, protobuf's own limit.
pub const MAX_MODEL_BYTES: u64 = 2 << 30;
/// Largest fitted pipeline read: 256 MiB.
pub const MAX_PIPELINE_BYTES: u64 = 256 << 20;

/// Why an input file is refused before (or while) it is read.
#[derive(Debug, thiserror::Error)]
pub enum InputFileError {
    #[error("`{path}` is not a regular file (a device, a FIFO or a folder): give a {kind} file")]
    NotARegularFile { path: String, kind: &'static str },
    #[error("`{path}` is {bytes} bytes, over the limit of {limit} bytes for a {kind} file")]
    TooLarge {
        path: String,
        kind: &'static str,
        bytes: u64,
        limit: u64,
    },
}

/// The bytes of the regular file `path` of at most `limit` bytes.
pub fn read_file(path: &Path, kind: &'static str, limit: u64) -> anyhow::Result<Vec<u8>> {
    let shown = path.display().to_string();
    // stat, not open: opening a FIFO would wait for a writer.
    let metadata = std::fs::metadata(path).with_context(|| format!("cannot read `{shown}`"))?;
    if !metadata.is_file() {
        return Err(InputFileError::NotARegularFile { path: shown, kind }.into());
    }
    if metadata.len() > limit {
        return Err(InputFileError::TooLarge {
            path: shown,
            kind,
            bytes: metadata.len(),
            limit,
        }
        .into());
    }
    let file = std::fs::File::open(path).with_context(|| format!("cannot read `{shown}`"))?;
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read `{shown}`"))?;
    if bytes.len() as u64 > limit {
        return Err(InputFileError::TooLarge {
            path: shown,
            kind,
            bytes: bytes.len() as u64,
            limit,
        }
        .into());
    }
    Ok(bytes)
}

/// Reads a data file (`.csv`, `.jsonl`/`.ndjson`, `.parquet`) into a table.
pub fn read_table(path: &Path) -> anyhow::Result<Table> {
    let bytes = read_file(path, "data", MAX_DATA_BYTES)?;
    let table = match extension(path).as_str() {
        "csv" => Table::from_csv(&bytes, &CsvOptions::default()),
        "jsonl" | "ndjson" => Table::from_jsonl(&bytes, &JsonlOptions::default()),
        "parquet" | "pq" => Table::from_parquet(&bytes),
        other => bail!(
            "`{}`: unsupported data format `.{other}` (expected .csv, .jsonl or .parquet)",
            path.display()
        ),
    };
    table.with_context(|| format!("cannot read `{}`", path.display()))
}

/// The lower-cased extension of `path`, or "" when it has none.
pub fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Reads a model file's bytes.
pub fn read_model(path: &Path) -> anyhow::Result<Vec<u8>> {
    read_file(path, "model", MAX_MODEL_BYTES)
        .with_context(|| format!("cannot read the model `{}`", path.display()))
}

/// Reads a fitted pipeline (JSON written by `lockstep fit`); its fingerprint is checked.
pub fn read_pipeline(path: &Path) -> anyhow::Result<FittedPipeline> {
    let bytes = read_file(path, "pipeline", MAX_PIPELINE_BYTES)
        .with_context(|| format!("cannot read the pipeline `{}`", path.display()))?;
    let text = String::from_utf8(bytes)
        .with_context(|| format!("the pipeline `{}` is not UTF-8", path.display()))?;
    FittedPipeline::from_json(&text)
        .with_context(|| format!("`{}` is not a valid fitted pipeline", path.display()))
}
