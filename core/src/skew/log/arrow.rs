//! Prediction logs as Arrow record batches (feature `parquet`): logs that a pipeline
//! converted to Parquet, e.g. with `pyarrow.json.read_json` + `pyarrow.parquet.write_table`
//! or Spark's `spark.read.json(...).write.parquet(...)`.
//!
//! The columns are the record's fields (docs/serving-log-format.md). `inputs` and
//! `outputs` are structs (one child per input or output) and `features` a list of
//! numbers — what those converters produce — or any of the three may be a string
//! column holding the field's JSON text, as log shippers that keep nested values as
//! text write them. Other columns (`timestamp`, `endpoint`, …) are ignored.

use std::borrow::Cow;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch, StructArray};

use super::batch::LogBatch;
use super::builder::{Builder, Scalar, Seen, set_optional_text};
use super::error::LogError;
use super::jsonl::Field;
use crate::transform::InputColumn;

/// Reads one scalar of a row.
type Reader<'a> = Box<dyn Fn(usize) -> Scalar<'a> + 'a>;

/// A scalar reader for `array`, or `None` for a type that holds no scalars.
fn scalars(array: &dyn Array) -> Option<Reader<'_>> {
    macro_rules! prim {
        ($t:ty, $variant:ident, $conv:expr) => {
            if let Some(a) = array.as_primitive_opt::<$t>() {
                return Some(Box::new(move |i| {
                    if a.is_null(i) {
                        Scalar::Null
                    } else {
                        Scalar::$variant($conv(a.value(i)))
                    }
                }));
            }
        };
    }
    prim!(Int8Type, Int, i64::from);
    prim!(Int16Type, Int, i64::from);
    prim!(Int32Type, Int, i64::from);
    prim!(Int64Type, Int, |v: i64| v);
    prim!(UInt8Type, Int, i64::from);
    prim!(UInt16Type, Int, i64::from);
    prim!(UInt32Type, Int, i64::from);
    prim!(Float32Type, Float, f64::from);
    prim!(Float64Type, Float, |v: f64| v);
    if let Some(a) = array.as_primitive_opt::<UInt64Type>() {
        return Some(Box::new(move |i| {
            if a.is_null(i) {
                Scalar::Null
            } else {
                let v = a.value(i);
                i64::try_from(v).map_or(Scalar::Float(v as f64), Scalar::Int)
            }
        }));
    }
    if let Some(a) = array.as_boolean_opt() {
        return Some(Box::new(move |i| {
            if a.is_null(i) {
                Scalar::Null
            } else {
                Scalar::Bool(a.value(i))
            }
        }));
    }
    text(array).map(|read| -> Reader<'_> {
        Box::new(move |i| read(i).map_or(Scalar::Null, |s| Scalar::Str(Cow::Borrowed(s))))
    })
}

/// Reads the text of a row of a string column.
type TextReader<'a> = Box<dyn Fn(usize) -> Option<&'a str> + 'a>;

fn text(array: &dyn Array) -> Option<TextReader<'_>> {
    if let Some(a) = array.as_string_opt::<i32>() {
        return Some(Box::new(move |i| (!a.is_null(i)).then(|| a.value(i))));
    }
    if let Some(a) = array.as_string_opt::<i64>() {
        return Some(Box::new(move |i| (!a.is_null(i)).then(|| a.value(i))));
    }
    if let Some(a) = array.as_string_view_opt() {
        return Some(Box::new(move |i| (!a.is_null(i)).then(|| a.value(i))));
    }
    if let Some(a) = array.as_any_dictionary_opt() {
        let keys = a.normalized_keys();
        let values = a.values();
        if let Some(v) = values.as_string_opt::<i32>() {
            return Some(Box::new(move |i| {
                (!array.is_null(i)).then(|| v.value(keys[i]))
            }));
        }
    }
    None
}

/// Row `i`'s range of a list column's values, `None` for a null list.
type Ranges<'a> = Box<dyn Fn(usize) -> Option<(usize, usize)> + 'a>;

/// A list column: each row's range, and a reader of the values (resolved once).
struct Lists<'a> {
    ranges: Ranges<'a>,
    values: Reader<'a>,
}

