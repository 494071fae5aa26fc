//! Columns under construction: the one builder both readers (JSON Lines, Arrow) write
//! records into, and the typed input columns it holds.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

use crate::table::builder::ColumnBuilder;
use crate::table::{Column, ColumnData, DataType, Table};
use crate::transform::InputColumn;

use super::batch::{CLIENT_ID, ENDPOINT, LogBatch, MODEL, REQUEST_ID, StoredRequest, TIMESTAMP};
use super::error::{LogError, place_text};
use super::output::LoggedOutput;
use super::record::READ_FORMATS;

/// Columns under construction.
pub(super) struct Builder<'s> {
    pub(super) source: String,
    pub(super) parquet: bool,
    pub(super) places: Vec<u64>,
    pub(super) request_text: String,
    pub(super) requests: Vec<StoredRequest>,
    pub(super) row_requests: Vec<usize>,
    /// The request-level fields of the record being read (valid where `Seen` says so);
    /// kept between records so that their buffers are reused.
    pub(super) head: RequestHead,
    /// The top-level `request_id` of the record being read.
    pub(super) row_request_id: String,
    /// Which request-level fields the current request's first record held, while the
    /// rows that continue it (log_format 2) are read; `None` before any such record.
    pub(super) open_request: Option<Seen>,
    pub(super) request_rows: Vec<u64>,
    pub(super) pipeline_fingerprints: BTreeSet<String>,
    pub(super) model_fingerprints: BTreeSet<String>,
    /// Which schema columns the inputs held, and the keys that are not columns.
    pub(super) input_seen: Vec<bool>,
    pub(super) unknown_keys: BTreeSet<String>,
    pub(super) schema: &'s [InputColumn],
    pub(super) input_index: HashMap<&'s str, usize>,
    /// The columns of the previous record's keys, in its order (`None`: not a column),
    /// and the position in the current record: records repeat their key order, so
    /// most keys are found without hashing.
    pub(super) key_order: Vec<Option<usize>>,
    pub(super) key_position: usize,
    inputs: Vec<InputBuilder>,
    pub(super) features: Vec<f32>,
    pub(super) feature_width: Option<usize>,
    /// Features in the record being read.
    pub(super) record_features: usize,
    pub(super) outputs: Vec<LoggedOutput>,
    /// A value error found inside a record, kept with its details (serde's error
    /// type carries only a message).
    pub(super) value_error: Option<LogError>,
}

/// The request-level fields of the record being read, in buffers reused from record
/// to record.
#[derive(Debug, Default)]
pub(super) struct RequestHead {
    pub(super) request_id: String,
    pub(super) client_id: Option<String>,
    pub(super) timestamp: Option<String>,
    pub(super) timestamp_ms: Option<u64>,
    pub(super) endpoint: Option<String>,
    pub(super) model: Option<String>,
}

/// Which record fields were present.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Seen {
    pub(super) log_format: Option<u64>,
    /// A `request` object (log_format 2: the request's first record) was read.
    pub(super) request_object: bool,
    pub(super) request_id: bool,
    pub(super) client_id: bool,
    pub(super) timestamp: bool,
    pub(super) timestamp_ms: bool,
    pub(super) endpoint: bool,
    pub(super) model_name: bool,
    pub(super) pipeline: bool,
    pub(super) model: bool,
    pub(super) inputs: bool,
    pub(super) features: bool,
    pub(super) outputs: bool,
}

impl<'s> Builder<'s> {
    pub(super) fn new(source: &str, schema: &'s [InputColumn], parquet: bool) -> Self {
        Self {
            source: source.to_owned(),
            parquet,
            places: Vec::new(),
            request_text: String::new(),
            requests: Vec::new(),
            row_requests: Vec::new(),
            head: RequestHead::default(),
            row_request_id: String::new(),
            open_request: None,
            request_rows: Vec::new(),
            pipeline_fingerprints: BTreeSet::new(),
            model_fingerprints: BTreeSet::new(),
            input_seen: vec![false; schema.len()],
            unknown_keys: BTreeSet::new(),
            schema,
            key_order: Vec::new(),
            key_position: 0,
            input_index: schema
                .iter()
                .enumerate()
                .map(|(i, c)| (c.name.as_str(), i))
                .collect(),
            inputs: schema
                .iter()
                .map(|c| InputBuilder::new(c.data_type))
                .collect(),
            features: Vec::new(),
            feature_width: None,
            record_features: 0,
            outputs: Vec::new(),
            value_error: None,
        }
    }

    /// Starts a record at `at` (its line, or its 1-based row for Parquet).
    pub(super) fn begin_record(&mut self, at: u64) {
        self.places.push(at);
        self.key_position = 0;
    }

