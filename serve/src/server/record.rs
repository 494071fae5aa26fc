//! Prediction log records (docs/serving-log-format.md): one JSON line per served row.

use lockstep_core::table::Table;
use serde_json::{Map, Value, json};

use super::clock;
use super::logging::{Batch, LOG_FORMAT_VERSION};
use super::served::{self, Prediction, ServedModel};

/// The lines for every row of one request.
pub fn lines(
    served: &ServedModel,
    request_id: &str,
    endpoint: &str,
    client_id: Option<&str>,
    table: &Table,
    prediction: &Prediction,
) -> Batch {
    let ms = clock::unix_millis();
    let timestamp = clock::rfc3339(ms);
    let rows = table.num_rows();
    (0..rows)
        .map(|row| {
            let inputs: Map<String, Value> = table
                .columns()
                .iter()
                .map(|c| (c.name().to_owned(), served::cell_json(c.data(), row)))
                .collect();
            let features: Vec<f64> = prediction
                .features
                .row(row)
                .unwrap_or_default()
                .iter()
                .map(|&x| f64::from(x))
                .collect();
            let outputs: Map<String, Value> = prediction
                .outputs
                .iter()
                .map(|(name, t)| (name.clone(), served::row_json(t, rows, row)))
                .collect();
            let record = json!({
                "log_format": LOG_FORMAT_VERSION,
                "request_id": request_id,
                "client_id": client_id,
                "row": row,
                "timestamp": timestamp,
                "timestamp_ms": ms,
                "endpoint": endpoint,
                "model": served.name,
                "model_fingerprint": served.model_fingerprint,
                "pipeline_fingerprint": served.pipeline.fingerprint(),
                "inputs": inputs,
                "features": features,
                "outputs": outputs,
            });
            let mut line = record.to_string();
            line.push('\n');
            line
        })
        .collect()
}
