//! Columnar tables: named, typed, nullable columns of equal length.
//!
//! A [`Table`] is what every reader produces (CSV, JSON Lines, Parquet with the
//! `parquet` feature) and what transforms, the
//! model engine and the metrics consume. Strings are dictionary-encoded
//! ([`StrColumn`]): categorical features are looked up once per distinct value, not
//! once per row.

mod column;
mod csv;
mod error;
mod jsonl;
#[cfg(feature = "parquet")]
mod parquet;

pub use self::csv::{
    CsvOptions, DEFAULT_MAX_FIELD_BYTES, DEFAULT_NULL_VALUES, default_null_values,
};
pub use column::{Column, ColumnData, DataType, StrColumn};
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
}
