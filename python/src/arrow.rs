//! Python tables ↔ core's [`Table`] through the Arrow C data interface.
//!
//! In: a pyarrow `Table`/`RecordBatch`/`RecordBatchReader`, or any object with the Arrow
//! PyCapsule interface (`__arrow_c_stream__`, `__arrow_c_array__`: polars, pandas ≥ 2.2,
//! DuckDB results…); a pandas `DataFrame` without it goes through
//! `pyarrow.Table.from_pandas`. Columns map as Parquet columns do in core
//! (`Table::from_record_batches`): int64, float64 without NaN, bool and
//! `dictionary<uint32, utf8>` arrays are shared with Python, not copied, when the table
//! has one chunk; other integer and float widths are widened, plain strings are
//! dictionary-encoded, `NaN` reads as null (as in pandas), other types are a
//! `TableError` naming the column.
//!
//! Out: features as a pyarrow table of `float32` columns (one per feature, in the
//! pipeline's order), or a numpy `(rows, features)` array that views core's row-major
//! buffer without a copy.

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Float32Array, RecordBatch};
use arrow_pyarrow::{FromPyArrow, IntoPyArrow, ToPyArrow};
use arrow_schema::SchemaRef;
use arrow_schema::{DataType as ArrowType, Field, Schema};
use lockstep_core::Table;
use lockstep_core::table::{CsvOptions, default_null_values};
use lockstep_core::transform::FeatureMatrix;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::errors;

/// Reads a Python table into core's table.
pub fn table_from_py(obj: &Bound<'_, PyAny>) -> PyResult<Table> {
    let py = obj.py();
    let (schema, batches) = if obj.hasattr("__arrow_c_stream__")? {
        swap(arrow_pyarrow::Table::from_pyarrow_bound(obj)?.into_inner())
    } else if obj.hasattr("__arrow_c_array__")? {
        let batch = RecordBatch::from_pyarrow_bound(obj)?;
        (batch.schema(), vec![batch])
    } else if is_pandas(obj)? {
        let table = py
            .import("pyarrow")?
            .getattr("Table")?
            .call_method1("from_pandas", (obj,))?;
        swap(arrow_pyarrow::Table::from_pyarrow_bound(&table)?.into_inner())
    } else {
        return Err(PyTypeError::new_err(format!(
            "expected a table (pyarrow.Table, pyarrow.RecordBatch, a pandas or polars DataFrame, \
             or an object with the Arrow PyCapsule interface `__arrow_c_stream__`), got {}",
            obj.get_type().name()?
        )));
    };
    Table::from_record_batches(&schema, &batches).map_err(errors::table)
}

fn swap((batches, schema): (Vec<RecordBatch>, SchemaRef)) -> (SchemaRef, Vec<RecordBatch>) {
    (schema, batches)
}

fn is_pandas(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    let module: String = obj.get_type().getattr("__module__")?.extract()?;
    Ok(module.starts_with("pandas"))
}

/// Core's table as a pyarrow table; every column shares core's buffers (strings stay
/// `dictionary<uint32, utf8>`).
pub fn table_to_py<'py>(py: Python<'py>, table: &Table) -> PyResult<Bound<'py, PyAny>> {
    let arrays: Vec<ArrayRef> = table
        .columns()
        .iter()
        .map(|c| c.data().to_arrow())
        .collect();
    let fields: Vec<Field> = table
        .columns()
        .iter()
        .zip(&arrays)
        .map(|(c, a)| Field::new(c.name(), a.data_type().clone(), true))
        .collect();
    batch_to_table(py, Arc::new(Schema::new(fields)), arrays, table.num_rows())
}

pub fn batch_to_table<'py>(
    py: Python<'py>,
    schema: Arc<Schema>,
    arrays: Vec<ArrayRef>,
    rows: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let options = arrow_array::RecordBatchOptions::new().with_row_count(Some(rows));
    let batch = RecordBatch::try_new_with_options(Arc::clone(&schema), arrays, &options)
        .map_err(errors::table)?;
    arrow_pyarrow::Table::try_new(vec![batch], schema)
        .map_err(errors::table)?
        .into_pyarrow(py)
}

/// The feature matrix as a pyarrow table of `float32` columns named by the pipeline's
/// features (the layout `lockstep transform` writes to Parquet). Row-major → columns is
/// one copy.
pub fn features_to_table<'py>(
    py: Python<'py>,
    matrix: &FeatureMatrix,
) -> PyResult<Bound<'py, PyAny>> {
    let width = matrix.num_features();
    let rows = matrix.num_rows();
    let values = matrix.values();
    let arrays: Vec<ArrayRef> = (0..width)
        .map(|j| {
            let column: Vec<f32> = (0..rows).map(|i| values[i * width + j]).collect();
            Arc::new(Float32Array::from(column)) as ArrayRef
        })
        .collect();
    let fields: Vec<Field> = matrix
        .feature_names()
        .iter()
        .map(|name| Field::new(name, ArrowType::Float32, false))
        .collect();
    batch_to_table(py, Arc::new(Schema::new(fields)), arrays, rows)
}

/// The feature matrix as a numpy `float32` array of shape `(rows, features)`: core's
/// row-major buffer handed to Arrow, then viewed by numpy — no copy.
pub fn features_to_numpy<'py>(
    py: Python<'py>,
    matrix: FeatureMatrix,
) -> PyResult<Bound<'py, PyAny>> {
    let shape = (matrix.num_rows(), matrix.num_features());
    let flat = Float32Array::from(matrix.into_values());
    let array = flat.into_data().to_pyarrow(py)?;
    let kwargs = pyo3::types::PyDict::new(py);
    kwargs.set_item("zero_copy_only", true)?;
    array
        .call_method("to_numpy", (), Some(&kwargs))?
        .call_method1("reshape", (shape,))
}

/// Reads CSV with lockstep-core's reader — the table `lockstep transform --input x.csv`
/// sees (types inferred per column, `null_values` read as null; default pandas' list,
/// or give a pipeline's `null_values`). Returns a pyarrow table.
#[pyfunction]
#[pyo3(signature = (source, null_values = None))]
pub fn read_csv<'py>(
    py: Python<'py>,
    source: &Bound<'py, PyAny>,
    null_values: Option<Vec<String>>,
) -> PyResult<Bound<'py, PyAny>> {
    let bytes: Vec<u8> = if let Ok(b) = source.cast::<PyBytes>() {
        b.as_bytes().to_vec()
    } else {
        let path = py
            .import("os")?
            .call_method1("fspath", (source,))?
            .extract::<String>()?;
        std::fs::read(&path).map_err(|e| {
            pyo3::exceptions::PyOSError::new_err(format!("cannot read `{path}`: {e}"))
        })?
    };
    let options = CsvOptions {
        null_values: null_values.unwrap_or_else(default_null_values),
        ..CsvOptions::default()
    };
    let table = py
        .detach(|| Table::from_csv(&bytes, &options))
        .map_err(errors::table)?;
    table_to_py(py, &table)
}
