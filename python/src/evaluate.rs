//! `lockstep.evaluate`: core's one evaluation orchestration (`report::evaluate_request`,
//! what `lockstep eval` and the page build) on a Python table, and the report exports.

use std::time::Instant;

use lockstep_core::report::{
    self, EvalRequest, ModelSource, Overrides, Settings, SettingsFormat, Source, export,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::model::Model;
use crate::pipeline::Pipeline;
use crate::{arrow, errors};

/// Settings given as TOML or JSON text, or a dict (the JSON form).
fn settings_text(value: &Bound<'_, PyAny>) -> PyResult<(String, SettingsFormat)> {
    if let Ok(text) = value.cast::<PyString>() {
        let text: String = text.extract()?;
        let format = if text.trim_start().starts_with('{') {
            SettingsFormat::Json
        } else {
            SettingsFormat::Toml
        };
        return Ok((text, format));
    }
    if value.is_instance_of::<PyDict>() {
        let text: String = value
            .py()
            .import("json")?
            .call_method1("dumps", (value,))?
            .extract()?;
        return Ok((text, SettingsFormat::Json));
    }
    Err(pyo3::exceptions::PyTypeError::new_err(
        "expected settings as TOML or JSON text, or a dict",
    ))
}

/// The evaluation report of `table` as a dict (the JSON `lockstep eval --format json`
/// writes; schema docs/schema/eval-report.schema.json).
#[pyfunction]
#[pyo3(signature = (
    table, config = None, *, label, pred_col = None, score_col = None, model = None,
    pipeline = None, contract = None, positive_label = None, threshold = None,
    bootstrap = None, seed = None, data_sha256 = None,
))]
#[allow(clippy::too_many_arguments)]
pub fn evaluate<'py>(
    py: Python<'py>,
    table: &Bound<'py, PyAny>,
    config: Option<&Bound<'py, PyAny>>,
    label: String,
    pred_col: Option<String>,
    score_col: Option<String>,
    model: Option<&Model>,
    pipeline: Option<&Pipeline>,
    contract: Option<&Bound<'py, PyAny>>,
    positive_label: Option<String>,
    threshold: Option<f64>,
    bootstrap: Option<u32>,
    seed: Option<u64>,
    data_sha256: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let table = arrow::table_from_py(table)?;
    let config = config.map(settings_text).transpose()?;
    let contract = contract.map(settings_text).transpose()?;
    let source = match (pred_col, score_col, model) {
        (Some(c), None, None) => Source::Column(c),
        (None, Some(c), None) => Source::Score(c),
        (None, None, Some(m)) => Source::Model(ModelSource {
            engine: m.engine.as_ref(),
            class_labels: m.class_labels.as_deref(),
            pipeline: pipeline.map(|p| p.inner.as_ref()),
            bytes: &m.bytes,
        }),
        (None, None, None) => Source::Settings,
        _ => {
            return Err(PyValueError::new_err(
                "give at most one of pred_col, score_col and model",
            ));
        }
    };
    let request = EvalRequest {
        label,
        source,
        settings: config.as_ref().map(|(text, format)| Settings {
            text,
            format: *format,
        }),
        contract: contract.as_ref().map(|(text, format)| Settings {
            text,
            format: *format,
        }),
        overrides: Overrides {
            positive_label,
            threshold,
            bootstrap_replicates: bootstrap,
            seed,
            ..Overrides::default()
        },
        data_sha256,
    };
    let text = py
        .detach(|| {
            let start = Instant::now();
            let clock = || start.elapsed().as_secs_f64() * 1e3;
            let report =
                report::evaluate_request(&table, &request, &clock).map_err(|e| e.to_string())?;
            export::json(&report).map_err(|e| e.to_string())
        })
        .map_err(errors::evaluation)?;
    py.import("json")?.call_method1("loads", (text,))
}

/// An evaluation report (the dict `evaluate` returns) as `json`, `md`, `html` or
/// `junit` text: core's exports, byte for byte what `lockstep eval --format` prints.
#[pyfunction]
pub fn export_report(py: Python<'_>, report: &Bound<'_, PyAny>, format: &str) -> PyResult<String> {
    let text: String = py
        .import("json")?
        .call_method1("dumps", (report,))?
        .extract()?;
    let report = export::from_json(&text).map_err(errors::evaluation)?;
    match format {
        "json" => export::json(&report).map_err(errors::evaluation),
        "md" | "markdown" => Ok(export::markdown(&report)),
        "html" => Ok(export::html(&report)),
        "junit" => Ok(export::junit(&report)),
        other => Err(PyValueError::new_err(format!(
            "unknown report format `{other}` (json, md, html, junit)"
        ))),
    }
}
