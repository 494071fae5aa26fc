//! Parquet bytes → [`Table`] (feature `parquet`), through the `parquet` crate's typed
//! column readers; in-memory Arrow record batches ([`Table::from_record_batches`], and
//! Arrow IPC) are converted by [`from_batches`], with the same type mapping.
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
use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch};
use arrow_buffer::{BooleanBuffer, NullBuffer};
use arrow_schema::{DataType as ArrowType, Schema};
use parquet::arrow::parquet_to_arrow_schema;
use parquet::basic::Compression;
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::{ByteArray, DataType as ParquetType};
use parquet::file::reader::{FileReader, SerializedFileReader};

use super::builder::ColumnBuilder;
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

/// Parquet bytes → a table, column chunk by column chunk through the `parquet` crate's
/// typed column readers, straight into Lockstep's column builders. The arrow schema
/// (with the `ARROW:schema` hint pandas and pyarrow write) still decides each column's
/// type and names an unsupported one, exactly as `parquet`'s arrow reader would; the
/// arrow record-batch reader itself is not used: it and the `arrow-select` kernels it
/// brings were ≈ 0.5 MB of the page's wasm (issue 13's bundle budget).
fn read_parquet_unguarded(bytes: &[u8]) -> Result<Table, TableError> {
    let file = SerializedFileReader::new(bytes::Bytes::copy_from_slice(bytes))
        .map_err(parquet_error)?;
    let metadata = file.metadata();
    let file_metadata = metadata.file_metadata();
    let descriptor = file_metadata.schema_descr();
    let schema = parquet_to_arrow_schema(descriptor, file_metadata.key_value_metadata())
        .map_err(parquet_error)?;
    let mut columns: Vec<(String, &ArrowType, ColumnBuilder)> = schema
        .fields()
        .iter()
        .map(|f| {
            let data_type = data_type(f.name(), f.data_type())?;
            Ok((
                f.name().clone(),
                value_type(f.data_type()),
                ColumnBuilder::new(data_type, 0),
            ))
        })
        .collect::<Result<_, TableError>>()?;
    // Every field is a flat primitive column here (a group would be a struct, list or
    // map: refused above), so field `i` is leaf column `i`.
    if descriptor.num_columns() != columns.len() {
        return Err(TableError::Parquet {
            message: format!(
                "the file has {} leaf columns for {} fields",
                descriptor.num_columns(),
                columns.len()
            ),
        });
    }
    let mut scratch = Scratch::default();
    for group in 0..metadata.num_row_groups() {
        let row_group = file.get_row_group(group).map_err(parquet_error)?;
        let rows = row_group.metadata().num_rows();
        for (index, (name, arrow_type, builder)) in columns.iter_mut().enumerate() {
            codec(name, row_group.metadata().column(index).compression())?;
            let max_def = descriptor.column(index).max_def_level();
            let reader = row_group.get_column_reader(index).map_err(parquet_error)?;
            let before = builder.len();
            read_chunk(name, arrow_type, reader, max_def, builder, &mut scratch)?;
            let read = builder.len() - before;
            if i64::try_from(read).ok() != Some(rows) {
                return Err(TableError::Parquet {
                    message: format!(
                        "column `{name}` has {read} values in row group {group}, which declares {rows} rows"
                    ),
                });
            }
        }
    }
    Table::new(
        columns
            .into_iter()
            .map(|(name, _, builder)| Column::new(name, builder.finish()))
            .collect(),
    )
}

/// Refuses, by name, a column chunk compressed with a codec this build leaves out.
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

/// Rows decoded per call of a column reader: the buffers below hold at most this many
/// values and levels, whatever a row group declares.
const CHUNK_ROWS: usize = 64 * 1024;

/// Buffers reused from one column chunk to the next.
#[derive(Default)]
struct Scratch {
    levels: Vec<i16>,
    booleans: Vec<bool>,
    int32: Vec<i32>,
    int64: Vec<i64>,
    float32: Vec<f32>,
    float64: Vec<f64>,
    byte_arrays: Vec<ByteArray>,
}

