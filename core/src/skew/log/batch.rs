//! Logged records in columns: what one batch of a log holds once read.

use std::collections::BTreeSet;

use crate::table::Table;

use super::error::place_text;
use super::output::LoggedOutput;

/// The request-level fields of logged rows: what every row of one request shares.
/// Fields a record (or a Parquet log's columns) leaves out are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoggedRequest {
    pub request_id: String,
    /// The client's id (the OIP request's `id`).
    pub client_id: Option<String>,
    /// RFC 3339 UTC.
    pub timestamp: Option<String>,
    pub timestamp_ms: Option<u64>,
    pub endpoint: Option<String>,
    /// The served model's name.
    pub model: Option<String>,
}

/// Logged records, in columns.
#[derive(Debug, Clone, PartialEq)]
pub struct LogBatch {
    pub(super) source: String,
    /// Where each row is in the source: its line (JSON Lines) or 1-based row (Parquet).
    pub(super) places: Vec<u64>,
    pub(super) parquet: bool,
    /// The requests the rows belong to (each once, in log order), and each row's.
    pub(super) requests: Vec<LoggedRequest>,
    pub(super) row_requests: Vec<usize>,
    /// The row within its request.
    pub(super) request_rows: Vec<u64>,
    /// Distinct fingerprints seen.
    pub pipeline_fingerprints: BTreeSet<String>,
    pub model_fingerprints: BTreeSet<String>,
    /// Every key seen in `inputs`.
    pub input_keys: BTreeSet<String>,
    /// The logged raw inputs: the pipeline's input columns, typed by its schema.
    pub inputs: Table,
    /// The logged features, row-major; `feature_width` per row.
    pub features: Vec<f32>,
    pub feature_width: usize,
    pub outputs: Vec<LoggedOutput>,
}

impl LogBatch {
    /// Rows in the batch.
    pub fn num_rows(&self) -> usize {
        self.places.len()
    }

    /// The file (or other source) the rows come from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Row `row`'s place for messages: `file:line`, or `file:row N` for Parquet.
    pub fn place(&self, row: usize) -> String {
        place_text(&self.source, self.parquet, self.places.get(row).copied())
    }

    /// The request id of row `row`.
    pub fn request_id(&self, row: usize) -> &str {
        self.request(row).map_or("", |r| r.request_id.as_str())
    }

    /// The request-level fields of row `row`'s request.
    pub fn request(&self, row: usize) -> Option<&LoggedRequest> {
        self.requests.get(*self.row_requests.get(row)?)
    }

    /// The distinct requests of the batch, in log order.
    pub fn requests(&self) -> &[LoggedRequest] {
        &self.requests
    }

    /// The row's position within its request.
    pub fn request_row(&self, row: usize) -> u64 {
        self.request_rows.get(row).copied().unwrap_or(0)
    }

    /// `request_id#row`: how reports name a logged row.
    pub fn row_id(&self, row: usize) -> String {
        format!("{}#{}", self.request_id(row), self.request_row(row))
    }

    /// The logged output named `name`.
    pub fn output(&self, name: &str) -> Option<&LoggedOutput> {
        self.outputs.iter().find(|o| o.name == name)
    }
}
