//! Why logged records could not be read, and how their places are named.

use crate::table::DataType;

/// Why logged records could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LogError {
    #[error("{place}: not a prediction log record: {message}")]
    Record { place: String, message: String },
    #[error("{place}: {message}")]
    Unreadable { place: String, message: String },
    #[error("{place}: log_format {found} is not supported (this lockstep reads 1 and 2)")]
    Version { place: String, found: u64 },
    #[error("{place}: the record has no `{field}`")]
    MissingField { place: String, field: &'static str },
    /// A format-2 record that continues a request whose first record (with the
    /// request-level fields) is not before it in the same batch.
    #[error(
        "{place}: row {row} of request `{request_id}` comes without the request's first \
         record (log_format 2 writes the request's fields once, in its first row); a log \
         must not be cut between a request's rows"
    )]
    OrphanRow {
        place: String,
        request_id: String,
        row: u64,
    },
    #[error("{place}: {found} features, but earlier rows have {expected}")]
    FeatureWidth {
        place: String,
        found: usize,
        expected: usize,
    },
    #[error("{place}: input `{column}` = {value} cannot be read as {expected}")]
    InputValue {
        place: String,
        column: String,
        value: String,
        expected: DataType,
    },
    #[error("{file}: column `{column}` {problem}")]
    Column {
        file: String,
        column: String,
        problem: String,
    },
}

pub(super) fn place_text(source: &str, parquet: bool, at: Option<u64>) -> String {
    match (parquet, at) {
        (_, None) => source.to_owned(),
        (false, Some(line)) => format!("{source}:{line}"),
        (true, Some(row)) => format!("{source}: row {row}"),
    }
}
