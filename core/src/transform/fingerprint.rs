//! The content fingerprint of a [`FittedPipeline`]: sha256, in lower-case hex, of
//! its canonical encoding.
//!
//! The canonical encoding is the pipeline's JSON value without the `fingerprint`
//! field, written with object keys sorted by their UTF-8 bytes, no whitespace, and
//! numbers as serde_json writes them (shortest round-trip form; integers without a
//! decimal point). It depends on neither the platform nor serde_json's map order.

use super::{FittedPipeline, TransformError};
pub use crate::fingerprint::sha256_hex;
use serde_json::Value;

/// Computes the fingerprint (the stored `fingerprint` field is ignored).
pub(crate) fn compute(pipeline: &FittedPipeline) -> Result<String, TransformError> {
    let mut value = serde_json::to_value(pipeline).map_err(|err| TransformError::FittedJson {
        message: err.to_string(),
    })?;
    if let Value::Object(map) = &mut value {
        map.remove("fingerprint");
    }
    let mut out = String::new();
    write_canonical(&value, &mut out);
    Ok(sha256_hex(out.as_bytes()))
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (key, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}
