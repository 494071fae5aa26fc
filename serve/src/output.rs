//! Writing feature matrices and predictions to CSV or Parquet, by extension.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use arrow_array::{ArrayRef, Float32Array, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use lockstep_core::predict::{OutputColumns, OutputValues};
use lockstep_core::transform::FeatureMatrix;

use crate::input::extension;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
}

/// The format for `path`, or an error naming what is accepted.
pub fn format_of(path: &Path) -> anyhow::Result<Format> {
    match extension(path).as_str() {
        "csv" => Ok(Format::Csv),
        "parquet" | "pq" => Ok(Format::Parquet),
        other => bail!(
            "`{}`: unsupported output format `.{other}` (expected .csv or .parquet)",
            path.display()
        ),
    }
}

/// A feature matrix as named f32 columns.
pub fn feature_columns(matrix: &FeatureMatrix) -> OutputColumns {
    let width = matrix.num_features();
    let columns = matrix
        .feature_names()
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let values = matrix
                .values()
                .iter()
                .skip(j)
                .step_by(width.max(1))
                .copied()
                .collect();
            (name.clone(), OutputValues::F32(values))
        })
        .collect();
    OutputColumns {
        rows: matrix.num_rows(),
        columns,
    }
}

/// Writes `columns` to `path` as CSV or Parquet (by extension).
pub fn write_columns(path: &Path, columns: &OutputColumns) -> anyhow::Result<()> {
    let bytes = match format_of(path)? {
        Format::Csv => columns.to_csv(),
        Format::Parquet => parquet_bytes(columns)?,
    };
    std::fs::write(path, bytes).with_context(|| format!("cannot write `{}`", path.display()))
}

fn parquet_bytes(columns: &OutputColumns) -> anyhow::Result<Vec<u8>> {
    let mut fields = Vec::with_capacity(columns.columns.len());
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(columns.columns.len());
    for (name, values) in &columns.columns {
        let (data_type, array): (DataType, ArrayRef) = match values {
            OutputValues::F32(v) => (DataType::Float32, Arc::new(Float32Array::from(v.clone()))),
            OutputValues::F64(v) => (DataType::Float64, Arc::new(Float64Array::from(v.clone()))),
            OutputValues::I64(v) => (DataType::Int64, Arc::new(Int64Array::from(v.clone()))),
            OutputValues::Str(v) => (DataType::Utf8, Arc::new(StringArray::from(v.clone()))),
        };
        fields.push(Field::new(name, data_type, false));
        arrays.push(array);
    }
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
        .context("cannot build the Arrow batch")?;
    let mut out = Vec::new();
    let mut writer = parquet::arrow::ArrowWriter::try_new(&mut out, batch.schema(), None)
        .context("cannot start the Parquet writer")?;
    writer.write(&batch).context("cannot write Parquet")?;
    writer.close().context("cannot finish the Parquet file")?;
    Ok(out)
}