    #[cfg_attr(not(feature = "parquet"), allow(dead_code))] // used by the Arrow reader
    pub(super) fn set_request(&mut self, id: &str, row: Option<u64>) {
        set_text(&mut self.row_request_id, id);
        if let Some(row) = row {
            self.request_rows.push(row);
        }
    }

    #[cfg_attr(not(feature = "parquet"), allow(dead_code))] // used by the Arrow reader
    pub(super) fn add_fingerprints(&mut self, pipeline: &str, model: &str) {
        if !self.pipeline_fingerprints.contains(pipeline) {
            self.pipeline_fingerprints.insert(pipeline.to_owned());
        }
        if !self.model_fingerprints.contains(model) {
            self.model_fingerprints.insert(model.to_owned());
        }
    }

    /// Writes one output value of the current record: a scalar, or the elements of an
    /// array (`array`), checking that every row has as many.
    #[cfg_attr(not(feature = "parquet"), allow(dead_code))] // used by the Arrow reader
    pub(super) fn push_output<'v>(
        &mut self,
        name: &str,
        array: bool,
        values: impl IntoIterator<Item = Scalar<'v>>,
    ) {
        let index = self.begin_output(name);
        let mut count = 0;
        if let Some(output) = self.outputs.get_mut(index) {
            for value in values {
                count += 1;
                output.push_or_fail(value);
            }
        }
        self.end_output(index, if array { count } else { 1 });
    }

    /// Starts output `name` in the current record and returns its column; a record that
    /// names it twice makes it incomparable.
    pub(super) fn begin_output(&mut self, name: &str) -> usize {
        let index = self.output_index(name);
        let rows = self.places.len();
        let (source, parquet, at) = (
            self.source.as_str(),
            self.parquet,
            self.places.last().copied(),
        );
        if let Some(output) = self.outputs.get_mut(index)
            && output.rows >= rows
        {
            // The place is written only for the error, not for every record.
            output.fail(|| {
                format!(
                    "{}: output `{name}` appears twice",
                    place_text(source, parquet, at)
                )
            });
        }
        index
    }

    /// Ends output `index` in the current record, `count` values pushed: every row must
    /// have as many.
    pub(super) fn end_output(&mut self, index: usize, count: usize) {
        let rows = self.places.len();
        let (source, parquet, at) = (
            self.source.as_str(),
            self.parquet,
            self.places.last().copied(),
        );
        let Some(output) = self.outputs.get_mut(index) else {
            return;
        };
        output.rows = rows;
        match output.width {
            None => output.width = Some(count),
            Some(w) if w != count => {
                let name = output.name.clone();
                output.fail(|| {
                    format!(
                        "{}: output `{name}` has {count} values, earlier rows have {w}",
                        place_text(source, parquet, at)
                    )
                });
            }
            Some(_) => {}
        }
    }

    /// The row being read (0-based within the batch).
    pub(super) fn row(&self) -> usize {
        self.places.len().saturating_sub(1)
    }

    pub(super) fn place(&self) -> String {
        place_text(&self.source, self.parquet, self.places.last().copied())
    }

    pub(super) fn take_error(&mut self, message: String) -> LogError {
        self.value_error.take().unwrap_or_else(|| LogError::Record {
            place: self.place(),
            message,
        })
    }

    pub(super) fn set_input(&mut self, key: &str, value: Scalar<'_>) -> Result<(), LogError> {
        let position = self.key_position;
        self.key_position += 1;
        let predicted = self.key_order.get(position).copied().flatten();
        let column = match predicted {
            Some(c) if self.schema.get(c).is_some_and(|s| s.name == key) => Some(c),
            _ => {
                let found = self.input_index.get(key).copied();
                match self.key_order.get_mut(position) {
                    Some(slot) => *slot = found,
                    None => self.key_order.push(found),
                }
                found
            }
        };
        let Some(column) = column else {
            if !self.unknown_keys.contains(key) {
                self.unknown_keys.insert(key.to_owned());
            }
            return Ok(());
        };
        if let Some(seen) = self.input_seen.get_mut(column) {
            *seen = true;
        }
        let row = self.row();
        let (Some(builder), Some(schema)) = (self.inputs.get_mut(column), self.schema.get(column))
        else {
            return Ok(());
        };
        builder.set(row, &value).map_err(|()| LogError::InputValue {
            place: place_text(&self.source, self.parquet, self.places.last().copied()),
            column: schema.name.clone(),
            value: value.text(),
            expected: schema.data_type,
        })
    }

    pub(super) fn push_feature(&mut self, value: Option<f64>) {
        // Logged features are f32 values widened exactly to f64: narrowing gives back
        // the bits the model saw. A null is a NaN feature.
        self.features.push(value.map_or(f32::NAN, |v| v as f32));
        self.record_features += 1;
    }

    pub(super) fn output_index(&mut self, name: &str) -> usize {
        if let Some(i) = self.outputs.iter().position(|o| o.name == name) {
            return i;
        }
        let row = self.row();
        let place = self.place();
        self.outputs
            .push(LoggedOutput::new(name, row, &|| place.clone()));
        self.outputs.len() - 1
    }

    /// Checks the record just read and pads what it left out.
    pub(super) fn end_record(&mut self, seen: Seen) -> Result<(), LogError> {
        // The record's place is written only for an error, not for every record.
        let missing = |builder: &Self, field| LogError::MissingField {
            place: builder.place(),
            field,
        };
        match seen.log_format {
            None => return Err(missing(self, "log_format")),
            Some(v) if !u32::try_from(v).is_ok_and(|v| READ_FORMATS.contains(&v)) => {
                return Err(LogError::Version {
                    place: self.place(),
                    found: v,
                });
            }
            Some(_) => {}
        }
        // Where the request-level fields come from: this record's `request` object (a
        // request's first record, format 2), this record itself (format 1, and Parquet
        // logs: every row carries them), or the request's first record before it.
        let seen = if seen.request_object {
            self.open_request = Some(seen);
            seen
        } else if seen.pipeline || seen.model {
            set_text(&mut self.head.request_id, &self.row_request_id);
            self.open_request = None;
            seen
        } else {
            if !seen.request_id {
                return Err(missing(self, "request_id"));
            }
            match self.open_request {
                Some(first) if self.head.request_id == self.row_request_id => Seen {
                    inputs: seen.inputs,
                    features: seen.features,
                    outputs: seen.outputs,
                    ..first
                },
                _ => {
                    return Err(LogError::OrphanRow {
                        place: self.place(),
                        request_id: crate::excerpt::excerpt(&self.row_request_id),
                        row: self.request_rows.last().copied().unwrap_or(0),
                    });
                }
            }
        };
        for (present, field) in [
            (seen.request_id, "request_id"),
            (seen.pipeline, "pipeline_fingerprint"),
            (seen.model, "model_fingerprint"),
            (seen.inputs, "inputs"),
            (seen.features, "features"),
            (seen.outputs, "outputs"),
        ] {
            if !present {
                return Err(missing(self, field));
            }
        }
        if self.request_rows.len() < self.places.len() {
            self.request_rows.push(0);
        }
        self.end_request(seen);
        let found = std::mem::take(&mut self.record_features);
        match self.feature_width {
            None => self.feature_width = Some(found),
            Some(expected) if expected != found => {
                return Err(LogError::FeatureWidth {
                    place: self.place(),
                    found,
                    expected,
                });
            }
            Some(_) => {}
        }
        let rows = self.places.len();
        for input in &mut self.inputs {
            input.pad(rows);
        }
        let (source, parquet, at) = (
            self.source.as_str(),
            self.parquet,
            self.places.last().copied(),
        );
        for output in &mut self.outputs {
            if output.rows < rows {
                output.rows = rows;
                let name = output.name.clone();
                output.fail(|| {
                    format!(
                        "{}: output `{name}` is not in the log",
                        place_text(source, parquet, at)
                    )
                });
            }
        }
        Ok(())
    }

    /// Files the current record under its request: the previous row's when every
    /// request-level field is the same (rows of a request are consecutive), else a new
    /// one whose text is appended to the batch's request text.
    fn end_request(&mut self, seen: Seen) {
        let head = &self.head;
        let mut fields: [Option<&str>; 5] = [None; 5];
        fields[REQUEST_ID] = Some(head.request_id.as_str());
        fields[CLIENT_ID] = head.client_id.as_deref().filter(|_| seen.client_id);
        fields[TIMESTAMP] = head.timestamp.as_deref().filter(|_| seen.timestamp);
        fields[ENDPOINT] = head.endpoint.as_deref().filter(|_| seen.endpoint);
        fields[MODEL] = head.model.as_deref().filter(|_| seen.model_name);
        let timestamp_ms = head.timestamp_ms.filter(|_| seen.timestamp_ms);
        let text = &self.request_text;
        let same = self.requests.last().is_some_and(|last| {
            last.timestamp_ms == timestamp_ms
                && last.text.iter().zip(&fields).all(|(span, field)| {
                    span.and_then(|(start, end)| text.get(start..end)) == *field
                })
        });
        if !same {
            let mut spans = [None; 5];
            for (span, field) in spans.iter_mut().zip(fields) {
                *span = field.map(|value| {
                    let start = self.request_text.len();
                    self.request_text.push_str(value);
                    (start, self.request_text.len())
                });
            }
            self.requests.push(StoredRequest {
                text: spans,
                timestamp_ms,
            });
        }
        self.row_requests
            .push(self.requests.len().saturating_sub(1));
    }

    pub(super) fn finish(self) -> Result<LogBatch, LogError> {
        let columns = self
            .schema
            .iter()
            .zip(self.inputs)
            .map(|(c, b)| Column::new(c.name.clone(), b.finish()))
            .collect();
        let inputs = Table::new(columns).map_err(|err| LogError::Record {
            place: self.source.clone(),
            message: err.to_string(),
        })?;
        Ok(LogBatch {
            source: self.source,
            places: self.places,
            parquet: self.parquet,
            request_text: self.request_text,
            requests: self.requests,
            row_requests: self.row_requests,
            request_rows: self.request_rows,
            pipeline_fingerprints: self.pipeline_fingerprints,
            model_fingerprints: self.model_fingerprints,
            input_keys: self
                .schema
                .iter()
                .zip(&self.input_seen)
                .filter(|(_, seen)| **seen)
                .map(|(c, _)| c.name.clone())
                .chain(self.unknown_keys)
                .collect(),
            inputs,
            features: self.features,
            feature_width: self.feature_width.unwrap_or(0),
            outputs: self.outputs,
        })
    }
}

