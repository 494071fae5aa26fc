//! `lockstep.Pipeline`: a fitted feature pipeline (core's `FittedPipeline`).

use std::sync::Arc;

use lockstep_core::transform::{self, FittedPipeline, PipelineSpec};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use crate::{arrow, errors};

/// A fitted feature pipeline: the exact transforms `lockstep transform`, `lockstep
/// serve` and the browser run.
#[pyclass(module = "lockstep._lockstep", frozen, eq)]
pub struct Pipeline {
    pub inner: Arc<FittedPipeline>,
}

impl PartialEq for Pipeline {
    fn eq(&self, other: &Self) -> bool {
        self.inner.fingerprint() == other.inner.fingerprint()
    }
}

/// A spec given as TOML or JSON text, or as a dict (the JSON form).
fn parse_spec(spec: &Bound<'_, PyAny>) -> PyResult<PipelineSpec> {
    if let Ok(text) = spec.cast::<PyString>() {
        let text: String = text.extract()?;
        let text = text.as_str();
        return if text.trim_start().starts_with('{') {
            PipelineSpec::from_json(text)
        } else {
            PipelineSpec::from_toml(text)
        }
        .map_err(errors::transform);
    }
    if spec.is_instance_of::<PyDict>() {
        let text: String = spec
            .py()
            .import("json")?
            .call_method1("dumps", (spec,))?
            .extract()?;
        return PipelineSpec::from_json(&text).map_err(errors::transform);
    }
    Err(pyo3::exceptions::PyTypeError::new_err(format!(
        "expected a pipeline spec as TOML or JSON text or a dict, got {}",
        spec.get_type().name()?
    )))
}

#[pymethods]
impl Pipeline {
    /// Fits `spec` (TOML or JSON text, or a dict) on the training `table`.
    #[staticmethod]
    fn fit(py: Python<'_>, spec: &Bound<'_, PyAny>, table: &Bound<'_, PyAny>) -> PyResult<Self> {
        let spec = parse_spec(spec)?;
        let table = arrow::table_from_py(table)?;
        let fitted = py
            .detach(|| transform::fit(&spec, &table))
            .map_err(errors::transform)?;
        Ok(Self {
            inner: Arc::new(fitted),
        })
    }

    /// A pipeline from the JSON `lockstep fit` writes (its fingerprint is checked).
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        FittedPipeline::from_json(text)
            .map(|p| Self { inner: Arc::new(p) })
            .map_err(errors::transform)
    }

    /// The JSON `lockstep fit` writes.
    fn to_json(&self) -> PyResult<String> {
        self.inner.to_json().map_err(errors::transform)
    }

    /// The features of `table` as a pyarrow table of float32 columns.
    fn transform<'py>(
        &self,
        py: Python<'py>,
        table: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let table = arrow::table_from_py(table)?;
        let matrix = py
            .detach(|| transform::apply(&self.inner, &table))
            .map_err(errors::transform)?;
        arrow::features_to_table(py, &matrix)
    }

    /// The features of `table` as a numpy float32 array of shape (rows, features).
    fn transform_numpy<'py>(
        &self,
        py: Python<'py>,
        table: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let table = arrow::table_from_py(table)?;
        let matrix = py
            .detach(|| transform::apply(&self.inner, &table))
            .map_err(errors::transform)?;
        arrow::features_to_numpy(py, matrix)
    }

    /// Where `transform_numpy`'s time goes, in seconds: (Arrow → core's table, core's
    /// `transform::apply`, features → numpy). For the benchmark
    /// (scripts/bench/python_transform.sh): the first and last are the binding's cost.
    fn _transform_timings(
        &self,
        py: Python<'_>,
        table: &Bound<'_, PyAny>,
    ) -> PyResult<(f64, f64, f64)> {
        let start = std::time::Instant::now();
        let table = arrow::table_from_py(table)?;
        let converted = start.elapsed().as_secs_f64();
        let start = std::time::Instant::now();
        let matrix = py
            .detach(|| transform::apply(&self.inner, &table))
            .map_err(errors::transform)?;
        let applied = start.elapsed().as_secs_f64();
        let start = std::time::Instant::now();
        let array = arrow::features_to_numpy(py, matrix)?;
        let out = start.elapsed().as_secs_f64();
        drop(array);
        Ok((converted, applied, out))
    }

    /// Per encoded column, the rows of `table` whose category training never saw:
    /// a list of (column, rows, distinct, examples).
    fn unseen_categories<'py>(
        &self,
        py: Python<'py>,
        table: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let table = arrow::table_from_py(table)?;
        let matrix = py
            .detach(|| transform::apply(&self.inner, &table))
            .map_err(errors::transform)?;
        let items: Vec<Bound<'py, PyTuple>> = matrix
            .oov()
            .iter()
            .map(|o| (o.column.as_str(), o.rows, o.distinct, o.examples.clone()).into_pyobject(py))
            .collect::<PyResult<_>>()?;
        PyList::new(py, items)
    }

    /// The canonical sha256 of the fitted pipeline (the one in reports and logs).
    #[getter]
    fn fingerprint(&self) -> &str {
        self.inner.fingerprint()
    }

    /// The output feature names, in column order.
    #[getter]
    fn feature_names(&self) -> Vec<String> {
        self.inner.feature_names().to_vec()
    }

    /// The raw input columns the pipeline reads.
    #[getter]
    fn input_columns(&self) -> Vec<String> {
        self.inner
            .input_schema()
            .iter()
            .map(|c| c.name.clone())
            .collect()
    }

    /// The raw strings read as null in every source (recorded at fit).
    #[getter]
    fn null_values(&self) -> Vec<String> {
        self.inner.null_values()
    }

    fn __repr__(&self) -> String {
        format!(
            "Pipeline(fingerprint='{}', inputs={}, features={})",
            self.inner.fingerprint(),
            self.inner.input_schema().len(),
            self.inner.feature_names().len()
        )
    }

    fn __hash__(&self) -> u64 {
        let hex = self.inner.fingerprint();
        u64::from_str_radix(hex.get(..16).unwrap_or("0"), 16).unwrap_or(0)
    }

    /// Pickles as its JSON (Spark, Ray and joblib ship pipelines to workers this way).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let from_json = slf.get_type().getattr("from_json")?;
        let json = slf.get().to_json()?;
        (from_json, (json,)).into_pyobject(py)
    }
}
