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
use lockstep_core::table::{CsvOptions, JsonlOptions, Table, default_null_values};
use lockstep_core::transform::FittedPipeline;

/// The raw strings read as null, given on the command line (`--null-values`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct NullValuesArg {
    /// The raw strings read as null in the data, comma-separated (e.g. `--null-values
    /// ',NULL'` keeps `NA` as a category). Default: the pipeline's own list (recorded
    /// at `lockstep fit`), else pandas' (`""`, `NA`, `NULL`, `NaN`, `None`, `null`, …).
    #[arg(long, value_delimiter = ',', num_args = 0..)]
    pub null_values: Option<Vec<String>>,
}

impl NullValuesArg {
    /// Reads the optional fitted pipeline at `pipeline`, then the data file `data` with
    /// the null values [`NullValuesArg::resolve`] picks.
    pub fn read(
        &self,
        data: &Path,
        pipeline: Option<&Path>,
    ) -> anyhow::Result<(Option<FittedPipeline>, Table)> {
        let pipeline = pipeline.map(read_pipeline).transpose()?;
        let null_values = self.resolve(pipeline.as_ref())?;
        Ok((pipeline, read_table(data, &null_values)?))
    }

    /// The list to read data with: the flag's, else the pipeline's, else pandas'. A
    /// flag that contradicts the pipeline is refused: the data would then be read
    /// differently from the way the pipeline's training data was.
    pub fn resolve(&self, pipeline: Option<&FittedPipeline>) -> anyhow::Result<Vec<String>> {
        match (&self.null_values, pipeline) {
            (Some(given), Some(p)) if *given != p.null_values() => bail!(
                "--null-values {given:?} differs from the pipeline's null values {:?} \
                 (recorded at fit): raw values would not mean what they meant in training",
                p.null_values()
            ),
            (Some(given), _) => Ok(given.clone()),
            (None, Some(p)) => Ok(p.null_values()),
            (None, None) => Ok(default_null_values()),
        }
    }
}

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

/// Reads a data file (`.csv`, `.jsonl`/`.ndjson`, `.parquet`) into a table; the strings
/// in `null_values` are read as null in CSV and JSON Lines (Parquet carries its own
/// nulls).
pub fn read_table(path: &Path, null_values: &[String]) -> anyhow::Result<Table> {
    let bytes = read_file(path, "data", MAX_DATA_BYTES)?;
    table_from_bytes(path, &bytes, null_values)
}

/// Parses the bytes of the data file `path` (its extension names the format).
pub fn table_from_bytes(
    path: &Path,
    bytes: &[u8],
    null_values: &[String],
) -> anyhow::Result<Table> {
    let table = match extension(path).as_str() {
        "csv" => Table::from_csv(
            bytes,
            &CsvOptions {
                null_values: null_values.to_vec(),
                ..CsvOptions::default()
            },
        ),
        "jsonl" | "ndjson" => Table::from_jsonl(
            bytes,
            &JsonlOptions {
                null_values: null_values.to_vec(),
                ..JsonlOptions::default()
            },
        ),
        "parquet" | "pq" => Table::from_parquet(bytes),
        "arrow" | "feather" | "arrows" | "ipc" => Table::from_arrow_ipc(bytes),
        other => bail!(
            "`{}`: unsupported data format `.{other}` (expected .csv, .jsonl, .parquet or \
             Arrow IPC: .arrow, .feather, .arrows)",
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
