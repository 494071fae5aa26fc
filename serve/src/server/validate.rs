//! Raw features from a request → a `lockstep-core` [`Table`] with the pipeline's input
//! schema. Every rejection names the field, the offending value and what was expected.
//! JSON cannot carry NaN or infinity as numbers; the strings `"NaN"`, `"inf"`… are
//! refused as not-a-number, so no non-finite value reaches the transforms. Rows are
//! numbered from 1 in messages (as in the transform errors), and values are quoted
//! truncated ([`super::truncate`]).

use std::collections::HashSet;

use lockstep_core::table::builder::ColumnBuilder;
use lockstep_core::table::{Column, DataType, Table};
use lockstep_core::transform::InputColumn;
use serde_json::{Map, Value};

use super::error::AppError;
use super::oip::InputTensor;

/// The OIP datatype a column of `data_type` is described with in model metadata.
pub fn oip_datatype(data_type: DataType) -> &'static str {
    match data_type {
        DataType::Bool => "BOOL",
        DataType::Int64 => "INT64",
        DataType::Float64 => "FP64",
        DataType::Str => "BYTES",
    }
}

/// The OIP datatypes accepted for a column (int64 and float64 are interchangeable
/// for the transforms, as in `lockstep transform`).
fn accepted(data_type: DataType) -> &'static [&'static str] {
    match data_type {
        DataType::Bool => &["BOOL"],
        DataType::Int64 => &["INT64", "INT32"],
        DataType::Float64 => &["FP64", "FP32", "INT64", "INT32"],
        DataType::Str => &["BYTES"],
    }
}

/// One column being filled, value by value (the table's column builder).
struct Builder<'a> {
    schema: &'a InputColumn,
    /// The pipeline's null values (`FittedPipeline::is_null_value`).
    is_null: &'a dyn Fn(&str) -> bool,
    data: ColumnBuilder,
}

impl<'a> Builder<'a> {
    fn new(schema: &'a InputColumn, is_null: &'a dyn Fn(&str) -> bool, rows: usize) -> Self {
        Self {
            schema,
            is_null,
            data: ColumnBuilder::new(schema.data_type, rows),
        }
    }

    /// Appends `value` (row `index`, 0-based) or says why it does not fit.
    fn push(&mut self, index: usize, value: &Value) -> Result<(), AppError> {
        let name = &self.schema.name;
        let row = index + 1;
        let quoted = quote(value);
        let wrong = |what: &str| {
            AppError::BadRequest(format!(
                "field `{name}`, row {row}: value `{quoted}` is {what}, but the pipeline expects {} ({})",
                self.schema.data_type,
                self.schema.data_type.name()
            ))
        };
        match (&mut self.data, value) {
            (data, Value::Null) => data.push_null(),
            // The pipeline's null values (recorded at fit) mean what they meant in
            // the training file: `"NA"` is a null unless the pipeline says otherwise.
            (ColumnBuilder::Str(s), Value::String(text)) if (self.is_null)(text) => {
                s.push_null();
            }
            (ColumnBuilder::Bool(v), Value::Bool(b)) => v.push(Some(*b)),
            (ColumnBuilder::Int64(v), Value::Number(n)) => match n.as_i64() {
                Some(i) => v.push(Some(i)),
                None => return Err(wrong("not an integer")),
            },
            (ColumnBuilder::Float64(v), Value::Number(n)) => match n.as_f64() {
                Some(f) if f.is_finite() => v.push(Some(f)),
                _ => return Err(wrong("not a finite number")),
            },
            (ColumnBuilder::Float64(_), Value::String(s)) if is_non_finite(s) => {
                return Err(AppError::BadRequest(format!(
                    "field `{name}`, row {row}: value `{quoted}` is not allowed: NaN and infinity \
                     are refused (send null for a missing value)"
                )));
            }
            (ColumnBuilder::Str(s), Value::String(text)) => {
                s.push(Some(text)).map_err(|_| {
                    AppError::TooLarge(format!("field `{name}`: too many distinct strings"))
                })?;
            }
            (_, Value::Array(_) | Value::Object(_)) => return Err(wrong("nested")),
            (_, Value::Bool(_)) => return Err(wrong("a boolean")),
            (_, Value::Number(_)) => return Err(wrong("a number")),
            (_, Value::String(_)) => return Err(wrong("a string")),
        }
        Ok(())
    }

    fn finish(self) -> Column {
        self.data.finish_column(self.schema.name.clone())
    }
}

/// A value as JSON, truncated for an error message.
fn quote(value: &Value) -> String {
    super::truncate(&value.to_string(), 64)
}

fn is_non_finite(s: &str) -> bool {
    matches!(
        s.trim().to_ascii_lowercase().as_str(),
        "nan" | "inf" | "+inf" | "-inf" | "infinity" | "+infinity" | "-infinity"
    )
}

