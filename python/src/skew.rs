//! `lockstep.skew`: core's skew replay (`skew::Replayer`) on prediction logs — whole
//! files like `lockstep skew`, or one Arrow record batch at a time with mergeable
//! [`Findings`], so a distributed engine (Spark's `mapInArrow`, Ray Data's
//! `map_batches`) can run the per-row work and a driver merge and report.
//!
//! Core's `Findings<'p>` borrow the pipeline, the engine and the training profile they
//! were computed with. A Python object cannot hold such a borrow, so each distinct set
//! of artefacts (pipeline, model, training profile, settings) is kept once for the life
//! of the process ([`artefacts`]: a process-wide list, looked up by equality) and the
//! findings borrow that. A worker replaying thousands of batches of the same artefacts
//! keeps one copy.

use std::sync::{Arc, Mutex, OnceLock};

use arrow_array::RecordBatch;
use arrow_pyarrow::FromPyArrow;
use lockstep_core::engine::Engine;
use lockstep_core::onnx::ParallelModel;
use lockstep_core::skew::{self, LogBatch, SkewConfig, SkewReport, TrainingProfile};
use lockstep_core::transform::FittedPipeline;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::model::Model;
use crate::pipeline::Pipeline;
use crate::{arrow, errors};

/// What a replay needs, kept for the life of the process.
struct Artefacts {
    pipeline: Arc<FittedPipeline>,
    engine: Arc<ParallelModel>,
    model_fingerprint: String,
    profile: Option<TrainingProfile>,
    config: SkewConfig,
}

impl Artefacts {
    fn replayer(&'static self) -> skew::Replayer<'static> {
        let engine: &'static dyn Engine = self.engine.as_ref();
        skew::Replayer {
            pipeline: self.pipeline.as_ref(),
            model_fingerprint: self.model_fingerprint.clone(),
            engines: vec![engine],
            tolerance: self.config.tolerance,
            thresholds: self.config.thresholds.clone(),
            profile: self.profile.as_ref(),
            offline: None,
        }
    }

    fn same(&self, other: &Artefacts) -> bool {
        self.pipeline.fingerprint() == other.pipeline.fingerprint()
            && self.model_fingerprint == other.model_fingerprint
            && self.profile == other.profile
            && self.config == other.config
    }
}

/// The artefacts equal to `wanted`, kept once per process.
fn artefacts(wanted: Artefacts) -> &'static Artefacts {
    static KEPT: OnceLock<Mutex<Vec<&'static Artefacts>>> = OnceLock::new();
    let mut kept = KEPT
        .get_or_init(|| Mutex::new(Vec::new()))
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(found) = kept.iter().find(|a| a.same(&wanted)) {
        return found;
    }
    let leaked: &'static Artefacts = Box::leak(Box::new(wanted));
    kept.push(leaked);
    leaked
}

/// Replays prediction logs through a pipeline and a model (core's engine), as
/// `lockstep skew --no-ort` does.
#[pyclass(module = "lockstep._lockstep", frozen)]
pub struct Replayer {
    artefacts: &'static Artefacts,
}

/// What replaying some log batches found; merge them in log order, then `report()`.
#[pyclass(module = "lockstep._lockstep")]
pub struct Findings {
    artefacts: &'static Artefacts,
    inner: Option<skew::Findings<'static>>,
}

#[pymethods]
impl Replayer {
    /// `train` (a table) turns on the distribution checks; `config` is `skew.toml`'s text.
    #[new]
    #[pyo3(signature = (pipeline, model, train = None, config = None))]
    fn new(
        py: Python<'_>,
        pipeline: &Pipeline,
        model: &Model,
        train: Option<&Bound<'_, PyAny>>,
        config: Option<&str>,
    ) -> PyResult<Self> {
        let config = config
            .map(SkewConfig::from_toml)
            .transpose()
            .map_err(errors::skew)?
            .unwrap_or_default();
        let train = train.map(arrow::table_from_py).transpose()?;
        let profile = py.detach(|| train.as_ref().map(TrainingProfile::new));
        Ok(Self {
            artefacts: artefacts(Artefacts {
                pipeline: Arc::clone(&pipeline.inner),
                engine: Arc::clone(&model.engine),
                model_fingerprint: model.fingerprint.clone(),
                profile,
                config,
            }),
        })
    }

    /// Replays one batch of log records (a pyarrow RecordBatch or Table in the Parquet
    /// log layout of docs/skew-ci.md); `source` names it in errors, `first_row` is its
    /// first record's 1-based row in that source.
    #[pyo3(signature = (batch, source = "batch", first_row = 1))]
    fn replay_batch(
        &self,
        py: Python<'_>,
        batch: &Bound<'_, PyAny>,
        source: &str,
        first_row: u64,
    ) -> PyResult<Findings> {
        let batches = record_batches(batch)?;
        let artefacts = self.artefacts;
        let schema = artefacts.pipeline.input_schema();
        let inner = py
            .detach(|| {
                let replayer = artefacts.replayer();
                let mut total: Option<skew::Findings<'static>> = None;
                let mut row = first_row;
                for batch in &batches {
                    let rows = batch.num_rows() as u64;
                    let log = LogBatch::from_arrow(batch, source, row, schema)
                        .map_err(|e| e.to_string())?;
                    row += rows;
                    if log.num_rows() == 0 {
                        continue;
                    }
                    let found = replayer.replay(&log).map_err(|e| e.to_string())?;
                    match &mut total {
                        Some(t) => t.merge(found),
                        None => total = Some(found),
                    }
                }
                Ok::<_, String>(total)
            })
            .map_err(errors::skew)?;
        Ok(Findings { artefacts, inner })
    }

