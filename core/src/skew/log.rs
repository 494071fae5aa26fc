//! Prediction logs (docs/serving-log-format.md, `log_format` 1) read into columns.
//!
//! [`LogBatch::from_jsonl`] parses a run of JSON Lines records in one pass, straight into
//! typed columns: the logged raw inputs as a [`Table`] typed by the pipeline's input
//! schema, the logged features as a row-major f32 matrix, and every logged output as a
//! column. No intermediate JSON values are built, so a batch of records costs one scan of
//! its bytes. `LogBatch::from_arrow` (feature `parquet`) reads the same records from an
//! Arrow record batch (logs converted to Parquet).
//!
//! Every error names where the record is (`file:line`, or `file:row N` for Parquet), the
//! field and the value.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::onnx::{Tensor, TensorData};
use crate::table::builder::ColumnBuilder;
use crate::table::{Column, ColumnData, DataType, Table};
use crate::transform::InputColumn;

/// The `log_format` this reader understands.
pub const LOG_FORMAT: u32 = 1;

/// Why logged records could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LogError {
    #[error("{place}: not a prediction log record: {message}")]
    Record { place: String, message: String },
    #[error("{place}: {message}")]
    Unreadable { place: String, message: String },
    #[error("{place}: log_format {found} is not supported (this lockstep reads {LOG_FORMAT})")]
    Version { place: String, found: u64 },
    #[error("{place}: the record has no `{field}`")]
    MissingField { place: String, field: &'static str },
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

/// The logged values of one model output, as a column.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedOutput {
    pub name: String,
    /// Values per row: 1 for a scalar, else the logged array's length.
    width: Option<usize>,
    values: LoggedValues,
    /// Rows pushed so far.
    rows: usize,
    /// Why the column cannot be compared (first problem found), if it cannot.
    problem: Option<String>,
}

/// Logged output values: integers until a fraction or null shows up (then all are
/// floats, null as NaN), or strings.
#[derive(Debug, Clone, PartialEq)]
enum LoggedValues {
    Int(Vec<i64>),
    Float(Vec<f64>),
    Str(Vec<String>),
}

impl LoggedOutput {
    fn new(name: &str, rows_before: usize, place: &dyn Fn() -> String) -> Self {
        Self {
            name: name.to_owned(),
            width: None,
            values: LoggedValues::Int(Vec::new()),
            rows: rows_before,
            problem: (rows_before > 0)
                .then(|| format!("{}: output `{name}` is not in earlier rows", place())),
        }
    }

    fn fail(&mut self, problem: impl FnOnce() -> String) {
        if self.problem.is_none() {
            self.problem = Some(problem());
        }
    }

    /// Pushes a value; one that cannot be compared makes the column incomparable.
    fn push_or_fail(&mut self, value: Scalar<'_>) {
        if let Err(kind) = self.push(value) {
            let name = self.name.clone();
            self.fail(|| format!("output `{name}`: logged {kind}, which cannot be compared"));
        }
    }

