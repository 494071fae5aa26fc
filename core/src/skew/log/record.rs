//! The prediction log record (docs/serving-log-format.md) and its writer: the one place
//! that decides what a record holds. `lockstep serve` turns each answered request into
//! JSON Lines bytes with [`write_request`]; the readers beside it ([`LogBatch`]) read them
//! back. A round-trip test (`core/tests/skew_log_roundtrip.rs`) keeps the two equal.
//!
//! [`LogBatch`]: super::LogBatch

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct, Serializer};

use crate::onnx::{Tensor, TensorData};
use crate::table::{ColumnData, Table, ValueAt};
use crate::transform::FeatureMatrix;

/// The `log_format` written in every record, and the newest one the readers understand.
///
/// * **2** (written since 2026-12): the first record of a request carries the
///   request-level fields once, in a `request` object; the request's other records
///   carry only its `request_id` ([`CONTINUATION_PREFIX`]).
/// * **1**: every record carries every request-level field. Still read.
pub const LOG_FORMAT: u32 = 2;

/// The formats the readers understand.
pub const READ_FORMATS: std::ops::RangeInclusive<u32> = 1..=2;

/// How a format-2 record that continues a request (not its first row) starts: readers
/// that cut a log into chunks keep such a line with the lines before it
/// ([`continues_request`]).
pub const CONTINUATION_PREFIX: &[u8] = b"{\"log_format\":2,\"request_id\":";

/// Whether `line` (a whole log line as the writer wrote it) continues the request of
/// the line before it, so that a reader cutting the log must not cut before it.
pub fn continues_request(line: &[u8]) -> bool {
    line.starts_with(CONTINUATION_PREFIX)
}

/// The longest client-supplied request-level string (the OIP `id`) a record may hold,
/// in bytes: one request cannot make every logged row carry a large value.
pub const MAX_CLIENT_ID_BYTES: usize = 256;

/// Why a request's records could not be written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecordError {
    /// A client-supplied request field is over its limit.
    #[error("`{field}` is {bytes} bytes long; the limit is {limit} bytes")]
    FieldTooLong {
        field: &'static str,
        bytes: usize,
        limit: usize,
    },
    /// The request's records would take more than the per-request budget.
    #[error(
        "the request's prediction log records would take more than {limit} bytes \
         ({bytes} bytes after {rows_written} of {rows} rows); send fewer rows per request"
    )]
    TooLarge {
        bytes: usize,
        limit: usize,
        rows_written: usize,
        rows: usize,
    },
    /// serde_json refused a value (it does not for the types a record holds).
    #[error("cannot write the record: {0}")]
    Json(String),
    /// The features or an output do not have one row per input row.
    #[error("{what} has {found} rows, the inputs have {rows}")]
    Rows {
        what: String,
        found: usize,
        rows: usize,
    },
}

/// Checks a client-supplied request-level string against [`MAX_CLIENT_ID_BYTES`].
pub fn check_client_field(field: &'static str, value: &str) -> Result<(), RecordError> {
    if value.len() > MAX_CLIENT_ID_BYTES {
        return Err(RecordError::FieldTooLong {
            field,
            bytes: value.len(),
            limit: MAX_CLIENT_ID_BYTES,
        });
    }
    Ok(())
}

/// The fields every record of one request shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestFields<'a> {
    /// The server's id for the request.
    pub request_id: &'a str,
    /// The OIP request's `id`, if the client sent one.
    pub client_id: Option<&'a str>,
    /// RFC 3339 UTC with milliseconds.
    pub timestamp: &'a str,
    pub timestamp_ms: u64,
    /// `v2/infer` or `v1/predict`.
    pub endpoint: &'a str,
    /// The served model's name.
    pub model: &'a str,
    pub model_fingerprint: &'a str,
    pub pipeline_fingerprint: &'a str,
}

/// One record: one served row of a request.
#[derive(Debug, Clone, Copy)]
pub struct LogRecord<'a> {
    pub request: &'a RequestFields<'a>,
    /// The row within the request (0-based).
    pub row: usize,
    /// The request's raw inputs (row `row` is logged).
    pub inputs: &'a Table,
    /// The row's features (f32, logged widened exactly to f64; non-finite as `null`).
    pub features: &'a [f32],
    /// The request's model outputs, `rows` rows each (row `row` is logged).
    pub outputs: &'a [(String, Tensor)],
    /// Rows in the request.
    pub rows: usize,
}

/// A format-2 record: the request's fields (first row only) or its id, then the row.
impl Serialize for LogRecord<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.request;
        let mut record = s.serialize_struct("LogRecord", 6)?;
        record.serialize_field("log_format", &LOG_FORMAT)?;
        if self.row == 0 {
            record.serialize_field(
                "request",
                &RequestObject {
                    fields: r,
                    rows: self.rows,
                },
            )?;
        } else {
            record.serialize_field("request_id", r.request_id)?;
        }
        record.serialize_field("row", &self.row)?;
        record.serialize_field(
            "inputs",
            &RowInputs {
                table: self.inputs,
                row: self.row,
            },
        )?;
        record.serialize_field("features", &RowFeatures(self.features))?;
        record.serialize_field(
            "outputs",
            &RowOutputs {
                outputs: self.outputs,
                rows: self.rows,
                row: self.row,
            },
        )?;
        record.end()
    }
}

/// The request-level fields, written once per request (in its first record).
struct RequestObject<'a> {
    fields: &'a RequestFields<'a>,
    rows: usize,
}

