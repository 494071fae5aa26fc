//! Open Inference Protocol v2 (KServe / Triton) wire types, JSON over HTTP.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `POST /v2/models/{name}/infer` body.
#[derive(Debug, Deserialize)]
pub struct InferRequest {
    pub id: Option<String>,
    pub inputs: Vec<InputTensor>,
    pub outputs: Option<Vec<RequestedOutput>>,
    #[serde(default)]
    pub parameters: Option<Value>,
}

/// One named input tensor: `data` is flat in row-major order (nested arrays are flattened).
#[derive(Debug, Deserialize)]
pub struct InputTensor {
    pub name: String,
    pub shape: Vec<i64>,
    pub datatype: String,
    pub data: Value,
    #[serde(default)]
    pub parameters: Option<Value>,
}

/// An output the client asks for (all outputs when the request names none).
#[derive(Debug, Deserialize)]
pub struct RequestedOutput {
    pub name: String,
    #[serde(default)]
    pub parameters: Option<Value>,
}

/// `POST /v2/models/{name}/infer` response.
#[derive(Debug, Serialize)]
pub struct InferResponse {
    pub model_name: String,
    pub model_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub parameters: Value,
    pub outputs: Vec<OutputTensor>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutputTensor {
    pub name: String,
    pub datatype: &'static str,
    pub shape: Vec<usize>,
    pub data: Value,
}

/// `GET /v2/models/{name}`.
#[derive(Debug, Serialize)]
pub struct ModelMetadata {
    pub name: String,
    pub versions: Vec<String>,
    pub platform: &'static str,
    pub inputs: Vec<TensorMetadata>,
    pub outputs: Vec<TensorMetadata>,
    pub parameters: Value,
}

#[derive(Debug, Serialize)]
pub struct TensorMetadata {
    pub name: String,
    pub datatype: String,
    pub shape: Vec<i64>,
}

/// `POST /v1/predict` body: one JSON object of raw features per row.
#[derive(Debug, Deserialize)]
pub struct PredictRequest {
    pub rows: Vec<serde_json::Map<String, Value>>,
}