    fn push(&mut self, value: Scalar<'_>) -> Result<(), &'static str> {
        match (&mut self.values, value) {
            (LoggedValues::Int(v), Scalar::Int(i)) => v.push(i),
            (LoggedValues::Int(v), x @ (Scalar::Float(_) | Scalar::Null)) => {
                let mut floats: Vec<f64> = v.iter().map(|&i| i as f64).collect();
                floats.push(value_f64(&x));
                self.values = LoggedValues::Float(floats);
            }
            (LoggedValues::Int(v), Scalar::Str(s)) if v.is_empty() && self.rows == 0 => {
                self.values = LoggedValues::Str(vec![s.into_owned()]);
            }
            (LoggedValues::Float(v), x @ (Scalar::Int(_) | Scalar::Float(_) | Scalar::Null)) => {
                v.push(value_f64(&x));
            }
            (LoggedValues::Str(v), Scalar::Str(s)) => v.push(s.into_owned()),
            (_, Scalar::Bool(_)) => return Err("a boolean"),
            (LoggedValues::Str(_), _) => return Err("a number or null among strings"),
            (_, Scalar::Str(_)) => return Err("a string among numbers"),
        }
        Ok(())
    }

    /// The values shaped and typed like `like` (the recomputed output), or why not.
    pub fn to_tensor_like(&self, like: &Tensor) -> Result<Tensor, String> {
        if let Some(problem) = &self.problem {
            return Err(problem.clone());
        }
        let name = &self.name;
        let width: usize = like.shape().iter().skip(1).product();
        let rows = like.shape().first().copied().unwrap_or(0);
        let logged_width = self.width.unwrap_or(width);
        if logged_width != width || rows != self.rows {
            return Err(format!(
                "output `{name}`: the log holds {} rows × {logged_width} values, the model gives {rows} × {width}",
                self.rows
            ));
        }
        let shape = like.shape().to_vec();
        let wrong = |kind: &str| {
            format!(
                "output `{name}`: logged {kind}, but the model's output is {}",
                like.dtype()
            )
        };
        let tensor = match (like.data(), &self.values) {
            (TensorData::F32(_), LoggedValues::Int(v)) => {
                Tensor::f32(shape, v.iter().map(|&i| i as f32).collect())
            }
            (TensorData::F32(_), LoggedValues::Float(v)) => {
                Tensor::f32(shape, v.iter().map(|&x| x as f32).collect())
            }
            (TensorData::F64(_), LoggedValues::Int(v)) => {
                Tensor::f64(shape, v.iter().map(|&i| i as f64).collect())
            }
            (TensorData::F64(_), LoggedValues::Float(v)) => Tensor::f64(shape, v.clone()),
            (TensorData::I64(_), LoggedValues::Int(v)) => Tensor::i64(shape, v.clone()),
            (TensorData::Str(_), LoggedValues::Str(v)) => Tensor::strings(shape, v.clone()),
            (_, LoggedValues::Int(_)) => return Err(wrong("integers")),
            (_, LoggedValues::Float(_)) => return Err(wrong("fractions or nulls")),
            (_, LoggedValues::Str(_)) => return Err(wrong("strings")),
        };
        tensor.map_err(|e| format!("output `{name}`: {e}"))
    }

    /// Element `element` of row `row`, for joining with offline predictions.
    pub fn value(&self, row: usize, element: usize) -> Option<LoggedValue<'_>> {
        if self.problem.is_some() {
            return None;
        }
        let width = self.width.unwrap_or(1);
        if element >= width {
            return None;
        }
        let i = row * width + element;
        match &self.values {
            LoggedValues::Int(v) => v.get(i).map(|&x| LoggedValue::Int(x)),
            LoggedValues::Float(v) => v.get(i).map(|&x| LoggedValue::Float(x)),
            LoggedValues::Str(v) => v.get(i).map(|s| LoggedValue::Str(s)),
        }
    }

    /// Values per row (1 for a scalar output).
    pub fn width(&self) -> usize {
        self.width.unwrap_or(1)
    }
}

/// One logged output value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LoggedValue<'a> {
    Int(i64),
    Float(f64),
    Str(&'a str),
}

fn value_f64(value: &Scalar<'_>) -> f64 {
    match value {
        Scalar::Int(i) => *i as f64,
        Scalar::Float(f) => *f,
        _ => f64::NAN,
    }
}