    /// Findings sent as bytes by `Findings.to_bytes()` — from another process or machine
    /// that replayed with the same pipeline, model, training data and settings (else
    /// `SkewError` naming what differs; a version this build does not read, too). `b""`
    /// is the empty findings of a partition with no rows.
    fn findings_from_bytes(&self, py: Python<'_>, data: &[u8]) -> PyResult<Findings> {
        let artefacts = self.artefacts;
        let inner = if data.is_empty() {
            None
        } else {
            Some(
                py.detach(|| artefacts.replayer().findings_from_bytes(data))
                    .map_err(errors::skew)?,
            )
        };
        Ok(Findings { artefacts, inner })
    }

    /// Replays whole log files (JSON Lines or Parquet, by extension) in this process and
    /// returns the report as a dict — `lockstep skew --no-ort --format json` on them.
    #[pyo3(signature = (paths, batch_rows = 8192))]
    fn replay_files<'py>(
        &self,
        py: Python<'py>,
        paths: Vec<String>,
        batch_rows: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let files = paths
            .iter()
            .map(|p| {
                std::fs::read(p).map(|b| (p.clone(), b)).map_err(|e| {
                    pyo3::exceptions::PyOSError::new_err(format!("cannot read `{p}`: {e}"))
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        let artefacts = self.artefacts;
        let report = py
            .detach(|| {
                let refs: Vec<(String, &[u8])> = files
                    .iter()
                    .map(|(n, b)| (n.clone(), b.as_slice()))
                    .collect();
                artefacts
                    .replayer()
                    .replay_log_files(&refs, batch_rows)
                    .map_err(|e| e.to_string())
            })
            .map_err(errors::skew)?;
        report_to_py(py, &report, "dict")
    }
}

fn record_batches(batch: &Bound<'_, PyAny>) -> PyResult<Vec<RecordBatch>> {
    if batch.hasattr("__arrow_c_stream__")? {
        let (batches, _) = arrow_pyarrow::Table::from_pyarrow_bound(batch)?.into_inner();
        Ok(batches)
    } else {
        Ok(vec![RecordBatch::from_pyarrow_bound(batch)?])
    }
}

fn report_to_py<'py>(
    py: Python<'py>,
    report: &SkewReport,
    format: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let json = || {
        serde_json::to_string_pretty(report)
            .map(|t| t + "\n")
            .map_err(errors::skew)
    };
    Ok(match format {
        "dict" => py.import("json")?.call_method1("loads", (json()?,))?,
        "json" => json()?.into_pyobject(py)?.into_any(),
        "text" => report.text().into_pyobject(py)?.into_any(),
        "md" | "markdown" => report.markdown().into_pyobject(py)?.into_any(),
        "junit" => report.junit().into_pyobject(py)?.into_any(),
        other => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "unknown report format `{other}` (dict, json, text, md, junit)"
            )));
        }
    })
}

#[pymethods]
impl Findings {
    /// Adds the findings of the batches that follow these in the log (consumes `other`).
    fn merge(&mut self, other: &mut Findings) -> PyResult<()> {
        if !std::ptr::eq(self.artefacts, other.artefacts) {
            return Err(errors::skew(
                "these findings come from replays of different pipelines, models, training data or settings",
            ));
        }
        match (&mut self.inner, other.inner.take()) {
            (Some(mine), Some(theirs)) => mine.merge(theirs),
            (mine @ None, theirs) => *mine = theirs,
            (Some(_), None) => {}
        }
        Ok(())
    }

    /// These findings as bytes (versioned; see docs/skew-ci.md), to send to the process
    /// that merges them: `Replayer.findings_from_bytes` there reads them back. Empty
    /// findings (no rows) are `b""`.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let bytes = self
            .inner
            .as_ref()
            .map(|f| self.artefacts.replayer().findings_to_bytes(f))
            .unwrap_or_default();
        PyBytes::new(py, &bytes)
    }

    /// Rows replayed.
    #[getter]
    fn rows(&self) -> u64 {
        self.inner.as_ref().map_or(0, skew::Findings::rows)
    }

    /// The skew report: `dict` (the JSON report's fields), `json`, `text`, `md` or
    /// `junit` — what `lockstep skew --format` prints; `files` fills its header.
    #[pyo3(signature = (files = Vec::new(), format = "dict"))]
    fn report<'py>(
        &self,
        py: Python<'py>,
        files: Vec<String>,
        format: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let report = self
            .artefacts
            .replayer()
            .report(self.inner.clone(), files)
            .map_err(errors::skew)?;
        report_to_py(py, &report, format)
    }

    fn __repr__(&self) -> String {
        format!("Findings(rows={})", self.rows())
    }
}
