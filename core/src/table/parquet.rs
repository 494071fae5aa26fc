//! Parquet bytes → [`Table`] (feature `parquet`), through arrow record batches; the
//! same conversion reads in-memory record batches ([`Table::from_record_batches`]).
//!
//! Column types map as: boolean → bool; signed integers and uint8/16/32 → int64;
//! float32/64 → float64 (`NaN` is read as null, as pandas means it); utf8,
//! large utf8, utf8 view and dictionaries of them → string. Any other type is an
//! error naming the column and its type. Pages may be uncompressed, snappy, gzip, LZ4 or
//! LZ4_RAW; a ZSTD, Brotli or LZO column is [`TableError::UnsupportedParquetCodec`].

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type,
};
use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch, RecordBatchReader};
use arrow_buffer::{BooleanBuffer, NullBuffer};
use arrow_schema::{DataType as ArrowType, Schema};
use parquet::basic::Compression;

use super::builder::ColumnBuilder;
use super::parquet_open::open_parquet;
use super::{Column, ColumnData, DataType, StrColumn, Table, TableError};

pub(super) fn read_parquet(bytes: &[u8]) -> Result<Table, TableError> {
    guard(|| read_parquet_unguarded(bytes))
}

/// The `parquet` crate panics on some malformed pages instead of returning an error (an
/// `expect` in its page decoder: `fuzz/` target `table_parquet` found one,
/// `tests/data/fuzz/table_parquet-decoder-panic.parquet`). Natively such a panic
/// becomes a named error; a wasm32 build aborts on panic, and the page's worker is
/// restarted.
fn guard<T>(read: impl FnOnce() -> Result<T, TableError>) -> Result<T, TableError> {
    catch_decoder_panic(read).unwrap_or_else(|message| Err(TableError::Parquet { message }))
}

/// Runs `decode` (a call into the `parquet` crate); natively, a panic inside it is
/// returned as `Err("the file is malformed (the Parquet decoder failed: …)")`. Every
/// reader of Parquet in the workspace (tables, logs, `lockstep skew`'s streaming reader)
/// goes through it.
pub fn catch_decoder_panic<T>(decode: impl FnOnce() -> T) -> Result<T, String> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(decode)).map_err(|panic| {
            let detail = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            format!(
                "the file is malformed (the Parquet decoder failed: {})",
                crate::excerpt::excerpt(&detail)
            )
        })
    }
    #[cfg(target_arch = "wasm32")]
    {
        Ok(decode())
    }
}

/// Reads Parquet bytes batch by batch, handing each `each` as a table of up to
/// `batch_rows` rows with the file's columns (one empty table for a file without rows),
/// so that a reader of a large file never holds the whole table twice (the page's
/// columnar module sends each on as it comes). The same types and values as
/// [`read_parquet`], split into row ranges; a string column's dictionary is per batch.
pub(super) fn for_each_parquet_batch(
    bytes: &[u8],
    batch_rows: usize,
    each: &mut dyn FnMut(Table, usize) -> Result<(), TableError>,
) -> Result<(), TableError> {
    guard(|| {
        let (reader, total) = checked_reader(bytes, batch_rows.max(1))?;
        let schema = reader.schema();
        let types = schema
            .fields()
            .iter()
            .map(|f| data_type(f.name(), f.data_type()))
            .collect::<Result<Vec<_>, _>>()?;
        let mut sent = false;
        for batch in reader {
            let batch = batch.map_err(|err| TableError::Parquet {
                message: err.to_string(),
            })?;
            let columns = schema
                .fields()
                .iter()
                .zip(&types)
                .zip(batch.columns())
                .map(|((f, t), array)| {
                    Ok(Column::new(f.name().clone(), convert(f.name(), *t, array)?))
                })
                .collect::<Result<Vec<_>, TableError>>()?;
            each(Table::new(columns)?, total)?;
            sent = true;
        }
        if !sent {
            let columns = schema
                .fields()
                .iter()
                .zip(&types)
                .map(|(f, t)| ColumnBuilder::new(*t, 0).finish_column(f.name().clone()))
                .collect();
            each(Table::new(columns)?, 0)?;
        }
        Ok(())
    })
}

