//! The served model: the fitted pipeline, a pool of ONNX Runtime sessions and their
//! fingerprints. [`Served::predict`] is the whole path — raw table → `lockstep-core`
//! transforms (the code the browser and `lockstep transform` run) → ONNX Runtime.

use std::sync::atomic::{AtomicUsize, Ordering};

use lockstep_core::onnx::{Tensor, TensorData};
use lockstep_core::table::{ColumnData, Table, ValueAt};
use lockstep_core::transform::{self, FeatureMatrix, FittedPipeline, fingerprint};
use serde_json::{Value, json};

use super::error::AppError;
use crate::ort_engine::{OrtError, OrtModel};

/// What one output looks like (read from the warm-up run).
#[derive(Debug, Clone)]
pub struct OutputInfo {
    pub name: String,
    pub datatype: &'static str,
    /// Dimensions after the batch one.
    pub row_shape: Vec<usize>,
}

pub struct Served {
    pub name: String,
    pub pipeline: FittedPipeline,
    pub model_fingerprint: String,
    pub outputs: Vec<OutputInfo>,
    input: String,
    pool: Vec<OrtModel>,
    next: AtomicUsize,
}

/// One request's result.
pub struct Prediction {
    pub features: FeatureMatrix,
    pub outputs: Vec<(String, Tensor)>,
}

impl Served {
    /// Loads `sessions` ONNX Runtime sessions (one intra-op thread each) and warms each
    /// up with a zero feature row.
    pub fn load(
        name: String,
        pipeline: FittedPipeline,
        model_bytes: &[u8],
        sessions: usize,
    ) -> Result<Self, OrtError> {
        let pool = (0..sessions.max(1))
            .map(|_| OrtModel::from_bytes(model_bytes, 1))
            .collect::<Result<Vec<_>, _>>()?;
        let input = match pool.first().map(OrtModel::input_names) {
            Some([one]) => one.clone(),
            other => {
                return Err(OrtError::Session(format!(
                    "the model must take one input (the feature matrix), but it takes {:?}",
                    other.unwrap_or_default()
                )));
            }
        };
        let width = pipeline.feature_names().len();
        let zeros = Tensor::f32(vec![1, width], vec![0.0; width])
            .map_err(|e| OrtError::Session(e.to_string()))?;
        let mut outputs = Vec::new();
        for session in &pool {
            outputs = session
                .run(&[(input.as_str(), &zeros)])?
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
            model_fingerprint: fingerprint::sha256_hex(model_bytes),
            outputs,
            input,
            pool,
            next: AtomicUsize::new(0),
        })
    }

    /// Transforms `table` and runs the model (blocking: call from `spawn_blocking`).
    pub fn predict(&self, table: &Table, request_id: &str) -> Result<Prediction, AppError> {
        let features = transform::apply(&self.pipeline, table)
            .map_err(|e| AppError::BadRequest(e.to_string()))?;
        let internal = |detail: String| AppError::Internal {
            request_id: request_id.to_owned(),
            detail,
        };
        let matrix = Tensor::f32(
            vec![features.num_rows(), features.num_features()],
            features.values().to_vec(),
        )
        .map_err(|e| internal(e.to_string()))?;
        let index = self.next.fetch_add(1, Ordering::Relaxed) % self.pool.len();
        let session = self
            .pool
            .get(index)
            .ok_or_else(|| internal("empty session pool".into()))?;
        let outputs = session
            .run(&[(self.input.as_str(), &matrix)])
            .map_err(|e| internal(e.to_string()))?;
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

/// The raw value of `column` in `row`, as JSON (null for a null).
pub fn cell_json(data: &ColumnData, row: usize) -> Value {
    match data {
        ColumnData::Bool(v) => json!(v.value_at(row)),
        ColumnData::Int64(v) => json!(v.value_at(row)),
        ColumnData::Float64(v) => json!(v.value_at(row)),
        ColumnData::Str(s) => json!(s.get(row)),
    }
}