impl Serialize for RequestObject<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.fields;
        let mut request = s.serialize_struct("Request", 9)?;
        request.serialize_field("request_id", r.request_id)?;
        request.serialize_field("client_id", &r.client_id)?;
        request.serialize_field("timestamp", r.timestamp)?;
        request.serialize_field("timestamp_ms", &r.timestamp_ms)?;
        request.serialize_field("endpoint", r.endpoint)?;
        request.serialize_field("model", r.model)?;
        request.serialize_field("model_fingerprint", r.model_fingerprint)?;
        request.serialize_field("pipeline_fingerprint", r.pipeline_fingerprint)?;
        request.serialize_field("rows", &self.rows)?;
        request.end()
    }
}

/// Row `row` of the raw inputs: one key per column, `null` for a null.
struct RowInputs<'a> {
    table: &'a Table,
    row: usize,
}

impl Serialize for RowInputs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let columns = self.table.columns();
        let mut map = s.serialize_map(Some(columns.len()))?;
        let row = self.row;
        for column in columns {
            let name = column.name();
            match column.data() {
                ColumnData::Bool(v) => map.serialize_entry(name, &v.value_at(row))?,
                ColumnData::Int64(v) => {
                    map.serialize_entry(name, &v.value_at(row))?;
                }
                // serde_json writes a non-finite f64 as `null`.
                ColumnData::Float64(v) => {
                    map.serialize_entry(name, &v.value_at(row))?;
                }
                ColumnData::Str(v) => map.serialize_entry(name, &v.get(row))?,
            }
        }
        map.end()
    }
}

/// f32 values widened exactly to f64, so that narrowing gives back the bits.
struct RowFeatures<'a>(&'a [f32]);

impl Serialize for RowFeatures<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for &x in self.0 {
            seq.serialize_element(&f64::from(x))?;
        }
        seq.end()
    }
}

/// Row `row` of every output: a scalar for outputs of shape `[rows]` or `[rows, 1]`,
/// else the row's values, flat.
struct RowOutputs<'a> {
    outputs: &'a [(String, Tensor)],
    rows: usize,
    row: usize,
}

impl Serialize for RowOutputs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.outputs.len()))?;
        for (name, tensor) in self.outputs {
            map.serialize_entry(
                name,
                &OutputRow {
                    tensor,
                    rows: self.rows,
                    row: self.row,
                },
            )?;
        }
        map.end()
    }
}

struct OutputRow<'a> {
    tensor: &'a Tensor,
    rows: usize,
    row: usize,
}

impl Serialize for OutputRow<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let per_row = self.tensor.len().checked_div(self.rows).unwrap_or(0);
        let range = self.row * per_row..(self.row + 1) * per_row;
        let scalar = per_row == 1 && self.tensor.shape().len() <= 2;
        match self.tensor.data() {
            TensorData::F32(v) => {
                let values = v.get(range).unwrap_or_default();
                match (scalar, values) {
                    (true, [x]) => s.serialize_f64(f64::from(*x)),
                    _ => RowFeatures(values).serialize(s),
                }
            }
            TensorData::F64(v) => values(s, scalar, v.get(range).unwrap_or_default()),
            TensorData::I64(v) => values(s, scalar, v.get(range).unwrap_or_default()),
            TensorData::Str(v) => values(s, scalar, v.get(range).unwrap_or_default()),
        }
    }
}

fn values<S: Serializer, T: Serialize>(
    s: S,
    scalar: bool,
    values: &[T],
) -> Result<S::Ok, S::Error> {
    match (scalar, values) {
        (true, [x]) => x.serialize(s),
        _ => values.serialize(s),
    }
}

/// Writes one record per row of a request as JSON Lines, each line `\n`-terminated:
/// what `lockstep serve` appends to its log. `features` and every output must have one
/// row per row of `inputs`. Stops with [`RecordError::TooLarge`] as soon as the lines
/// pass `max_bytes` in all, and refuses a client id over [`MAX_CLIENT_ID_BYTES`].
pub fn write_request(
    request: &RequestFields<'_>,
    inputs: &Table,
    features: &FeatureMatrix,
    outputs: &[(String, Tensor)],
    max_bytes: usize,
) -> Result<Vec<String>, RecordError> {
    if let Some(id) = request.client_id {
        check_client_field("id", id)?;
    }
    let rows = inputs.num_rows();
    if features.num_rows() != rows {
        return Err(RecordError::Rows {
            what: "the feature matrix".to_owned(),
            found: features.num_rows(),
            rows,
        });
    }
    for (name, tensor) in outputs {
        let found = tensor.shape().first().copied().unwrap_or(0);
        if found != rows {
            return Err(RecordError::Rows {
                what: format!("output `{name}`"),
                found,
                rows,
            });
        }
    }
    let mut lines = Vec::with_capacity(rows);
    let mut bytes = 0_usize;
    for row in 0..rows {
        let record = LogRecord {
            request,
            row,
            inputs,
            features: features.row(row).unwrap_or_default(),
            outputs,
            rows,
        };
        let mut line =
            serde_json::to_string(&record).map_err(|e| RecordError::Json(e.to_string()))?;
        line.push('\n');
        bytes += line.len();
        if bytes > max_bytes {
            return Err(RecordError::TooLarge {
                bytes,
                limit: max_bytes,
                rows_written: row + 1,
                rows,
            });
        }
        lines.push(line);
    }
    Ok(lines)
}