fn check_rows(rows: usize, max_rows: usize) -> Result<(), AppError> {
    if rows == 0 {
        return Err(AppError::BadRequest(
            "the batch is empty: send at least one row".into(),
        ));
    }
    if rows > max_rows {
        return Err(AppError::TooLarge(format!(
            "the batch has {rows} rows, over the limit of {max_rows} (--max-rows)"
        )));
    }
    Ok(())
}

fn table(columns: Vec<Column>) -> Result<Table, AppError> {
    Table::new(columns).map_err(|e| AppError::BadRequest(e.to_string()))
}

/// `{"rows": [{field: value, ...}, ...]}` → a table. Every row must hold every input
/// field (null for a missing value) and nothing else. A string of a string field for
/// which `is_null` holds (the pipeline's null values) is read as null.
pub fn rows_to_table(
    schema: &[InputColumn],
    is_null: &dyn Fn(&str) -> bool,
    rows: &[Map<String, Value>],
    max_rows: usize,
) -> Result<Table, AppError> {
    check_rows(rows.len(), max_rows)?;
    let mut builders: Vec<Builder> = schema
        .iter()
        .map(|c| Builder::new(c, is_null, rows.len()))
        .collect();
    for (index, row) in rows.iter().enumerate() {
        if let Some(key) = row.keys().find(|k| !schema.iter().any(|c| &c.name == *k)) {
            return Err(AppError::BadRequest(format!(
                "row {}: unknown field `{}` with value `{}` (expected fields: {})",
                index + 1,
                super::truncate(key, 64),
                quote(&row[key.as_str()]),
                field_list(schema)
            )));
        }
        for builder in &mut builders {
            let value = row.get(&builder.schema.name).ok_or_else(|| {
                AppError::BadRequest(format!(
                    "row {}: missing field `{}` ({}; send null for a missing value)",
                    index + 1,
                    builder.schema.name,
                    builder.schema.data_type
                ))
            })?;
            builder.push(index, value)?;
        }
    }
    table(builders.into_iter().map(Builder::finish).collect())
}

/// OIP input tensors, one per raw feature, shape `[batch]` or `[batch, 1]` → a table.
pub fn tensors_to_table(
    schema: &[InputColumn],
    is_null: &dyn Fn(&str) -> bool,
    inputs: &[InputTensor],
    max_rows: usize,
) -> Result<Table, AppError> {
    let mut seen = HashSet::new();
    for input in inputs {
        if !schema.iter().any(|c| c.name == input.name) {
            return Err(AppError::BadRequest(format!(
                "unknown input `{}` (expected inputs: {})",
                super::truncate(&input.name, 64),
                field_list(schema)
            )));
        }
        if !seen.insert(input.name.as_str()) {
            return Err(AppError::BadRequest(format!(
                "input `{}` is given twice",
                input.name
            )));
        }
    }
    let mut batch: Option<(usize, &str)> = None;
    let mut columns = Vec::with_capacity(schema.len());
    for column in schema {
        let input = inputs
            .iter()
            .find(|i| i.name == column.name)
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "missing input `{}` ({}, OIP datatype {}, shape [batch] or [batch, 1])",
                    column.name,
                    column.data_type,
                    oip_datatype(column.data_type)
                ))
            })?;
        if !accepted(column.data_type).contains(&input.datatype.as_str()) {
            return Err(AppError::BadRequest(format!(
                "input `{}`: datatype `{}` does not fit the pipeline's {} column (use {})",
                input.name,
                super::truncate(&input.datatype, 64),
                column.data_type.name(),
                accepted(column.data_type).join(" or ")
            )));
        }
        let rows = match input.shape.as_slice() {
            [n] | [n, 1] if *n >= 0 => *n as usize,
            other => {
                return Err(AppError::BadRequest(format!(
                    "input `{}`: shape {other:?} is not [batch] or [batch, 1]",
                    input.name
                )));
            }
        };
        match batch {
            None => check_rows(rows, max_rows).map(|()| batch = Some((rows, &input.name)))?,
            Some((n, first)) if n != rows => {
                return Err(AppError::BadRequest(format!(
                    "input `{}` has batch size {rows} but input `{first}` has {n}: every input needs one value per row",
                    input.name
                )));
            }
            Some(_) => {}
        }
        let values = flatten(&input.data);
        if values.len() != rows {
            return Err(AppError::BadRequest(format!(
                "input `{}`: shape {:?} needs {rows} values but `data` holds {}",
                input.name,
                input.shape,
                values.len()
            )));
        }
        let mut builder = Builder::new(column, is_null, rows);
        for (row, value) in values.into_iter().enumerate() {
            builder.push(row, value)?;
        }
        columns.push(builder.finish());
    }
    table(columns)
}

/// OIP `data` may be flat or nested row-major; a scalar counts as one value.
fn flatten(data: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    let mut stack = vec![data];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(items) => stack.extend(items.iter().rev()),
            other => out.push(other),
        }
    }
    out
}

fn field_list(schema: &[InputColumn]) -> String {
    schema
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