/// The file opened through [`open_parquet`], every column chunk's codec checked, and its
/// rows as the footer counts them.
fn checked_reader(
    bytes: &[u8],
    batch_rows: usize,
) -> Result<
    (
        parquet::arrow::arrow_reader::ParquetRecordBatchReader,
        usize,
    ),
    TableError,
> {
    let builder = open_parquet(bytes::Bytes::copy_from_slice(bytes))
        .map_err(|message| TableError::Parquet { message })?;
    for row_group in builder.metadata().row_groups() {
        for column in row_group.columns() {
            codec(column.column_descr().name(), column.compression())?;
        }
    }
    // A negative or oversized count is only a hint lost: the batches are what is read.
    let total = usize::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
    let reader = builder
        .with_batch_size(batch_rows)
        .build()
        .map_err(parquet_error)?;
    Ok((reader, total))
}

fn read_parquet_unguarded(bytes: &[u8]) -> Result<Table, TableError> {
    // The crate's default batch size.
    let (reader, _) = checked_reader(bytes, 1024)?;
    let schema = reader.schema();
    from_batches(
        &schema,
        reader.map(|batch| {
            batch.map_err(|err| TableError::Parquet {
                message: err.to_string(),
            })
        }),
    )
}

/// Refuses, by name, a column chunk compressed with a codec this build leaves out (see
/// `parquet` in core/Cargo.toml), before any page is decoded.
fn codec(column: &str, compression: Compression) -> Result<(), TableError> {
    let codec = match compression {
        Compression::UNCOMPRESSED
        | Compression::SNAPPY
        | Compression::GZIP(_)
        | Compression::LZ4
        | Compression::LZ4_RAW => return Ok(()),
        Compression::ZSTD(_) => "ZSTD",
        Compression::BROTLI(_) => "Brotli",
        Compression::LZO => "LZO",
    };
    Err(TableError::UnsupportedParquetCodec {
        column: column.to_owned(),
        codec,
    })
}

/// Arrow record batches of one schema → a table (Parquet files and in-memory Arrow
/// data, e.g. a pyarrow table handed over by the Python package, alike).
pub(super) fn from_batches(
    schema: &Schema,
    batches: impl IntoIterator<Item = Result<RecordBatch, TableError>>,
) -> Result<Table, TableError> {
    let mut columns: Vec<(String, DataType, Vec<ColumnData>)> = schema
        .fields()
        .iter()
        .map(|f| {
            Ok((
                f.name().clone(),
                data_type(f.name(), f.data_type())?,
                Vec::new(),
            ))
        })
        .collect::<Result<_, TableError>>()?;
    for batch in batches {
        let batch = batch?;
        for ((name, data_type, parts), array) in columns.iter_mut().zip(batch.columns()) {
            parts.push(convert(name, *data_type, array)?);
        }
    }
    Table::new(
        columns
            .into_iter()
            .map(|(name, data_type, parts)| Ok(Column::new(name, concat(data_type, parts)?)))
            .collect::<Result<_, TableError>>()?,
    )
}

fn parquet_error(err: parquet::errors::ParquetError) -> TableError {
    TableError::Parquet {
        message: err.to_string(),
    }
}

fn data_type(name: &str, data_type: &ArrowType) -> Result<DataType, TableError> {
    Ok(match value_type(data_type) {
        ArrowType::Boolean => DataType::Bool,
        ArrowType::Int8
        | ArrowType::Int16
        | ArrowType::Int32
        | ArrowType::Int64
        | ArrowType::UInt8
        | ArrowType::UInt16
        | ArrowType::UInt32 => DataType::Int64,
        ArrowType::Float32 | ArrowType::Float64 => DataType::Float64,
        ArrowType::Utf8 | ArrowType::LargeUtf8 | ArrowType::Utf8View => DataType::Str,
        other => {
            return Err(TableError::UnsupportedParquetType {
                column: name.to_owned(),
                data_type: other.to_string(),
            });
        }
    })
}

