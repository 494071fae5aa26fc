//! Columnar tables: named, typed, nullable columns of equal length.
//!
//! A [`Table`] is what every reader produces (CSV, JSON Lines, Parquet with the
//! `parquet` feature) and what transforms, the
//! model engine and the metrics consume. Strings are dictionary-encoded
//! ([`StrColumn`]): categorical features are looked up once per distinct value, not
//! once per row.
//!
//! Columns use Arrow's memory layout ([`ColumnData`] holds `arrow-array` arrays):
//! one values buffer plus a validity bitmap, reference-counted. Cloning a table and
//! its views ([`Table::slice`], [`Table::take`], [`Table::filter`],
//! [`Table::with_column`], [`Table::select`]) share the buffers of the columns they
//! keep. Readers fill columns through [`builder`].

#[cfg(feature = "parquet")]
mod arrow_ipc;
pub mod builder;
mod column;
mod csv;
mod error;
mod jsonl;
#[cfg(feature = "parquet")]
mod parquet;
#[cfg(feature = "parquet")]
mod parquet_open;
pub mod wire;
#[cfg(feature = "parquet")]
pub use arrow_ipc::IpcFormat;
#[cfg(feature = "parquet")]
pub use parquet::catch_decoder_panic;
#[cfg(feature = "parquet")]
pub use parquet_open::open_parquet;

pub use self::csv::{
    CsvOptions, DEFAULT_MAX_FIELD_BYTES, DEFAULT_NULL_VALUES, default_null_values,
};
pub use arrow_array::{Array, BooleanArray, Float64Array, Int64Array, StringArray, UInt32Array};
pub use column::{Column, ColumnData, DataType, StrColumn, ValueAt};
pub use error::TableError;
pub use jsonl::{DEFAULT_MAX_LINE_BYTES, JsonlOptions, MissingKeys, UnknownKeys};

/// A columnar table. All columns have [`Table::num_rows`] entries.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    columns: Vec<Column>,
    num_rows: usize,
}

impl Table {
    /// Builds a table from columns, checking that names are unique and lengths agree.
    pub fn new(columns: Vec<Column>) -> Result<Self, TableError> {
        let num_rows = columns.first().map_or(0, Column::len);
        // One hash set, not a scan of the columns before each one: linear in the
        // number of columns (a CSV can have a million).
        let mut seen = std::collections::HashSet::with_capacity(columns.len());
        for column in &columns {
            if column.len() != num_rows {
                return Err(TableError::LengthMismatch {
                    column: column.name().to_owned(),
                    len: column.len(),
                    expected: num_rows,
                });
            }
            if !seen.insert(column.name()) {
                return Err(TableError::DuplicateColumn {
                    name: column.name().to_owned(),
                });
            }
        }
        Ok(Self { columns, num_rows })
    }

    /// Parses CSV bytes (UTF-8, first line is the header) into a table.
    pub fn from_csv(bytes: &[u8], options: &CsvOptions) -> Result<Self, TableError> {
        csv::read_csv(bytes, options)
    }

    /// Parses JSON Lines (one object per line, UTF-8) into a table.
    pub fn from_jsonl(bytes: &[u8], options: &JsonlOptions) -> Result<Self, TableError> {
        jsonl::read_jsonl(bytes, options)
    }

    /// Parses Parquet bytes into a table (feature `parquet`).
    #[cfg(feature = "parquet")]
    pub fn from_parquet(bytes: &[u8]) -> Result<Self, TableError> {
        parquet::read_parquet(bytes)
    }

    /// Reads Parquet bytes in tables of up to `batch_rows` rows, each handed to `each`
    /// as it is decoded with the file's row count (its footer's; a hint) (feature
    /// `parquet`): [`Table::from_parquet`]'s columns and values, never the whole table
    /// at once (the page's columnar module).
    #[cfg(feature = "parquet")]
    pub fn for_each_parquet_batch(
        bytes: &[u8],
        batch_rows: usize,
        mut each: impl FnMut(Table, usize) -> Result<(), TableError>,
    ) -> Result<(), TableError> {
        parquet::for_each_parquet_batch(bytes, batch_rows, &mut each)
    }

    /// Parses Arrow IPC bytes, the file format (`.arrow`, Feather v2) or the stream
    /// format (`.arrows`), told apart by the file format's magic (feature `parquet`).
    #[cfg(feature = "parquet")]
    pub fn from_arrow_ipc(bytes: &[u8]) -> Result<Self, TableError> {
        arrow_ipc::read_arrow_ipc(bytes)
    }

