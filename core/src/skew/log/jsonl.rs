//! The JSON Lines reader: records parsed in one pass straight into the [`Builder`]'s
//! columns by serde visitors, without building `serde_json::Value` trees (the bytes of
//! a batch are scanned once; `scripts/bench/skew_replay.sh` measures it).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::transform::InputColumn;

use super::batch::LogBatch;
use super::builder::{Builder, Scalar, Seen, set_optional_text, set_text};
use super::error::{LogError, place_text};
use super::output::LoggedOutput;

/// A last line that a crash or a full disk cut short: the file does not end with a line
/// end, and the line is not a whole JSON value. It is reported and skipped; the rest of
/// the file is read. (Only the last line of a file can be torn: a bad line anywhere
/// else is an error.)
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct TornLine {
    pub file: String,
    /// 1-based line number.
    pub line: u64,
    /// The torn line's length in bytes.
    pub bytes: u64,
}

impl fmt::Display for TornLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: the last line is torn ({} bytes and no line end; a crash or a full disk \
             cut it short) and was not read",
            self.file, self.line, self.bytes
        )
    }
}

/// Whether `line` (with no line end after it) is a record cut short: invalid UTF-8 only
/// at its very end, or JSON that ends before the value does.
fn is_torn(line: &[u8]) -> bool {
    let text = match std::str::from_utf8(line) {
        Ok(text) => text,
        Err(err) => return err.error_len().is_none(),
    };
    if text.trim_ascii().is_empty() {
        return false;
    }
    match serde_json::from_str::<IgnoredAny>(text) {
        Ok(_) => false,
        Err(err) => err.classify() == serde_json::error::Category::Eof,
    }
}

impl LogBatch {
    /// Reads the last JSON Lines chunk of a file, like [`LogBatch::from_jsonl`], except
    /// that a torn last line (see [`TornLine`]) is set aside and returned instead of
    /// failing the chunk.
    pub fn from_jsonl_at_end(
        bytes: &[u8],
        source: &str,
        first_line: u64,
        schema: &[InputColumn],
    ) -> Result<(Self, Option<TornLine>), LogError> {
        if bytes.last().is_none_or(|&b| b == b'\n') {
            return Self::from_jsonl(bytes, source, first_line, schema).map(|b| (b, None));
        }
        let start = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let (whole, last) = bytes.split_at(start);
        if !is_torn(last) {
            return Self::from_jsonl(bytes, source, first_line, schema).map(|b| (b, None));
        }
        let line = first_line + whole.iter().filter(|&&b| b == b'\n').count() as u64;
        let batch = Self::from_jsonl(whole, source, first_line, schema)?;
        Ok((
            batch,
            Some(TornLine {
                file: source.to_owned(),
                line,
                bytes: last.len() as u64,
            }),
        ))
    }

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
            let end = memchr::memchr(b'\n', rest.as_bytes()).unwrap_or(rest.len());
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
}

impl Builder<'_> {
    /// Reads a `features` array from its JSON text (already checked to be valid JSON).
    /// The numbers are parsed here rather than by the JSON parser: they are most of a
    /// record, and the standard library's correctly rounded parser is the faster one.
    pub(super) fn push_features_json(&mut self, text: &str) -> Result<(), String> {
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

/// A string or null, borrowed where the input allows.
struct OptionalTextSeed;

impl<'de> DeserializeSeed<'de> for OptionalTextSeed {
    type Value = Option<Cow<'de, str>>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        struct OptionalVisitor;
        impl<'de> Visitor<'de> for OptionalVisitor {
            type Value = Option<Cow<'de, str>>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or null")
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                KeySeed.deserialize(d).map(Some)
            }
        }
        d.deserialize_option(OptionalVisitor)
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
                        return Err(de::Error::custom(
                            "`request_id` appears twice (or both in `request` and outside it)",
                        ));
                    }
                    set_text(&mut b.row_request_id, &id);
                    seen.request_id = true;
                }
                "request" => {
                    if seen.request_id || seen.request_object {
                        return Err(de::Error::custom(
                            "`request` appears twice, or beside a top-level `request_id`",
                        ));
                    }
                    map.next_value_seed(RequestSeed {
                        builder: b,
                        seen: &mut seen,
                    })?;
                    seen.request_object = true;
                }
                "client_id"
                | "timestamp"
                | "endpoint"
                | "model"
                | "timestamp_ms"
                | "pipeline_fingerprint"
                | "model_fingerprint" => {
                    request_field(b, &mut seen, key.as_ref(), &mut map)?;
                }
                "row" => {
                    let row: u64 = map.next_value()?;
                    if b.request_rows.len() < b.places.len() {
                        b.request_rows.push(row);
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

/// Reads one request-level field's value (at the top of a format-1 record, or inside a
/// format-2 record's `request` object) into the builder's request head.
fn request_field<'de, A: MapAccess<'de>>(
    b: &mut Builder<'_>,
    seen: &mut Seen,
    key: &str,
    map: &mut A,
) -> Result<(), A::Error> {
    match key {
        "timestamp_ms" => {
            b.head.timestamp_ms = map.next_value()?;
            seen.timestamp_ms = true;
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
        _ => {
            let value = map.next_value_seed(OptionalTextSeed)?;
            let (slot, flag) = match key {
                "client_id" => (&mut b.head.client_id, &mut seen.client_id),
                "timestamp" => (&mut b.head.timestamp, &mut seen.timestamp),
                "endpoint" => (&mut b.head.endpoint, &mut seen.endpoint),
                _ => (&mut b.head.model, &mut seen.model_name),
            };
            set_optional_text(slot, value.as_deref());
            *flag = true;
        }
    }
    Ok(())
}

/// A format-2 record's `request` object: the request-level fields, once per request.
struct RequestSeed<'b, 's> {
    builder: &'b mut Builder<'s>,
    seen: &'b mut Seen,
}

impl<'de> DeserializeSeed<'de> for RequestSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RequestSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of the request's fields")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let b = self.builder;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            match key.as_ref() {
                "request_id" => {
                    let id: Cow<'de, str> = map.next_value_seed(KeySeed)?;
                    set_text(&mut b.head.request_id, &id);
                    self.seen.request_id = true;
                }
                "client_id"
                | "timestamp"
                | "endpoint"
                | "model"
                | "timestamp_ms"
                | "pipeline_fingerprint"
                | "model_fingerprint" => {
                    request_field(b, self.seen, key.as_ref(), &mut map)?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
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