/// Sets `slot` to `value`, reusing its buffer.
pub(super) fn set_text(slot: &mut String, value: &str) {
    slot.clear();
    slot.push_str(value);
}

/// Sets an optional text field (`None` for a JSON null), reusing its buffer.
pub(super) fn set_optional_text(slot: &mut Option<String>, value: Option<&str>) {
    match (slot.as_mut(), value) {
        (Some(s), Some(v)) => set_text(s, v),
        (None, Some(v)) => *slot = Some(v.to_owned()),
        (_, None) => *slot = None,
    }
}

/// One typed input column under construction (the table's column builder).
struct InputBuilder(ColumnBuilder);

impl InputBuilder {
    fn new(data_type: DataType) -> Self {
        Self(ColumnBuilder::new(data_type, 0))
    }

    /// Sets row `row` (a repeated key keeps its last value, as JSON readers do). The
    /// conversions are those of the JSON Lines table reader with a forced column type.
    fn set(&mut self, row: usize, value: &Scalar<'_>) -> Result<(), ()> {
        if self.0.len() > row {
            self.0.truncate(row);
        }
        match &mut self.0 {
            ColumnBuilder::Bool(v) => v.push(match value {
                Scalar::Null => None,
                Scalar::Bool(b) => Some(*b),
                _ => return Err(()),
            }),
            ColumnBuilder::Int64(v) => v.push(match value {
                Scalar::Null => None,
                Scalar::Int(i) => Some(*i),
                Scalar::Str(s) => Some(s.trim().parse().map_err(|_| ())?),
                _ => return Err(()),
            }),
            ColumnBuilder::Float64(v) => v.push(match value {
                Scalar::Null => None,
                Scalar::Int(i) => Some(*i as f64),
                Scalar::Float(f) => Some(*f),
                Scalar::Str(s) => Some(
                    s.trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|f| !f.is_nan())
                        .ok_or(())?,
                ),
                Scalar::Bool(_) => return Err(()),
            }),
            // A full dictionary (2^32 distinct strings) reads as a value that does not fit.
            ColumnBuilder::Str(column) => match value {
                Scalar::Null => column.push_null(),
                Scalar::Str(s) => column.push(Some(s)).map_err(|_| ())?,
                other => column.push(Some(&other.text())).map_err(|_| ())?,
            },
        }
        Ok(())
    }

    /// Nulls up to `rows` rows (keys a record left out).
    fn pad(&mut self, rows: usize) {
        self.0.pad(rows);
    }

    fn finish(self) -> ColumnData {
        self.0.finish()
    }
}

/// One JSON scalar, borrowed from the input where it can be.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, str>),
}

impl Scalar<'_> {
    /// The value as the JSON Lines table reader spells it in text.
    pub(super) fn text(&self) -> String {
        match self {
            Self::Null => "null".to_owned(),
            Self::Bool(b) => b.to_string(),
            Self::Int(i) => i.to_string(),
            Self::Float(f) => f.to_string(),
            Self::Str(s) => s.to_string(),
        }
    }
}