    /// Arrow record batches of one schema as a table (feature `parquet`), with the
    /// Parquet reader's type mapping: arrays already in Lockstep's layout (bool, int64,
    /// float64 without NaN, `Dictionary<UInt32, Utf8>`) are shared, not copied, when
    /// there is one batch; `NaN` is read as null; other types are converted or named
    /// in an error.
    #[cfg(feature = "parquet")]
    pub fn from_record_batches(
        schema: &arrow_schema::Schema,
        batches: &[arrow_array::RecordBatch],
    ) -> Result<Self, TableError> {
        parquet::from_batches(schema, batches.iter().cloned().map(Ok))
    }

    pub fn num_rows(&self) -> usize {
        self.num_rows
    }

    pub fn num_columns(&self) -> usize {
        self.columns.len()
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    pub fn column_names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(Column::name)
    }

    /// The column called `name`, or an error listing the columns that do exist.
    pub fn column(&self, name: &str) -> Result<&Column, TableError> {
        self.columns
            .iter()
            .find(|c| c.name() == name)
            .ok_or_else(|| TableError::UnknownColumn {
                name: name.to_owned(),
                available: self.column_names().map(str::to_owned).collect(),
            })
    }

    /// The bytes of the buffers the columns reference (values, validity bitmaps,
    /// string codes and dictionaries). Views share buffers with the table they came
    /// from; each reports the buffers it references.
    pub fn memory_bytes(&self) -> usize {
        self.columns.iter().map(|c| c.data().memory_bytes()).sum()
    }

    /// Rows `offset..offset + len`: every column shares this table's buffers.
    pub fn slice(&self, offset: usize, len: usize) -> Result<Self, TableError> {
        let end = offset.saturating_add(len);
        if end > self.num_rows {
            return Err(TableError::RowOutOfRange {
                row: end.saturating_sub(1),
                rows: self.num_rows,
            });
        }
        Ok(Self {
            columns: self
                .columns
                .iter()
                .map(|c| c.map_data(|d| d.slice(offset, len)))
                .collect(),
            num_rows: len,
        })
    }

    /// The rows `rows` (0-based, in that order, repeats allowed). Values are gathered
    /// into new buffers; string columns keep their dictionaries.
    pub fn take(&self, rows: &[usize]) -> Result<Self, TableError> {
        if let Some(&row) = rows.iter().find(|&&r| r >= self.num_rows) {
            return Err(TableError::RowOutOfRange {
                row,
                rows: self.num_rows,
            });
        }
        Ok(self.take_unchecked(rows))
    }

    fn take_unchecked(&self, rows: &[usize]) -> Self {
        Self {
            columns: self
                .columns
                .iter()
                .map(|c| c.map_data(|d| d.take(rows)))
                .collect(),
            num_rows: rows.len(),
        }
    }

    /// The rows where `mask` is true, in order. A mask that keeps every row shares
    /// all buffers; one that keeps a contiguous run is a [`Table::slice`]; any other
    /// gathers values into new buffers (string columns keep their dictionaries).
    pub fn filter(&self, mask: &[bool]) -> Result<Self, TableError> {
        if mask.len() != self.num_rows {
            return Err(TableError::MaskLength {
                len: mask.len(),
                rows: self.num_rows,
            });
        }
        let rows: Vec<usize> = (0..mask.len()).filter(|&r| mask[r]).collect();
        match (rows.first(), rows.last()) {
            (Some(&first), Some(&last)) if last - first + 1 == rows.len() => {
                self.slice(first, rows.len())
            }
            _ => Ok(self.take_unchecked(&rows)),
        }
    }

    /// This table with `column` added, or replacing the column of the same name (in
    /// its place). The other columns share their buffers.
    pub fn with_column(&self, column: Column) -> Result<Self, TableError> {
        if !self.columns.is_empty() && column.len() != self.num_rows {
            return Err(TableError::LengthMismatch {
                column: column.name().to_owned(),
                len: column.len(),
                expected: self.num_rows,
            });
        }
        let mut columns = self.columns.clone();
        match columns.iter().position(|c| c.name() == column.name()) {
            Some(i) => columns[i] = column,
            None => columns.push(column),
        }
        let num_rows = columns[0].len();
        Ok(Self { columns, num_rows })
    }

    /// The columns `names`, in that order, sharing their buffers.
    pub fn select<S: AsRef<str>>(&self, names: &[S]) -> Result<Self, TableError> {
        let columns = names
            .iter()
            .map(|n| self.column(n.as_ref()).cloned())
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(columns)
    }
}
