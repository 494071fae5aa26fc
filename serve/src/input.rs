//! Reading input files into `lockstep-core` tables and models, by extension.

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

/// Reads a data file (`.csv`, `.jsonl`/`.ndjson`, `.parquet`) into a table; the strings
/// in `null_values` are read as null in CSV and JSON Lines (Parquet carries its own
/// nulls).
pub fn read_table(path: &Path, null_values: &[String]) -> anyhow::Result<Table> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let table = match extension(path).as_str() {
        "csv" => Table::from_csv(
            &bytes,
            &CsvOptions {
                null_values: null_values.to_vec(),
                ..CsvOptions::default()
            },
        ),
        "jsonl" | "ndjson" => Table::from_jsonl(
            &bytes,
            &JsonlOptions {
                null_values: null_values.to_vec(),
                ..JsonlOptions::default()
            },
        ),
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
