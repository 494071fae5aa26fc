//! CSV bytes → [`Table`], with per-column type inference.
//!
//! Reading is two-pass per column: the raw fields of every column are first collected
//! into one contiguous buffer (no allocation per field), then each column's type is
//! inferred (bool ⊂ int64 ⊂ float64 ⊂ string, nulls ignored) or taken from
//! [`CsvOptions::column_types`], and the fields are parsed into that type.

use super::builder::{BoolBuilder, Float64Builder, Int64Builder, StrBuilder};
use super::{Column, ColumnData, DataType, StrColumn, Table, TableError};

/// The strings read as null (missing): pandas' `read_csv` defaults, so a CSV written by
/// pandas round-trips. `NaN` is therefore read as a null, not as a float NaN.
pub const DEFAULT_NULL_VALUES: &[&str] = &[
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
];

/// How to read a CSV file.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvOptions {
    /// Field separator, `b','` by default.
    pub delimiter: u8,
    /// Field values read as null. Defaults to [`DEFAULT_NULL_VALUES`].
    pub null_values: Vec<String>,
    /// Types forced for named columns instead of inferring them. A value that does not
    /// parse as the forced type is an error naming the column, line and value.
    pub column_types: Vec<(String, DataType)>,
    /// Refuse inputs with more data rows than this.
    pub max_rows: Option<usize>,
    /// Refuse a field longer than this many bytes (a named error, before the field is
    /// copied, inferred or quoted). Default [`DEFAULT_MAX_FIELD_BYTES`].
    pub max_field_bytes: Option<usize>,
}

/// [`DEFAULT_NULL_VALUES`] as owned strings.
pub fn default_null_values() -> Vec<String> {
    DEFAULT_NULL_VALUES
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

/// The default [`CsvOptions::max_field_bytes`]: 64 MiB.
pub const DEFAULT_MAX_FIELD_BYTES: usize = 64 << 20;

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            delimiter: b',',
            null_values: default_null_values(),
            column_types: Vec::new(),
            max_rows: None,
            max_field_bytes: Some(DEFAULT_MAX_FIELD_BYTES),
        }
    }
}

/// The raw fields of one column: `bytes[ends[i-1]..ends[i]]` is row `i`.
#[derive(Default)]
struct RawColumn {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl RawColumn {
    fn field(&self, row: usize) -> &[u8] {
        let start = if row == 0 { 0 } else { self.ends[row - 1] };
        &self.bytes[start..self.ends[row]]
    }
}

pub(super) fn read_csv(bytes: &[u8], options: &CsvOptions) -> Result<Table, TableError> {
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(options.delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = ::csv::ByteRecord::new();

    if !reader.read_byte_record(&mut record).map_err(csv_error)? {
        return Err(TableError::EmptyInput);
    }
    if let Some(limit) = options.max_field_bytes
        && let Some((index, field)) = record.iter().enumerate().find(|(_, f)| f.len() > limit)
    {
        return Err(TableError::FieldTooLarge {
            line: 1,
            column: format!("#{}", index + 1),
            bytes: field.len(),
            limit,
        });
    }
    let names = header_names(&record)?;
    for (name, _) in &options.column_types {
        if !names.contains(name) {
            return Err(TableError::UnknownTypedColumn {
                name: name.clone(),
                available: names.clone(),
            });
        }
    }

    let mut raw: Vec<RawColumn> = names.iter().map(|_| RawColumn::default()).collect();
    let mut lines: Vec<u64> = Vec::new();
    while reader.read_byte_record(&mut record).map_err(csv_error)? {
        let line = record.position().map_or(0, ::csv::Position::line);
        if record.len() != names.len() {
            return Err(TableError::RaggedRow {
                line,
                found: record.len(),
                expected: names.len(),
            });
        }
        if let Some(limit) = options.max_rows
            && lines.len() >= limit
        {
            return Err(TableError::TooManyRows {
                rows: lines.len() + 1,
                limit,
            });
        }
        if let Some(limit) = options.max_field_bytes
            && let Some((index, field)) = record.iter().enumerate().find(|(_, f)| f.len() > limit)
        {
            return Err(TableError::FieldTooLarge {
                line,
                column: names[index].clone(),
                bytes: field.len(),
                limit,
            });
        }
        for (column, field) in raw.iter_mut().zip(record.iter()) {
            column.bytes.extend_from_slice(field);
            column.ends.push(column.bytes.len());
        }
        lines.push(line);
    }

    let nulls: Vec<&[u8]> = options.null_values.iter().map(|s| s.as_bytes()).collect();
    let columns = names
        .into_iter()
        .zip(raw)
        .map(|(name, raw)| {
            let forced = options
                .column_types
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| *t);
            let parser = ColumnParser {
                name: &name,
                raw: &raw,
                lines: &lines,
                nulls: &nulls,
            };
            let data = parser.parse(forced)?;
            Ok(Column::new(name, data))
        })
        .collect::<Result<Vec<_>, TableError>>()?;
    Table::new(columns)
}

fn csv_error(err: ::csv::Error) -> TableError {
    let line = err.position().map_or(0, ::csv::Position::line);
    TableError::Csv {
        line,
        message: err.to_string(),
    }
}

fn header_names(record: &::csv::ByteRecord) -> Result<Vec<String>, TableError> {
    let mut names: Vec<String> = Vec::with_capacity(record.len());
    let mut seen = std::collections::HashSet::with_capacity(record.len());
    for (index, field) in record.iter().enumerate() {
        // A UTF-8 byte-order mark (as Excel writes) is not part of the first name.
        let field = if index == 0 {
            field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field)
        } else {
            field
        };
        let name = std::str::from_utf8(field)
            .map_err(|_| TableError::InvalidUtf8 {
                line: 1,
                column: format!("#{}", index + 1),
            })?
            .trim()
            .to_owned();
        if name.is_empty() {
            return Err(TableError::EmptyColumnName { index: index + 1 });
        }
        if !seen.insert(name.clone()) {
            return Err(TableError::DuplicateColumn { name });
        }
        names.push(name);
    }
    Ok(names)
}