/// Reads a list column of scalars; `Err` names what it holds instead.
fn lists(array: &dyn Array) -> Option<Result<Lists<'_>, String>> {
    let (ranges, values): (Ranges<'_>, &ArrayRef) = if let Some(a) = array.as_list_opt::<i32>() {
        let o = a.value_offsets();
        (
            Box::new(move |i| (!a.is_null(i)).then(|| (o[i] as usize, o[i + 1] as usize))),
            a.values(),
        )
    } else if let Some(a) = array.as_list_opt::<i64>() {
        let o = a.value_offsets();
        (
            Box::new(move |i| (!a.is_null(i)).then(|| (o[i] as usize, o[i + 1] as usize))),
            a.values(),
        )
    } else if let Some(a) = array.as_fixed_size_list_opt() {
        let n = a.value_length() as usize;
        (
            Box::new(move |i| (!a.is_null(i)).then(|| (i * n, (i + 1) * n))),
            a.values(),
        )
    } else {
        return None;
    };
    Some(
        scalars(values.as_ref())
            .map(|values| Lists { ranges, values })
            .ok_or_else(|| {
                format!(
                    "is a list of {}, expected a list of scalars",
                    values.data_type()
                )
            }),
    )
}

/// How a nested field (`inputs`, `features`, `outputs`) is stored.
enum Nested<'a> {
    /// `inputs` / `outputs` as a struct: (name, reader) per child; list children are
    /// vector outputs.
    Struct(Vec<(String, Child<'a>)>),
    /// `features` as a list of numbers.
    List(Lists<'a>),
    /// The field's JSON text.
    Json(TextReader<'a>),
}

enum Child<'a> {
    Scalar(Reader<'a>),
    List(Lists<'a>),
}

impl LogBatch {
    /// Reads a whole Parquet log held in memory, `batch_rows` records at a time, handing
    /// each batch to `each` (which may stop the reading with an error).
    pub fn read_parquet<E: From<LogError>>(
        bytes: &[u8],
        source: &str,
        schema: &[InputColumn],
        batch_rows: usize,
        mut each: impl FnMut(LogBatch) -> Result<(), E>,
    ) -> Result<(), E> {
        let not_parquet = |message: String| LogError::Unreadable {
            place: source.to_owned(),
            message: format!("not a readable Parquet log: {message}"),
        };
        // Opened through `open_parquet` (its walk of the footer and page headers); calls
        // into the `parquet` crate are guarded: it panics on some malformed pages.
        use crate::table::catch_decoder_panic as decode;
        let builder = crate::table::open_parquet(bytes::Bytes::copy_from_slice(bytes))
            .map_err(&not_parquet)?;
        let mut reader = decode(|| builder.with_batch_size(batch_rows.max(1)).build())
            .map_err(&not_parquet)?
            .map_err(|e| not_parquet(e.to_string()))?;
        let mut first_row = 1;
        while let Some(batch) = decode(|| reader.next()).map_err(&not_parquet)? {
            let batch = batch.map_err(|e| not_parquet(e.to_string()))?;
            let rows = batch.num_rows() as u64;
            each(Self::from_arrow(&batch, source, first_row, schema)?)?;
            first_row += rows;
        }
        Ok(())
    }

    /// Reads the records of an Arrow record batch (rows `first_row`, `first_row + 1`, …
    /// of `source`, 1-based); `schema` types the logged inputs.
    pub fn from_arrow(
        batch: &RecordBatch,
        source: &str,
        first_row: u64,
        schema: &[InputColumn],
    ) -> Result<Self, LogError> {
        let column_error = |column: &str, problem: String| LogError::Column {
            file: source.to_owned(),
            column: column.to_owned(),
            problem,
        };
        let column = |name: &'static str| -> Result<&ArrayRef, LogError> {
            batch.column_by_name(name).ok_or_else(|| {
                column_error(
                    name,
                    format!(
                        "is missing (columns: {})",
                        batch
                            .schema()
                            .fields()
                            .iter()
                            .map(|f| f.name().as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })
        };
        if batch.column_by_name("request").is_some()
            && batch.column_by_name("pipeline_fingerprint").is_none()
        {
            return Err(column_error(
                "request",
                "holds log_format 2's request fields, written once per request: fill every \
                 row's fields from its request's first record when converting the log \
                 (scripts/logs_to_parquet.py; docs/skew-ci.md, \"Parquet logs\")"
                    .to_owned(),
            ));
        }
        let typed = |name: &'static str, what: &str| {
            let array = column(name)?;
            Ok::<_, LogError>((
                array,
                format!("has type {}, expected {what}", array.data_type()),
            ))
        };

        let (array, wrong) = typed("log_format", "an integer")?;
        let log_format =
            scalars(array.as_ref()).ok_or_else(|| column_error("log_format", wrong))?;
        let (array, wrong) = typed("request_id", "strings")?;
        let request_id = text(array.as_ref()).ok_or_else(|| column_error("request_id", wrong))?;
        let row = match batch.column_by_name("row") {
            None => None,
            Some(array) => Some(scalars(array.as_ref()).ok_or_else(|| {
                column_error(
                    "row",
                    format!("has type {}, expected integers", array.data_type()),
                )
            })?),
        };
        // Request-level text fields are read where present as text (pyarrow turns
        // `timestamp` into a timestamp column: it is then left out, like any other).
        let optional_text = |name: &str| batch.column_by_name(name).and_then(|a| text(a.as_ref()));
        let client_id = optional_text("client_id");
        let timestamp = optional_text("timestamp");
        let endpoint = optional_text("endpoint");
        let model_name = optional_text("model");
        let timestamp_ms = batch
            .column_by_name("timestamp_ms")
            .and_then(|a| scalars(a.as_ref()));
        let (array, wrong) = typed("pipeline_fingerprint", "strings")?;
        let pipeline =
            text(array.as_ref()).ok_or_else(|| column_error("pipeline_fingerprint", wrong))?;
        let (array, wrong) = typed("model_fingerprint", "strings")?;
        let model = text(array.as_ref()).ok_or_else(|| column_error("model_fingerprint", wrong))?;
        let inputs =
            nested(column("inputs")?.as_ref(), "inputs").map_err(|p| column_error("inputs", p))?;
        let features = nested(column("features")?.as_ref(), "features")
            .map_err(|p| column_error("features", p))?;
        let outputs = nested(column("outputs")?.as_ref(), "outputs")
            .map_err(|p| column_error("outputs", p))?;

        let mut builder = Builder::new(source, schema, true);
        for i in 0..batch.num_rows() {
            builder.begin_record(first_row + i as u64);
            let place = || builder.place();
            let missing = |field| LogError::MissingField {
                place: place(),
                field,
            };
            let log_format = match log_format(i) {
                Scalar::Int(v) => u64::try_from(v).unwrap_or(u64::MAX),
                Scalar::Null => return Err(missing("log_format")),
                _ => u64::MAX,
            };
            let id = request_id(i).ok_or_else(|| missing("request_id"))?;
            let request_row = match row.as_ref().map(|r| r(i)) {
                Some(Scalar::Int(v)) => Some(u64::try_from(v).unwrap_or(0)),
                _ => None,
            };
            let pipeline_fp = pipeline(i).ok_or_else(|| missing("pipeline_fingerprint"))?;
            let model_fp = model(i).ok_or_else(|| missing("model_fingerprint"))?;
            builder.set_request(id, request_row);
            let head = &mut builder.head;
            set_optional_text(&mut head.client_id, client_id.as_ref().and_then(|r| r(i)));
            set_optional_text(&mut head.timestamp, timestamp.as_ref().and_then(|r| r(i)));
            set_optional_text(&mut head.endpoint, endpoint.as_ref().and_then(|r| r(i)));
            set_optional_text(&mut head.model, model_name.as_ref().and_then(|r| r(i)));
            head.timestamp_ms = match timestamp_ms.as_ref().map(|r| r(i)) {
                Some(Scalar::Int(v)) => u64::try_from(v).ok(),
                _ => None,
            };
            builder.add_fingerprints(pipeline_fp, model_fp);
            let seen = Seen {
                log_format: Some(log_format),
                request_object: false,
                request_id: true,
                pipeline: true,
                model: true,
                inputs: read_inputs(&mut builder, &inputs, i)?,
                features: read_features(&mut builder, &features, i)?,
                outputs: read_outputs(&mut builder, &outputs, i)?,
                client_id: client_id.is_some(),
                timestamp: timestamp.is_some(),
                timestamp_ms: timestamp_ms.is_some(),
                endpoint: endpoint.is_some(),
                model_name: model_name.is_some(),
            };
            builder.end_record(seen)?;
        }
        builder.finish()
    }
}

fn nested<'a>(array: &'a dyn Array, field: &str) -> Result<Nested<'a>, String> {
    if let Some(read) = text(array) {
        return Ok(Nested::Json(read));
    }
    if field == "features" {
        return match lists(array) {
            Some(found) => found.map(Nested::List),
            None => Err(format!(
                "has type {}, expected a list of numbers or JSON text",
                array.data_type()
            )),
        };
    }
    let Some(s) = array.as_struct_opt() else {
        return Err(format!(
            "has type {}, expected a struct or JSON text",
            array.data_type()
        ));
    };
    struct_children(s, field).map(Nested::Struct)
}

fn struct_children<'a>(
    s: &'a StructArray,
    field: &str,
) -> Result<Vec<(String, Child<'a>)>, String> {
    s.fields()
        .iter()
        .zip(s.columns())
        .map(|(f, child)| {
            let reader = match scalars(child.as_ref()) {
                Some(r) => Child::Scalar(r),
                None if field == "outputs" => match lists(child.as_ref()) {
                    Some(found) => Child::List(found.map_err(|p| format!("`{}` {p}", f.name()))?),
                    None => {
                        return Err(format!(
                            "`{}` has type {}, expected scalars or lists of scalars",
                            f.name(),
                            child.data_type()
                        ));
                    }
                },
                None => {
                    return Err(format!(
                        "`{}` has type {}, expected a number, string or boolean",
                        f.name(),
                        child.data_type()
                    ));
                }
            };
            Ok((f.name().clone(), reader))
        })
        .collect()
}

fn read_inputs(builder: &mut Builder<'_>, inputs: &Nested<'_>, i: usize) -> Result<bool, LogError> {
    match inputs {
        Nested::Struct(children) => {
            for (name, child) in children {
                if let Child::Scalar(read) = child {
                    builder.set_input(name, read(i))?;
                }
            }
            Ok(true)
        }
        Nested::Json(read) => match read(i) {
            None => Ok(false),
            Some(text) => builder.parse_field(text, Field::Inputs).map(|()| true),
        },
        Nested::List(_) => Ok(false),
    }
}

fn read_features(
    builder: &mut Builder<'_>,
    features: &Nested<'_>,
    i: usize,
) -> Result<bool, LogError> {
    match features {
        Nested::List(lists) => match (lists.ranges)(i) {
            None => Ok(false),
            Some((start, end)) => {
                for j in start..end {
                    let value = match (lists.values)(j) {
                        Scalar::Null => None,
                        Scalar::Int(v) => Some(v as f64),
                        Scalar::Float(v) => Some(v),
                        other => {
                            return Err(LogError::Record {
                                place: builder.place(),
                                message: format!(
                                    "feature {} is {}, expected a number",
                                    j - start,
                                    other.text()
                                ),
                            });
                        }
                    };
                    builder.push_feature(value);
                }
                Ok(true)
            }
        },
        Nested::Json(read) => match read(i) {
            None => Ok(false),
            Some(text) => builder.parse_field(text, Field::Features).map(|()| true),
        },
        Nested::Struct(_) => Ok(false),
    }
}

fn read_outputs(
    builder: &mut Builder<'_>,
    outputs: &Nested<'_>,
    i: usize,
) -> Result<bool, LogError> {
    match outputs {
        Nested::Struct(children) => {
            for (name, child) in children {
                match child {
                    Child::Scalar(read) => builder.push_output(name, false, [read(i)]),
                    Child::List(lists) => match (lists.ranges)(i) {
                        Some((start, end)) => {
                            builder.push_output(name, true, (start..end).map(&lists.values));
                        }
                        None => builder.push_output(name, false, [Scalar::Null]),
                    },
                }
            }
            Ok(true)
        }
        Nested::Json(read) => match read(i) {
            None => Ok(false),
            Some(text) => builder.parse_field(text, Field::Outputs).map(|()| true),
        },
        Nested::List(_) => Ok(false),
    }
}
