//! Parquet bytes → [`Table`] (feature `parquet`), through arrow record batches.
//!
//! Column types map as: boolean → bool; signed integers and uint8/16/32 → int64;
//! float32/64 → float64 (`NaN` is read as null, as pandas means it); utf8,
//! large utf8, utf8 view and dictionaries of them → string. Any other type is an
//! error naming the column and its type. Pages may be uncompressed or snappy.

use std::collections::HashMap;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type,
};
use arrow_array::{Array, ArrayRef, RecordBatchReader};
use arrow_schema::DataType as ArrowType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::{Column, ColumnData, StrColumn, Table, TableError};

pub(super) fn read_parquet(bytes: &[u8]) -> Result<Table, TableError> {
    let data = bytes::Bytes::copy_from_slice(bytes);
    let reader = ParquetRecordBatchReaderBuilder::try_new(data)
        .and_then(|b| b.build())
        .map_err(parquet_error)?;
    let schema = reader.schema();
    let mut builders: Vec<Builder> = schema
        .fields()
        .iter()
        .map(|f| Builder::new(f.name(), f.data_type()))
        .collect::<Result<_, _>>()?;
    for batch in reader {
        let batch = batch.map_err(|err| TableError::Parquet {
            message: err.to_string(),
        })?;
        for (builder, array) in builders.iter_mut().zip(batch.columns()) {
            builder.append(array)?;
        }
    }
    Table::new(builders.into_iter().map(Builder::finish).collect())
}

fn parquet_error(err: parquet::errors::ParquetError) -> TableError {
    TableError::Parquet {
        message: err.to_string(),
    }
}

struct Builder {
    name: String,
    data: ColumnData,
    index: HashMap<String, u32>,
}

impl Builder {
    fn new(name: &str, data_type: &ArrowType) -> Result<Self, TableError> {
        let data = match value_type(data_type) {
            ArrowType::Boolean => ColumnData::Bool(Vec::new()),
            ArrowType::Int8
            | ArrowType::Int16
            | ArrowType::Int32
            | ArrowType::Int64
            | ArrowType::UInt8
            | ArrowType::UInt16
            | ArrowType::UInt32 => ColumnData::Int64(Vec::new()),
            ArrowType::Float32 | ArrowType::Float64 => ColumnData::Float64(Vec::new()),
            ArrowType::Utf8 | ArrowType::LargeUtf8 | ArrowType::Utf8View => {
                ColumnData::Str(StrColumn::default())
            }
            other => {
                return Err(TableError::UnsupportedParquetType {
                    column: name.to_owned(),
                    data_type: other.to_string(),
                });
            }
        };
        Ok(Self {
            name: name.to_owned(),
            data,
            index: HashMap::new(),
        })
    }

    fn append(&mut self, array: &ArrayRef) -> Result<(), TableError> {
        let unsupported = || TableError::UnsupportedParquetType {
            column: self.name.clone(),
            data_type: array.data_type().to_string(),
        };
        match &mut self.data {
            ColumnData::Bool(out) => {
                let a = array.as_boolean_opt().ok_or_else(unsupported)?;
                out.extend(a.iter());
            }
            ColumnData::Int64(out) => {
                macro_rules! ints {
                    ($($t:ty),*) => {
                        $(if let Some(a) = array.as_primitive_opt::<$t>() {
                            out.extend(a.iter().map(|v| v.map(i64::from)));
                            return Ok(());
                        })*
                    };
                }
                ints!(
                    Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type
                );
                return Err(unsupported());
            }
            ColumnData::Float64(out) => {
                let not_nan = |v: Option<f64>| v.filter(|x| !x.is_nan());
                if let Some(a) = array.as_primitive_opt::<Float64Type>() {
                    out.extend(a.iter().map(not_nan));
                } else if let Some(a) = array.as_primitive_opt::<Float32Type>() {
                    out.extend(a.iter().map(|v| not_nan(v.map(f64::from))));
                } else {
                    return Err(unsupported());
                }
            }
            ColumnData::Str(out) => {
                let strings = strings(array).ok_or_else(unsupported)?;
                for value in strings {
                    let code = value.map(|text| {
                        *self.index.entry(text.clone()).or_insert_with(|| {
                            out.dictionary.push(text);
                            (out.dictionary.len() - 1) as u32
                        })
                    });
                    out.codes.push(code);
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> Column {
        Column::new(self.name, self.data)
    }
}

/// The type of the values: a dictionary's value type, else the type itself.
fn value_type(data_type: &ArrowType) -> &ArrowType {
    match data_type {
        ArrowType::Dictionary(_, values) => values,
        other => other,
    }
}

/// The strings of a utf8-like array, or of a dictionary of them.
fn strings(array: &ArrayRef) -> Option<Vec<Option<String>>> {
    let own = |i: usize, text: &str| (!array.is_null(i)).then(|| text.to_owned());
    if let Some(a) = array.as_string_opt::<i32>() {
        return Some((0..a.len()).map(|i| own(i, a.value(i))).collect());
    }
    if let Some(a) = array.as_string_opt::<i64>() {
        return Some((0..a.len()).map(|i| own(i, a.value(i))).collect());
    }
    if let Some(a) = array.as_string_view_opt() {
        return Some((0..a.len()).map(|i| own(i, a.value(i))).collect());
    }
    let dictionary = array.as_any_dictionary_opt()?;
    let values = strings(dictionary.values())?;
    let keys = dictionary.normalized_keys();
    Some(
        keys.iter()
            .enumerate()
            .map(|(i, k)| {
                if array.is_null(i) {
                    None
                } else {
                    values.get(*k).cloned().flatten()
                }
            })
            .collect(),
    )
}