/// Logged records, in columns.
#[derive(Debug, Clone, PartialEq)]
pub struct LogBatch {
    source: String,
    /// Where each row is in the source: its line (JSON Lines) or 1-based row (Parquet).
    places: Vec<u64>,
    parquet: bool,
    /// Request ids, concatenated; `id_ends[i]` ends row i's.
    id_text: String,
    id_ends: Vec<usize>,
    /// The row within its request.
    request_rows: Vec<u64>,
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
    /// Reads JSON Lines records. `first_line` is the 1-based line number of the first line
    /// of `bytes` within `source`; `schema` types the logged inputs.
    pub fn from_jsonl(
        bytes: &[u8],
        source: &str,
        first_line: u64,
        schema: &[InputColumn],
    ) -> Result<Self, LogError> {
        // Validated once here, so the parser need not check each string again.
        let text = std::str::from_utf8(bytes).map_err(|err| {
            let valid = bytes.get(..err.valid_up_to()).unwrap_or_default();
            let line = first_line + valid.iter().filter(|b| **b == b'\n').count() as u64;
            LogError::Record {
                place: place_text(source, false, Some(line)),
                message: "the line is not valid UTF-8".to_owned(),
            }
        })?;
        let mut builder = Builder::new(source, schema, false);
        let mut rest = text;
        let mut next_line = first_line;
        while !rest.is_empty() {
            let line_no = next_line;
            next_line += 1;
            let end = rest.bytes().position(|b| b == b'\n').unwrap_or(rest.len());
            // `\n` is ASCII, so both ends are character boundaries.
            let line = rest.get(..end).unwrap_or_default();
            rest = rest.get(end + 1..).unwrap_or_default();
            let line = if line_no == 1 {
                line.strip_prefix('\u{feff}').unwrap_or(line)
            } else {
                line
            };
            if line.bytes().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            builder.begin_record(line_no);
            let mut deserializer = serde_json::Deserializer::from_str(line);
            let outcome = RecordSeed {
                builder: &mut builder,
            }
            .deserialize(&mut deserializer)
            .and_then(|seen| deserializer.end().map(|()| seen));
            let seen = match outcome {
                Ok(seen) => seen,
                Err(err) => return Err(builder.take_error(err.to_string())),
            };
            builder.end_record(seen)?;
        }
        builder.finish()
    }

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
        let start = if row == 0 {
            0
        } else {
            self.id_ends.get(row - 1).copied().unwrap_or(0)
        };
        let end = self.id_ends.get(row).copied().unwrap_or(start);
        self.id_text.get(start..end).unwrap_or("")
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

fn place_text(source: &str, parquet: bool, at: Option<u64>) -> String {
    match (parquet, at) {
        (_, None) => source.to_owned(),
        (false, Some(line)) => format!("{source}:{line}"),
        (true, Some(row)) => format!("{source}: row {row}"),
    }
}

/// Columns under construction.
pub(super) struct Builder<'s> {
    source: String,
    parquet: bool,
    places: Vec<u64>,
    id_text: String,
    id_ends: Vec<usize>,
    request_rows: Vec<u64>,
    pipeline_fingerprints: BTreeSet<String>,
    model_fingerprints: BTreeSet<String>,
    /// Which schema columns the inputs held, and the keys that are not columns.
    input_seen: Vec<bool>,
    unknown_keys: BTreeSet<String>,
    schema: &'s [InputColumn],
    input_index: HashMap<&'s str, usize>,
    /// The columns of the previous record's keys, in its order (`None`: not a column),
    /// and the position in the current record: records repeat their key order, so
    /// most keys are found without hashing.
    key_order: Vec<Option<usize>>,
    key_position: usize,
    inputs: Vec<InputBuilder>,
    features: Vec<f32>,
    feature_width: Option<usize>,
    /// Features in the record being read.
    record_features: usize,
    outputs: Vec<LoggedOutput>,
    /// A value error found inside a record, kept with its details (serde's error
    /// type carries only a message).
    value_error: Option<LogError>,
}