/// One batch's array as a column. Arrays already in Lockstep's layout (bool, int64,
/// float64 without NaN, utf8 dictionaries with u32 keys) are kept as they are, with
/// no copy; the rest is converted.
fn convert(name: &str, data_type: DataType, array: &ArrayRef) -> Result<ColumnData, TableError> {
    let unsupported = || TableError::UnsupportedParquetType {
        column: name.to_owned(),
        data_type: array.data_type().to_string(),
    };
    Ok(match data_type {
        DataType::Bool => ColumnData::Bool(array.as_boolean_opt().ok_or_else(unsupported)?.clone()),
        DataType::Int64 => {
            if let Some(a) = array.as_primitive_opt::<Int64Type>() {
                return Ok(ColumnData::Int64(a.clone()));
            }
            macro_rules! ints {
                ($($t:ty),*) => {
                    $(if let Some(a) = array.as_primitive_opt::<$t>() {
                        return Ok(ColumnData::Int64(a.unary::<_, Int64Type>(i64::from)));
                    })*
                };
            }
            ints!(
                Int8Type, Int16Type, Int32Type, UInt8Type, UInt16Type, UInt32Type
            );
            return Err(unsupported());
        }
        DataType::Float64 => {
            let a = if let Some(a) = array.as_primitive_opt::<Float64Type>() {
                a.clone()
            } else if let Some(a) = array.as_primitive_opt::<Float32Type>() {
                a.unary::<_, Float64Type>(f64::from)
            } else {
                return Err(unsupported());
            };
            ColumnData::Float64(nan_as_null(a))
        }
        DataType::Str => {
            // Kept when the dictionary is utf8 with distinct, non-null entries.
            if let Some(a) = array.as_dictionary_opt::<UInt32Type>()
                && let Ok(column) = StrColumn::from_arrow(a)
            {
                return Ok(ColumnData::Str(column));
            }
            let strings = strings(array).ok_or_else(unsupported)?;
            let mut out = ColumnBuilder::new(DataType::Str, strings.len());
            if let ColumnBuilder::Str(b) = &mut out {
                for value in &strings {
                    b.push(value.as_deref())
                        .map_err(|full| full.for_column(name))?;
                }
            }
            out.finish()
        }
    })
}

/// `NaN` read as null, as pandas means it; the values buffer is shared.
fn nan_as_null(a: Float64Array) -> Float64Array {
    if !a.iter().flatten().any(f64::is_nan) {
        return a;
    }
    let validity: BooleanBuffer = a.iter().map(|v| v.is_some_and(|x| !x.is_nan())).collect();
    Float64Array::new(a.values().clone(), Some(NullBuffer::new(validity)))
}

/// The batches' parts as one column: the part itself when there is one, else the
/// values copied into one buffer (strings re-interned into one dictionary).
fn concat(data_type: DataType, mut parts: Vec<ColumnData>) -> Result<ColumnData, TableError> {
    if parts.len() == 1 {
        return Ok(parts.remove(0));
    }
    let len = parts.iter().map(ColumnData::len).sum();
    let mut out = ColumnBuilder::new(data_type, len);
    for part in &parts {
        match (&mut out, part) {
            (ColumnBuilder::Bool(b), ColumnData::Bool(v)) => v.iter().for_each(|x| b.push(x)),
            (ColumnBuilder::Int64(b), ColumnData::Int64(v)) => v.iter().for_each(|x| b.push(x)),
            (ColumnBuilder::Float64(b), ColumnData::Float64(v)) => {
                v.iter().for_each(|x| b.push(x));
            }
            (ColumnBuilder::Str(b), ColumnData::Str(s)) => {
                for text in s.iter() {
                    b.push(text).map_err(|_| TableError::Parquet {
                        message: "a string column's dictionary is full".to_owned(),
                    })?;
                }
            }
            _ => {
                return Err(TableError::Parquet {
                    message: format!("a column's batches disagree on its type ({data_type})"),
                });
            }
        }
    }
    Ok(out.finish())
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
