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

/// `POST /v1/predict` body: one JSON object of raw features per row. A field given
/// twice in a row is an error naming the row and the field (JSON parsers disagree on
/// which copy wins, so the server does not pick one).
#[derive(Debug, Deserialize)]
pub struct PredictRequest {
    #[serde(deserialize_with = "unique_rows")]
    pub rows: Vec<serde_json::Map<String, Value>>,
}

fn unique_rows<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<serde_json::Map<String, Value>>, D::Error> {
    deserializer.deserialize_seq(RowsVisitor)
}

struct RowsVisitor;

impl<'de> serde::de::Visitor<'de> for RowsVisitor {
    type Value = Vec<serde_json::Map<String, Value>>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of row objects")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut rows = Vec::new();
        while let Some(row) = seq.next_element_seed(RowSeed {
            row: rows.len() + 1,
        })? {
            rows.push(row);
        }
        Ok(rows)
    }
}

/// One row object; `row` is its 1-based number, for the error message.
struct RowSeed {
    row: usize,
}

impl<'de> serde::de::DeserializeSeed<'de> for RowSeed {
    type Value = serde_json::Map<String, Value>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for RowSeed {
    type Value = serde_json::Map<String, Value>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "row {} to be an object of fields", self.row)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut row = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value: Value = map.next_value()?;
            if row.contains_key(&key) {
                return Err(serde::de::Error::custom(format!(
                    "row {}: field `{}` is given twice",
                    self.row,
                    super::truncate(&key, 64)
                )));
            }
            row.insert(key, value);
        }
        Ok(row)
    }
}
