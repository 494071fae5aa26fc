//! The served model: the fitted pipeline, the engine that runs the model and their
//! fingerprints. [`ServedModel::predict`] is the whole path — raw table →
//! `lockstep-core` transforms (the code the browser and `lockstep transform` run) → the
//! engine (`lockstep serve` loads ONNX Runtime's pool of sessions, [`OrtEngine`]; any
//! `lockstep_core::engine::Engine` serves).

use std::time::{Duration, Instant};

use lockstep_core::engine::{Engine, EngineError};
use lockstep_core::onnx::{Tensor, TensorData};
use lockstep_core::table::Table;
use lockstep_core::transform::{self, FeatureMatrix, FittedPipeline, fingerprint};
use serde_json::{Value, json};

use super::error::AppError;
use crate::ort_engine::{OrtEngine, OrtError};

/// What one output looks like (read from the warm-up run).
#[derive(Debug, Clone)]
pub struct OutputInfo {
    pub name: String,
    pub datatype: &'static str,
    /// Dimensions after the batch one.
    pub row_shape: Vec<usize>,
}

/// Why a model cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum ServeModelError {
    #[error(transparent)]
    OnnxRuntime(#[from] OrtError),
    #[error("the model must take one input (the feature matrix), but it takes {}", inputs.join(", "))]
    Inputs { inputs: Vec<String> },
    #[error("the {engine} engine failed on a row of zeros (the warm-up run): {source}")]
    WarmUp { engine: String, source: EngineError },
}

/// A model being served: its name, pipeline, fingerprint and the engine that runs it.
pub struct ServedModel {
    pub name: String,
    pub pipeline: FittedPipeline,
    pub model_fingerprint: String,
    pub outputs: Vec<OutputInfo>,
    input: String,
    engine: Box<dyn Engine>,
    /// The fastest of the warm-up runs of one row (after the first).
    one_row: Duration,
}

/// A request of at most this many rows runs on the server's async worker itself when
/// the model runs a row within [`INLINE_BUDGET`]: handing it to the blocking pool and
/// back costs more than such a run (issue 19: 1-row throughput). Larger requests, and
/// slower models, go to the blocking pool and never hold up the connections.
pub const INLINE_MAX_ROWS: usize = 16;

/// The longest warm one-row run (the engine's) that still runs inline.
pub const INLINE_BUDGET: Duration = Duration::from_micros(50);

/// Timed one-row runs after the warm-up ones.
const TIMED_RUNS: usize = 3;

/// One request's result.
pub struct Prediction {
    pub features: FeatureMatrix,
    pub outputs: Vec<(String, Tensor)>,
}

impl ServedModel {
    /// Serves `model_bytes` with ONNX Runtime: a pool of `sessions` sessions (one
    /// intra-op thread each), each warmed up with a zero feature row.
    pub fn load(
        name: String,
        pipeline: FittedPipeline,
        model_bytes: &[u8],
        sessions: usize,
    ) -> Result<Self, ServeModelError> {
        let engine = OrtEngine::pool(model_bytes, sessions, 1)?;
        let warm_ups = engine.sessions();
        Self::new(
            name,
            pipeline,
            fingerprint::sha256_hex(model_bytes),
            Box::new(engine),
            warm_ups,
        )
    }

    /// Serves the model that `engine` runs (its fingerprint: the sha256 of its bytes).
    /// The model must take one input, the pipeline's feature matrix; a zero feature row
    /// runs `warm_ups` times (at least once, to read the outputs' types and shapes).
    pub fn new(
        name: String,
        pipeline: FittedPipeline,
        model_fingerprint: String,
        engine: Box<dyn Engine>,
        warm_ups: usize,
    ) -> Result<Self, ServeModelError> {
        let input = match engine.inputs() {
            [one] => one.name.clone(),
            other => {
                return Err(ServeModelError::Inputs {
                    inputs: other.iter().map(|i| i.name.clone()).collect(),
                });
            }
        };
        let warm_up_error = |source| ServeModelError::WarmUp {
            engine: engine.name().to_owned(),
            source,
        };
        let width = pipeline.feature_names().len();
        let zeros = Tensor::f32(vec![1, width], vec![0.0; width])
            .map_err(|e| warm_up_error(EngineError::from(e)))?;
        let mut outputs = Vec::new();
        let mut one_row = Duration::MAX;
        for run in 0..warm_ups.max(1) + TIMED_RUNS {
            let start = Instant::now();
            let ran = engine
                .run(&[(input.as_str(), &zeros)])
                .map_err(warm_up_error)?;
            if run >= warm_ups.max(1) {
                one_row = one_row.min(start.elapsed());
            }
            outputs = ran
                .iter()
                .map(|(name, t)| OutputInfo {
                    name: name.clone(),
                    datatype: datatype(t),
                    row_shape: t.shape().iter().skip(1).copied().collect(),
                })
                .collect();
        }
        Ok(Self {
            name,
            pipeline,
            model_fingerprint,
            outputs,
            input,
            engine,
            one_row,
        })
    }

