//! Prediction logs (docs/serving-log-format.md): the record, its writer, and its readers.
//!
//! * [`record`] — the record as a type, [`LOG_FORMAT`] (the format written; the readers
//!   also read format 1) and [`write_request`], which `lockstep serve` calls to turn a
//!   request into JSON Lines: the request-level fields once, in its first record.
//! * [`LogBatch::from_jsonl`] (`jsonl`) parses a run of JSON Lines records in one pass,
//!   straight into typed columns: the logged raw inputs as a [`Table`](crate::table::Table)
//!   typed by the pipeline's input schema, the logged features as a row-major f32 matrix,
//!   and every logged output as a column ([`LoggedOutput`]). No intermediate JSON values
//!   are built, so a batch of records costs one scan of its bytes.
//!   [`LogBatch::from_jsonl_at_end`] reads the last chunk of a file and sets aside a torn
//!   last line (a crash or a full disk cut it short) instead of refusing the file.
//! * `LogBatch::from_arrow` / `read_parquet` (`arrow`, feature `parquet`) read the same
//!   records from Arrow record batches (logs converted to Parquet).
//! * Both readers write into one column builder (`builder`); [`LogBatch`] (`batch`) is
//!   what they return, [`LogError`] (`error`) why they could not.
//!
//! Every error names where the record is (`file:line`, or `file: row N` for Parquet), the
//! field and the value.

#[cfg(feature = "parquet")]
mod arrow;
mod batch;
mod builder;
mod error;
mod jsonl;
mod output;
pub mod record;

pub use batch::{LogBatch, LoggedRequest};
pub use error::LogError;
pub use jsonl::TornLine;
pub use output::{LoggedOutput, LoggedValue};
pub use record::{
    CONTINUATION_PREFIX, LOG_FORMAT, LogRecord, MAX_CLIENT_ID_BYTES, READ_FORMATS, RecordError,
    RequestFields, check_client_field, continues_request, write_request,
};
