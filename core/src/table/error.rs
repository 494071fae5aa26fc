use super::DataType;

/// Why a table could not be read or queried. Every variant names the column and,
/// where there is one, the 1-based line of the input and the offending value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TableError {
    #[error("the CSV input is empty: expected a header line naming the columns")]
    EmptyInput,
    #[error("CSV line {line}: {message}")]
    Csv { line: u64, message: String },
    #[error("CSV line {line} has {found} fields, but the header has {expected} columns")]
    RaggedRow {
        line: u64,
        found: usize,
        expected: usize,
    },
    #[error("CSV line {line}, column `{column}`: the value is not valid UTF-8")]
    InvalidUtf8 { line: u64, column: String },
    #[error("header column {index} (1-based) has an empty name")]
    EmptyColumnName { index: usize },
    #[error("column `{name}` appears more than once")]
    DuplicateColumn { name: String },
    #[error("column `{column}` has {len} rows but the table has {expected}")]
    LengthMismatch {
        column: String,
        len: usize,
        expected: usize,
    },
    #[error("line {line}, column `{column}`: cannot parse `{value}` as {expected}")]
    ParseValue {
        column: String,
        line: u64,
        value: String,
        expected: DataType,
    },
    #[error("a type was given for column `{name}`, but the input has no such column (columns: {})", available.join(", "))]
    UnknownTypedColumn {
        name: String,
        available: Vec<String>,
    },
    #[error("no column named `{name}` (columns: {})", available.join(", "))]
    UnknownColumn {
        name: String,
        available: Vec<String>,
    },
    #[error("JSON Lines line {line}: {message}")]
    Json { line: u64, message: String },
    #[error("JSON Lines line {line}: expected an object (one row), found {found}")]
    NotAnObject { line: u64, found: &'static str },
    #[error("JSON Lines line {line}: unknown key `{key}` (columns: {})", columns.join(", "))]
    UnknownKey {
        line: u64,
        key: String,
        columns: Vec<String>,
    },
    #[error("JSON Lines line {line}: the object has no key `{key}`")]
    MissingKey { line: u64, key: String },
    #[error(
        "JSON Lines line {line}, field `{column}`: nested arrays and objects are not supported"
    )]
    NestedValue { line: u64, column: String },
    #[error(
        "line {line}, field `{column}`: `{value}` is {found}, but earlier rows make the column {expected}"
    )]
    MixedTypes {
        line: u64,
        column: String,
        value: String,
        found: &'static str,
        expected: DataType,
    },
    #[error("the JSON Lines input has no objects: expected one object per line")]
    EmptyJsonl,
    #[error("cannot read the Parquet input: {message}")]
    Parquet { message: String },
    /// Arrow IPC (`format`: "file" or "stream").
    #[error("cannot read the Arrow IPC {format}: {message}")]
    ArrowIpc {
        format: &'static str,
        message: String,
    },
    #[error(
        "Parquet column `{column}` has type {data_type}, which Lockstep does not read (bool, integers, floats and strings are read)"
    )]
    UnsupportedParquetType { column: String, data_type: String },
    /// A Parquet column chunk compressed with a codec this build leaves out (ZSTD,
    /// Brotli, LZO: see `parquet` in core/Cargo.toml).
    #[error(
        "Parquet column `{column}` is compressed with {codec}, which Lockstep does not read (uncompressed, snappy, gzip and LZ4 are read): write the file with one of those, e.g. pandas `to_parquet(path, compression=\"snappy\")`"
    )]
    UnsupportedParquetCodec { column: String, codec: &'static str },
    #[error("the input has {rows} rows, more than the limit of {limit}")]
    TooManyRows { rows: usize, limit: usize },
    #[error(
        "CSV line {line}, column `{column}`: the field is {bytes} bytes, over the limit of {limit} (max_field_bytes)"
    )]
    FieldTooLarge {
        line: u64,
        column: String,
        bytes: usize,
        limit: usize,
    },
    #[error("JSON Lines line {line} is {bytes} bytes, over the limit of {limit} (max_line_bytes)")]
    LineTooLarge {
        line: u64,
        bytes: usize,
        limit: usize,
    },
    #[error(
        "column `{column}` has too many distinct strings for one dictionary (more than 2^32 entries or 2 GiB of text)"
    )]
    DictionaryFull { column: String },
    #[error(
        "the table has {rows} rows × {columns} columns, about {} in memory, more than \
         this page can hold ({}); evaluate it with `lockstep eval`, natively",
        size(*bytes),
        size(*limit as f64)
    )]
    TooLarge {
        rows: usize,
        columns: usize,
        bytes: f64,
        limit: usize,
    },
    #[error("chunk {chunk} of the table (0-based) is malformed: {message}")]
    Chunk { chunk: usize, message: String },
    #[error("invalid string dictionary: {message}")]
    InvalidDictionary { message: String },
    #[error("row {row} (0-based) is past the end of the table ({rows} rows)")]
    RowOutOfRange { row: usize, rows: usize },
    #[error("the row mask has {len} entries, but the table has {rows} rows")]
    MaskLength { len: usize, rows: usize },
}

/// `bytes` in words: `2.4 GB`, `21 MB`.
fn size(bytes: f64) -> String {
    if bytes >= 1e9 {
        format!("{:.1} GB", bytes / 1e9)
    } else {
        format!("{:.0} MB", bytes / 1e6)
    }
}