    /// Whether a request of `rows` rows may run inline ([`INLINE_MAX_ROWS`], through
    /// [`ServedModel::try_predict`]).
    pub fn runs_inline(&self, rows: usize) -> bool {
        rows <= INLINE_MAX_ROWS && self.one_row <= INLINE_BUDGET
    }

    /// The name of the engine that runs the model (`onnxruntime`, `core`).
    pub fn engine_name(&self) -> &str {
        self.engine.name()
    }

    /// Transforms `table` and runs the model (blocking: call from `spawn_blocking`).
    pub fn predict(&self, table: &Table, request_id: &str) -> Result<Prediction, AppError> {
        let (features, matrix) = self.features(table, request_id)?;
        let outputs = self.engine.run(&[(self.input.as_str(), &matrix)]);
        self.prediction(features, outputs, request_id)
    }

    /// [`ServedModel::predict`] only if the engine can start at once (`Engine::try_run`):
    /// `None` when it would wait (every ONNX Runtime session busy), and the caller runs
    /// the request on the blocking pool instead.
    pub fn try_predict(
        &self,
        table: &Table,
        request_id: &str,
    ) -> Option<Result<Prediction, AppError>> {
        let (features, matrix) = match self.features(table, request_id) {
            Ok(f) => f,
            Err(e) => return Some(Err(e)),
        };
        let outputs = self.engine.try_run(&[(self.input.as_str(), &matrix)])?;
        Some(self.prediction(features, outputs, request_id))
    }

    /// The transformed features and the model's input matrix.
    fn features(
        &self,
        table: &Table,
        request_id: &str,
    ) -> Result<(FeatureMatrix, Tensor), AppError> {
        let features = transform::apply(&self.pipeline, table)
            .map_err(|e| AppError::BadRequest(e.to_string()))?;
        let matrix = Tensor::f32(
            vec![features.num_rows(), features.num_features()],
            features.values().to_vec(),
        )
        .map_err(|e| AppError::Internal {
            request_id: request_id.to_owned(),
            detail: e.to_string(),
        })?;
        Ok((features, matrix))
    }

    fn prediction(
        &self,
        features: FeatureMatrix,
        outputs: Result<Vec<(String, Tensor)>, EngineError>,
        request_id: &str,
    ) -> Result<Prediction, AppError> {
        let outputs = outputs.map_err(|e| AppError::Internal {
            request_id: request_id.to_owned(),
            detail: format!("the {} engine failed: {e}", self.engine.name()),
        })?;
        Ok(Prediction { features, outputs })
    }
}

/// The OIP datatype of a tensor.
pub fn datatype(tensor: &Tensor) -> &'static str {
    match tensor.data() {
        TensorData::F32(_) => "FP32",
        TensorData::F64(_) => "FP64",
        TensorData::I64(_) => "INT64",
        TensorData::Str(_) => "BYTES",
    }
}

/// The tensor's values, flat, as JSON.
pub fn flat_json(tensor: &Tensor) -> Value {
    values_json(tensor.data(), 0, tensor.len())
}

fn values_json(data: &TensorData, start: usize, end: usize) -> Value {
    let range = start..end;
    match data {
        TensorData::F32(v) => json!(
            v.get(range)
                .unwrap_or_default()
                .iter()
                .map(|&x| f64::from(x))
                .collect::<Vec<_>>()
        ),
        TensorData::F64(v) => json!(v.get(range).unwrap_or_default()),
        TensorData::I64(v) => json!(v.get(range).unwrap_or_default()),
        TensorData::Str(v) => json!(v.get(range).unwrap_or_default()),
    }
}

/// Row `row` of an output with `rows` rows: a scalar for `[rows]` or `[rows, 1]`,
/// else the row's values, flat.
pub fn row_json(tensor: &Tensor, rows: usize, row: usize) -> Value {
    let per_row = tensor.len().checked_div(rows).unwrap_or(0);
    let value = values_json(tensor.data(), row * per_row, (row + 1) * per_row);
    match value {
        Value::Array(mut items) if per_row == 1 && tensor.shape().len() <= 2 => {
            items.pop().unwrap_or(Value::Null)
        }
        other => other,
    }
}