struct ColumnParser<'a> {
    name: &'a str,
    raw: &'a RawColumn,
    lines: &'a [u64],
    nulls: &'a [&'a [u8]],
}

impl ColumnParser<'_> {
    fn rows(&self) -> usize {
        self.raw.ends.len()
    }

    /// The text of row `row`, or `None` when it is one of the null values.
    fn text(&self, row: usize) -> Result<Option<&str>, TableError> {
        let field = self.raw.field(row);
        if self.nulls.contains(&field) {
            return Ok(None);
        }
        std::str::from_utf8(field)
            .map(Some)
            .map_err(|_| TableError::InvalidUtf8 {
                line: self.lines[row],
                column: self.name.to_owned(),
            })
    }

    fn infer(&self) -> Result<DataType, TableError> {
        let mut candidate = DataType::Bool;
        for row in 0..self.rows() {
            let Some(text) = self.text(row)? else {
                continue;
            };
            while candidate != DataType::Str && !parses_as(text, candidate) {
                candidate = match candidate {
                    DataType::Bool => DataType::Int64,
                    DataType::Int64 => DataType::Float64,
                    DataType::Float64 | DataType::Str => DataType::Str,
                };
            }
            if candidate == DataType::Str {
                break;
            }
        }
        // A column of nulls only carries no type information; float64 is what pandas
        // gives it too.
        if candidate == DataType::Bool && (0..self.rows()).all(|r| matches!(self.text(r), Ok(None)))
        {
            return Ok(DataType::Float64);
        }
        Ok(candidate)
    }

    fn parse(&self, forced: Option<DataType>) -> Result<ColumnData, TableError> {
        let data_type = match forced {
            Some(t) => t,
            None => self.infer()?,
        };
        Ok(match data_type {
            DataType::Bool => {
                let mut out = BoolBuilder::with_capacity(self.rows());
                self.parse_each(DataType::Bool, parse_bool, |v| out.push(v))?;
                ColumnData::Bool(out.finish())
            }
            DataType::Int64 => {
                let mut out = Int64Builder::with_capacity(self.rows());
                self.parse_each(DataType::Int64, |t| t.trim().parse().ok(), |v| out.push(v))?;
                ColumnData::Int64(out.finish())
            }
            DataType::Float64 => {
                let mut out = Float64Builder::with_capacity(self.rows());
                self.parse_each(DataType::Float64, parse_float, |v| out.push(v))?;
                ColumnData::Float64(out.finish())
            }
            DataType::Str => ColumnData::Str(self.dictionary_encode()?),
        })
    }

    fn parse_each<T>(
        &self,
        expected: DataType,
        parse: impl Fn(&str) -> Option<T>,
        mut push: impl FnMut(Option<T>),
    ) -> Result<(), TableError> {
        for row in 0..self.rows() {
            push(match self.text(row)? {
                None => None,
                Some(text) => Some(parse(text).ok_or_else(|| TableError::ParseValue {
                    column: self.name.to_owned(),
                    line: self.lines[row],
                    value: crate::excerpt::excerpt(text),
                    expected,
                })?),
            });
        }
        Ok(())
    }

    fn dictionary_encode(&self) -> Result<StrColumn, TableError> {
        let mut column = StrBuilder::with_capacity(self.rows());
        for row in 0..self.rows() {
            column
                .push(self.text(row)?)
                .map_err(|full| full.for_column(self.name))?;
        }
        Ok(column.finish())
    }
}

fn parses_as(text: &str, data_type: DataType) -> bool {
    match data_type {
        DataType::Bool => parse_bool(text).is_some(),
        DataType::Int64 => text.trim().parse::<i64>().is_ok(),
        DataType::Float64 => parse_float(text).is_some(),
        DataType::Str => true,
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim() {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// Parses a float. NaN spellings that are not null values are rejected rather than
/// read as NaN, so a NaN can never enter a table unnoticed.
fn parse_float(text: &str) -> Option<f64> {
    let value: f64 = text.trim().parse().ok()?;
    (!value.is_nan()).then_some(value)
}
