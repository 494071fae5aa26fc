//! Logged records in columns: what one batch of a log holds once read.

use std::collections::BTreeSet;

use crate::table::Table;

use super::error::place_text;
use super::output::LoggedOutput;

/// The request-level fields of a logged row: what every row of one request shares,
/// borrowed from the batch. Fields a record (or a Parquet log's columns) leaves out are
/// `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoggedRequest<'a> {
    pub request_id: &'a str,
    /// The client's id (the OIP request's `id`).
    pub client_id: Option<&'a str>,
    /// RFC 3339 UTC.
    pub timestamp: Option<&'a str>,
    pub timestamp_ms: Option<u64>,
    pub endpoint: Option<&'a str>,
    /// The served model's name.
    pub model: Option<&'a str>,
}

/// Which text field of a request a span holds.
pub(super) const REQUEST_ID: usize = 0;
pub(super) const CLIENT_ID: usize = 1;
pub(super) const TIMESTAMP: usize = 2;
pub(super) const ENDPOINT: usize = 3;
pub(super) const MODEL: usize = 4;

/// One request's fields: spans of the batch's request text (no allocation per request).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct StoredRequest {
    pub(super) text: [Option<(usize, usize)>; 5],
    pub(super) timestamp_ms: Option<u64>,
}

/// Logged records, in columns.
#[derive(Debug, Clone, PartialEq)]
pub struct LogBatch {
    pub(super) source: String,
    /// Where each row is in the source: its line (JSON Lines) or 1-based row (Parquet).
    pub(super) places: Vec<u64>,
    pub(super) parquet: bool,
    /// The requests the rows belong to (each once, in log order), and each row's.
    pub(super) request_text: String,
    pub(super) requests: Vec<StoredRequest>,
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
        self.request(row).map_or("", |r| r.request_id)
    }

    /// The request-level fields of row `row`'s request.
    pub fn request(&self, row: usize) -> Option<LoggedRequest<'_>> {
        self.requests
            .get(*self.row_requests.get(row)?)
            .map(|r| self.view(r))
    }

    /// The distinct requests of the batch, in log order.
    pub fn requests(&self) -> impl Iterator<Item = LoggedRequest<'_>> {
        self.requests.iter().map(|r| self.view(r))
    }

    fn view(&self, r: &StoredRequest) -> LoggedRequest<'_> {
        let text = |field: usize| {
            r.text
                .get(field)
                .copied()
                .flatten()
                .and_then(|(start, end)| self.request_text.get(start..end))
        };
        LoggedRequest {
            request_id: text(REQUEST_ID).unwrap_or(""),
            client_id: text(CLIENT_ID),
            timestamp: text(TIMESTAMP),
            timestamp_ms: r.timestamp_ms,
            endpoint: text(ENDPOINT),
            model: text(MODEL),
        }
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