/// Which record fields were present.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Seen {
    pub(super) log_format: Option<u64>,
    pub(super) request_id: bool,
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
            id_text: String::new(),
            id_ends: Vec::new(),
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
        self.id_text.push_str(id);
        self.id_ends.push(self.id_text.len());
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
    fn begin_output(&mut self, name: &str) -> usize {
        let index = self.output_index(name);
        let rows = self.places.len();
        let place = place_text(&self.source, self.parquet, self.places.last().copied());
        if let Some(output) = self.outputs.get_mut(index)
            && output.rows >= rows
        {
            output.fail(|| format!("{place}: output `{name}` appears twice"));
        }
        index
    }

    /// Ends output `index` in the current record, `count` values pushed: every row must
    /// have as many.
    fn end_output(&mut self, index: usize, count: usize) {
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
    fn row(&self) -> usize {
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

    /// Reads a `features` array from its JSON text (already checked to be valid JSON).
    /// The numbers are parsed here rather than by the JSON parser: they are most of a
    /// record, and the standard library's correctly rounded parser is the faster one.
    fn push_features_json(&mut self, text: &str) -> Result<(), String> {
        let inner = text
            .trim()
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .ok_or_else(|| format!("`features` must be an array of numbers, found {text}"))?;
        if inner.trim().is_empty() {
            return Ok(());
        }
        // Byte-wise: the items are short, and a comma is never inside a number.
        let mut rest = inner;
        let mut j = 0;
        while !rest.is_empty() {
            let end = rest.bytes().position(|b| b == b',').unwrap_or(rest.len());
            let item = rest.get(..end).unwrap_or_default().trim_ascii();
            rest = rest.get(end + 1..).unwrap_or_default();
            let value = if item == "null" {
                None
            } else {
                Some(
                    item.parse::<f64>()
                        .map_err(|_| format!("feature {j} is {item}, expected a number or null"))?,
                )
            };
            self.push_feature(value);
            j += 1;
        }
        Ok(())
    }

    pub(super) fn push_feature(&mut self, value: Option<f64>) {
        // Logged features are f32 values widened exactly to f64: narrowing gives back
        // the bits the model saw. A null is a NaN feature.
        self.features.push(value.map_or(f32::NAN, |v| v as f32));
        self.record_features += 1;
    }

    fn output_index(&mut self, name: &str) -> usize {
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
        let place = self.place();
        let missing = |field| LogError::MissingField {
            place: place.clone(),
            field,
        };
        match seen.log_format {
            None => return Err(missing("log_format")),
            Some(v) if v != u64::from(LOG_FORMAT) => {
                return Err(LogError::Version {
                    place: place.clone(),
                    found: v,
                });
            }
            Some(_) => {}
        }
        for (present, field) in [
            (seen.request_id, "request_id"),
            (seen.pipeline, "pipeline_fingerprint"),
            (seen.model, "model_fingerprint"),
            (seen.inputs, "inputs"),
            (seen.features, "features"),
            (seen.outputs, "outputs"),
        ] {
            if !present {
                return Err(missing(field));
            }
        }
        if self.request_rows.len() < self.places.len() {
            self.request_rows.push(0);
        }
        let found = std::mem::take(&mut self.record_features);
        match self.feature_width {
            None => self.feature_width = Some(found),
            Some(expected) if expected != found => {
                return Err(LogError::FeatureWidth {
                    place,
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
        for output in &mut self.outputs {
            if output.rows < rows {
                output.rows = rows;
                let name = output.name.clone();
                output.fail(|| format!("{place}: output `{name}` is not in the log"));
            }
        }
        Ok(())
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
            id_text: self.id_text,
            id_ends: self.id_ends,
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

/// A nested record field given as JSON text (Parquet logs that keep it as a string).
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(feature = "parquet"), allow(dead_code))]
pub(super) enum Field {
    Inputs,
    Features,
    Outputs,
}

impl Builder<'_> {
    /// Parses one nested field of the current record from its JSON text.
    #[cfg_attr(not(feature = "parquet"), allow(dead_code))] // used by the Arrow reader
    pub(super) fn parse_field(&mut self, text: &str, field: Field) -> Result<(), LogError> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let parsed = match field {
            Field::Inputs => InputsSeed { builder: self }.deserialize(&mut deserializer),
            Field::Features => {
                let raw: Result<&RawValue, _> = serde::Deserialize::deserialize(&mut deserializer);
                raw.and_then(|raw| {
                    self.push_features_json(raw.get())
                        .map_err(<serde_json::Error as de::Error>::custom)
                })
            }
            Field::Outputs => OutputsSeed { builder: self }.deserialize(&mut deserializer),
        };
        parsed
            .and_then(|()| deserializer.end())
            .map_err(|err| self.take_error(err.to_string()))
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

/// Deserializes a [`Scalar`]; arrays and objects are refused.
struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number, string, boolean or null")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Int(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(v).map_or(Scalar::Float(v as f64), Scalar::Int))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Float(v))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
}

struct ScalarSeed;

impl<'de> DeserializeSeed<'de> for ScalarSeed {
    type Value = Scalar<'de>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

/// A map key, borrowed where the input allows.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Cow<'de, str>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Cow::Borrowed(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// One whole record, written into the builder as it is read.
struct RecordSeed<'b, 's> {
    builder: &'b mut Builder<'s>,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_, '_> {
    type Value = Seen;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Seen, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_, '_> {
    type Value = Seen;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object (one prediction log record)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Seen, A::Error> {
        let b = self.builder;
        let mut seen = Seen::default();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            match key.as_ref() {
                "log_format" => seen.log_format = Some(map.next_value()?),
                "request_id" => {
                    let id: Cow<'de, str> = map.next_value_seed(KeySeed)?;
                    if seen.request_id {
                        return Err(de::Error::custom("`request_id` appears twice"));
                    }
                    b.id_text.push_str(&id);
                    b.id_ends.push(b.id_text.len());
                    seen.request_id = true;
                }
                "row" => {
                    let row: u64 = map.next_value()?;
                    if b.request_rows.len() < b.places.len() {
                        b.request_rows.push(row);
                    }
                }
                "pipeline_fingerprint" | "model_fingerprint" => {
                    let fingerprint: Cow<'de, str> = map.next_value_seed(KeySeed)?;
                    let set = if key == "model_fingerprint" {
                        seen.model = true;
                        &mut b.model_fingerprints
                    } else {
                        seen.pipeline = true;
                        &mut b.pipeline_fingerprints
                    };
                    if !set.contains(fingerprint.as_ref()) {
                        set.insert(fingerprint.into_owned());
                    }
                }
                "inputs" => {
                    map.next_value_seed(InputsSeed { builder: b })?;
                    seen.inputs = true;
                }
                "features" => {
                    if seen.features {
                        return Err(de::Error::custom("`features` appears twice"));
                    }
                    let raw: &'de RawValue = map.next_value()?;
                    b.push_features_json(raw.get()).map_err(de::Error::custom)?;
                    seen.features = true;
                }
                "outputs" => {
                    if seen.outputs {
                        return Err(de::Error::custom("`outputs` appears twice"));
                    }
                    map.next_value_seed(OutputsSeed { builder: b })?;
                    seen.outputs = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(seen)
    }
}

/// `inputs`: an object of scalars, written into the typed input columns.
struct InputsSeed<'b, 's> {
    builder: &'b mut Builder<'s>,
}

impl<'de> DeserializeSeed<'de> for InputsSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for InputsSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of raw input values")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let value = map
                .next_value_seed(ScalarSeed)
                .map_err(|err| de::Error::custom(format_args!("input `{key}`: {err}")))?;
            if let Err(err) = self.builder.set_input(&key, value) {
                let message = err.to_string();
                self.builder.value_error = Some(err);
                return Err(de::Error::custom(message));
            }
        }
        Ok(())
    }
}

/// `outputs`: an object of scalars or arrays of scalars.
struct OutputsSeed<'b, 's> {
    builder: &'b mut Builder<'s>,
}

impl<'de> DeserializeSeed<'de> for OutputsSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for OutputsSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of output values")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let index = self.builder.begin_output(&key);
            let Some(output) = self.builder.outputs.get_mut(index) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let count = map.next_value_seed(OutputValueSeed { output })?;
            self.builder.end_output(index, count);
        }
        Ok(())
    }
}

/// One output's value in one record: a scalar (counted as 1) or an array.
struct OutputValueSeed<'o> {
    output: &'o mut LoggedOutput,
}

