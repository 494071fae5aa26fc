//! Reading input files into `lockstep-core` tables, by extension.

use std::path::Path;

use anyhow::{Context, bail};
use lockstep_core::table::{CsvOptions, Table};

/// Reads a data file (`.csv`; `.jsonl` and `.parquet` once the readers land) into a table.
pub fn read_table(path: &Path) -> anyhow::Result<Table> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let table = match extension(path).as_str() {
        "csv" => Table::from_csv(&bytes, &CsvOptions::default()),
        other => bail!(
            "`{}`: unsupported data format `.{other}` (expected .csv)",
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