/// One column chunk into `builder`, each value converted as `parquet`'s arrow reader
/// converts it to `arrow_type` (the column's type, or its dictionary's value type).
fn read_chunk(
    name: &str,
    arrow_type: &ArrowType,
    reader: ColumnReader,
    max_def: i16,
    builder: &mut ColumnBuilder,
    scratch: &mut Scratch,
) -> Result<(), TableError> {
    let unsupported = || TableError::UnsupportedParquetType {
        column: name.to_owned(),
        data_type: arrow_type.to_string(),
    };
    let levels = &mut scratch.levels;
    match (reader, builder) {
        (ColumnReader::BoolColumnReader(r), ColumnBuilder::Bool(b)) => {
            read_values(r, max_def, levels, &mut scratch.booleans, |v| {
                b.push(v.copied());
                Ok(())
            })
        }
        (ColumnReader::Int32ColumnReader(r), ColumnBuilder::Int64(b)) => {
            let widen = int_widening(arrow_type).ok_or_else(unsupported)?;
            read_values(r, max_def, levels, &mut scratch.int32, |v| {
                b.push(v.map(|v| widen(i64::from(*v))));
                Ok(())
            })
        }
        (ColumnReader::Int64ColumnReader(r), ColumnBuilder::Int64(b)) => {
            let widen = int_widening(arrow_type).ok_or_else(unsupported)?;
            read_values(r, max_def, levels, &mut scratch.int64, |v| {
                b.push(v.map(|v| widen(*v)));
                Ok(())
            })
        }
        (ColumnReader::FloatColumnReader(r), ColumnBuilder::Float64(b)) => {
            read_values(r, max_def, levels, &mut scratch.float32, |v| {
                b.push(v.map(|v| f64::from(*v)).filter(|v| !v.is_nan()));
                Ok(())
            })
        }
        (ColumnReader::DoubleColumnReader(r), ColumnBuilder::Float64(b)) => {
            read_values(r, max_def, levels, &mut scratch.float64, |v| {
                b.push(v.copied().filter(|v| !v.is_nan()));
                Ok(())
            })
        }
        (ColumnReader::ByteArrayColumnReader(r), ColumnBuilder::Str(b)) => {
            read_values(r, max_def, levels, &mut scratch.byte_arrays, |v| {
                let text = v
                    .map(|v| {
                        std::str::from_utf8(v.data()).map_err(|_| TableError::Parquet {
                            message: format!("column `{name}` holds a value that is not UTF-8"),
                        })
                    })
                    .transpose()?;
                b.push(text).map_err(|full| full.for_column(name))
            })
        }
        _ => Err(unsupported()),
    }
}

/// How an integer read from the file becomes the column's `int64`, as `parquet`'s arrow
/// reader casts it to the column's arrow type (narrow types wrap; unsigned ones are
/// the same bits read as unsigned). `None` for a type Lockstep does not read as int64.
fn int_widening(arrow_type: &ArrowType) -> Option<fn(i64) -> i64> {
    Some(match arrow_type {
        ArrowType::Int8 => |v| i64::from(v as i8),
        ArrowType::Int16 => |v| i64::from(v as i16),
        ArrowType::Int32 => |v| i64::from(v as i32),
        ArrowType::Int64 => |v| v,
        ArrowType::UInt8 => |v| i64::from(v as u8),
        ArrowType::UInt16 => |v| i64::from(v as u16),
        ArrowType::UInt32 => |v| i64::from(v as u32),
        _ => return None,
    })
}

/// Reads a column chunk to its end, calling `push` once per row: the value, or `None`
/// for a null (a definition level under `max_def`).
fn read_values<T: ParquetType>(
    mut reader: ColumnReaderImpl<T>,
    max_def: i16,
    levels: &mut Vec<i16>,
    values: &mut Vec<T::T>,
    mut push: impl FnMut(Option<&T::T>) -> Result<(), TableError>,
) -> Result<(), TableError> {
    loop {
        levels.clear();
        values.clear();
        let (records, _, read_levels) = reader
            .read_records(CHUNK_ROWS, Some(levels), None, values)
            .map_err(parquet_error)?;
        if records == 0 {
            return Ok(());
        }
        if max_def == 0 {
            values.iter().try_for_each(|v| push(Some(v)))?;
            continue;
        }
        let mut next = values.iter();
        for level in levels.iter().take(read_levels) {
            let value = if *level == max_def {
                Some(next.next().ok_or_else(|| TableError::Parquet {
                    message: "a column chunk has fewer values than its definition levels say"
                        .to_owned(),
                })?)
            } else {
                None
            };
            push(value)?;
        }
    }
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