impl<'de> DeserializeSeed<'de> for OutputValueSeed<'_> {
    type Value = usize;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_any(self)
    }
}

impl OutputValueSeed<'_> {
    fn push(&mut self, value: Scalar<'_>) {
        self.output.push_or_fail(value);
    }
}

impl<'de> Visitor<'de> for OutputValueSeed<'_> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a scalar or an array of scalars")
    }

    fn visit_bool<E>(mut self, v: bool) -> Result<usize, E> {
        self.push(Scalar::Bool(v));
        Ok(1)
    }

    fn visit_i64<E>(mut self, v: i64) -> Result<usize, E> {
        self.push(Scalar::Int(v));
        Ok(1)
    }

    fn visit_u64<E>(mut self, v: u64) -> Result<usize, E> {
        self.push(i64::try_from(v).map_or(Scalar::Float(v as f64), Scalar::Int));
        Ok(1)
    }

    fn visit_f64<E>(mut self, v: f64) -> Result<usize, E> {
        self.push(Scalar::Float(v));
        Ok(1)
    }

    fn visit_str<E>(mut self, v: &str) -> Result<usize, E> {
        self.push(Scalar::Str(Cow::Borrowed(v)));
        Ok(1)
    }

    fn visit_unit<E>(mut self) -> Result<usize, E> {
        self.push(Scalar::Null);
        Ok(1)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<usize, A::Error> {
        let mut count = 0;
        while let Some(value) = seq.next_element_seed(ScalarSeed)? {
            self.push(value);
            count += 1;
        }
        Ok(count)
    }
}
