//! Reading input files into `lockstep-core` tables and models, by extension.

use std::path::Path;

use anyhow::{Context, bail};
use lockstep_core::table::{CsvOptions, JsonlOptions, Table};
use lockstep_core::transform::FittedPipeline;

/// Reads a data file (`.csv`, `.jsonl`/`.ndjson`, `.parquet`) into a table.
pub fn read_table(path: &Path) -> anyhow::Result<Table> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))?;
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
    std::fs::read(path).with_context(|| format!("cannot read the model `{}`", path.display()))
}

/// Reads a fitted pipeline (JSON written by `lockstep fit`); its fingerprint is checked.
pub fn read_pipeline(path: &Path) -> anyhow::Result<FittedPipeline> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the pipeline `{}`", path.display()))?;
    FittedPipeline::from_json(&text)
        .with_context(|| format!("`{}` is not a valid fitted pipeline", path.display()))
}
