//! JSON Lines bytes → [`Table`]: one JSON object per line, one row per object.
//!
//! Column types follow the JSON values: all booleans → bool, all integers → int64,
//! integers and fractions → float64, all strings → string; `null` (or a key left out,
//! see [`MissingKeys`]) is a null. Any other mix is an error naming the line, the
//! field and the value, as is a nested array or object. Blank lines are skipped.
//! [`JsonlOptions::column_types`] forces a type: numeric strings are then parsed
//! (like CSV fields), and numbers or booleans are accepted as string text.

use std::collections::HashMap;

use serde_json::Value;

use super::builder::{BoolBuilder, Float64Builder, Int64Builder, StrBuilder};
use super::{Column, ColumnData, DataType, Table, TableError};

/// What to do with a key that is not one of the table's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownKeys {
    /// Refuse the input, naming the line and the key.
    #[default]
    Error,
    /// Skip the key.
    Ignore,
    /// Add a column for it (null in the rows before).
    AddColumn,
}

/// What to do when an object lacks one of the table's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingKeys {
    /// The value is null.
    #[default]
    Null,
    /// Refuse the input, naming the line and the key.
    Error,
}

/// How to read JSON Lines.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonlOptions {
    /// The columns, in order. `None`: the keys of the first object, in its order.
    pub columns: Option<Vec<String>>,
    /// Keys that are not columns.
    pub unknown_keys: UnknownKeys,
    /// Columns an object leaves out.
    pub missing_keys: MissingKeys,
    /// Types forced for named columns instead of inferring them.
    pub column_types: Vec<(String, DataType)>,
    /// Refuse inputs with more rows than this.
    pub max_rows: Option<usize>,
    /// JSON strings read as null (e.g. `"NA"`), so that a raw value means the same in a
    /// CSV file, a JSON Lines file and a served request. Empty by default: only JSON's
    /// `null` is null. A pipeline's own list is [`FittedPipeline::null_values`].
    ///
    /// [`FittedPipeline::null_values`]: crate::transform::FittedPipeline::null_values
    pub null_values: Vec<String>,
    /// Refuse a line longer than this many bytes (a named error, before it is parsed).
    /// Default [`DEFAULT_MAX_LINE_BYTES`].
    pub max_line_bytes: Option<usize>,
}

/// The default [`JsonlOptions::max_line_bytes`]: 64 MiB.
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 << 20;

impl Default for JsonlOptions {
    fn default() -> Self {
        Self {
            columns: None,
            unknown_keys: UnknownKeys::default(),
            missing_keys: MissingKeys::default(),
            column_types: Vec::new(),
            max_rows: None,
            max_line_bytes: Some(DEFAULT_MAX_LINE_BYTES),
            null_values: Vec::new(),
        }
    }
}

/// One JSON scalar, before the column type is known.
#[derive(Debug, Clone)]
enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl Cell {
    fn kind(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool(_) => "a boolean",
            Self::Int(_) => "an integer",
            Self::Float(_) => "a number",
            Self::Str(_) => "a string",
        }
    }

    fn text(&self) -> String {
        match self {
            Self::Null => "null".to_owned(),
            Self::Bool(b) => b.to_string(),
            Self::Int(i) => i.to_string(),
            Self::Float(f) => f.to_string(),
            Self::Str(s) => s.clone(),
        }
    }
}

struct RawColumn {
    name: String,
    cells: Vec<Cell>,
}

pub(super) fn read_jsonl(bytes: &[u8], options: &JsonlOptions) -> Result<Table, TableError> {
    let mut columns: Vec<RawColumn> = options
        .columns
        .iter()
        .flatten()
        .map(|name| RawColumn {
            name: name.clone(),
            cells: Vec::new(),
        })
        .collect();
    let mut index: HashMap<String, usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.clone(), i))
        .collect();
    if index.len() != columns.len() {
        let mut seen = std::collections::HashSet::with_capacity(columns.len());
        let name = columns
            .iter()
            .find(|c| !seen.insert(c.name.as_str()))
            .map(|c| c.name.clone())
            .unwrap_or_default();
        return Err(TableError::DuplicateColumn { name });
    }
    let mut lines: Vec<u64> = Vec::new();
    let mut schema_known = options.columns.is_some();

    for (number, line) in bytes.split(|b| *b == b'\n').enumerate() {
        let line_no = number as u64 + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line = if number == 0 {
            line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line)
        } else {
            line
        };
        if let Some(limit) = options.max_line_bytes
            && line.len() > limit
        {
            return Err(TableError::LineTooLarge {
                line: line_no,
                bytes: line.len(),
                limit,
            });
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let parsed: Row = serde_json::from_slice(line).map_err(|err| TableError::Json {
            line: line_no,
            message: err.to_string(),
        })?;
        let object = match parsed {
            Row::Object(entries) => entries,
            Row::Other(found) => {
                return Err(TableError::NotAnObject {
                    line: line_no,
                    found,
                });
            }
        };
        if let Some(limit) = options.max_rows
            && lines.len() >= limit
        {
            return Err(TableError::TooManyRows {
                rows: lines.len() + 1,
                limit,
            });
        }
        let row = lines.len();
        lines.push(line_no);
        if !schema_known {
            for (key, _) in &object {
                index.insert(key.clone(), columns.len());
                columns.push(RawColumn {
                    name: key.clone(),
                    cells: Vec::new(),
                });
            }
            schema_known = true;
        }
        for (key, value) in object {
            let position = match index.get(&key) {
                Some(p) => *p,
                None => match options.unknown_keys {
                    UnknownKeys::Ignore => continue,
                    UnknownKeys::Error => {
                        return Err(TableError::UnknownKey {
                            line: line_no,
                            key,
                            columns: columns.iter().map(|c| c.name.clone()).collect(),
                        });
                    }
                    UnknownKeys::AddColumn => {
                        index.insert(key.clone(), columns.len());
                        columns.push(RawColumn {
                            name: key.clone(),
                            cells: vec![Cell::Null; row],
                        });
                        columns.len() - 1
                    }
                },
            };
            let cell =
                to_cell(value, &options.null_values).ok_or_else(|| TableError::NestedValue {
                    line: line_no,
                    column: key.clone(),
                })?;
            if let Some(column) = columns.get_mut(position) {
                column.cells.push(cell);
            }
        }
        for column in &mut columns {
            if column.cells.len() == row {
                if options.missing_keys == MissingKeys::Error {
                    return Err(TableError::MissingKey {
                        line: line_no,
                        key: column.name.clone(),
                    });
                }
                column.cells.push(Cell::Null);
            }
        }
    }
    if !schema_known {
        return Err(TableError::EmptyJsonl);
    }
    for (name, _) in &options.column_types {
        if !index.contains_key(name) {
            return Err(TableError::UnknownTypedColumn {
                name: name.clone(),
                available: columns.iter().map(|c| c.name.clone()).collect(),
            });
        }
    }
    let columns = columns
        .into_iter()
        .map(|raw| {
            let forced = options
                .column_types
                .iter()
                .find(|(n, _)| *n == raw.name)
                .map(|(_, t)| *t);
            let data = build(&raw, &lines, forced)?;
            Ok(Column::new(raw.name, data))
        })
        .collect::<Result<Vec<_>, TableError>>()?;
    Table::new(columns)
}

fn to_cell(value: Value, null_values: &[String]) -> Option<Cell> {
    Some(match value {
        Value::Null => Cell::Null,
        Value::Bool(b) => Cell::Bool(b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Cell::Int(i),
            None => Cell::Float(n.as_f64()?),
        },
        Value::String(s) if null_values.contains(&s) => Cell::Null,
        Value::String(s) => Cell::Str(s),
        Value::Array(_) | Value::Object(_) => return None,
    })
}

fn infer(raw: &RawColumn, lines: &[u64]) -> Result<DataType, TableError> {
    let mut inferred: Option<DataType> = None;
    for (row, cell) in raw.cells.iter().enumerate() {
        let own = match cell {
            Cell::Null => continue,
            Cell::Bool(_) => DataType::Bool,
            Cell::Int(_) => DataType::Int64,
            Cell::Float(_) => DataType::Float64,
            Cell::Str(_) => DataType::Str,
        };
        inferred = Some(match (inferred, own) {
            (None, t) => t,
            (Some(a), b) if a == b => a,
            (Some(DataType::Int64 | DataType::Float64), DataType::Int64 | DataType::Float64) => {
                DataType::Float64
            }
            (Some(expected), _) => {
                return Err(TableError::MixedTypes {
                    line: lines.get(row).copied().unwrap_or(0),
                    column: raw.name.clone(),
                    value: crate::excerpt::excerpt(&cell.text()),
                    found: cell.kind(),
                    expected,
                });
            }
        });
    }
    // A column of nulls only: float64, as in the CSV reader.
    Ok(inferred.unwrap_or(DataType::Float64))
}

fn build(
    raw: &RawColumn,
    lines: &[u64],
    forced: Option<DataType>,
) -> Result<ColumnData, TableError> {
    let data_type = match forced {
        Some(t) => t,
        None => infer(raw, lines)?,
    };
    let error = |row: usize, cell: &Cell| TableError::ParseValue {
        column: raw.name.clone(),
        line: lines.get(row).copied().unwrap_or(0),
        value: crate::excerpt::excerpt(&cell.text()),
        expected: data_type,
    };
    Ok(match data_type {
        DataType::Bool => {
            let mut out = BoolBuilder::with_capacity(raw.cells.len());
            convert(
                &raw.cells,
                error,
                |v| out.push(v),
                |cell| match cell {
                    Cell::Bool(b) => Some(*b),
                    _ => None,
                },
            )?;
            ColumnData::Bool(out.finish())
        }
        DataType::Int64 => {
            let mut out = Int64Builder::with_capacity(raw.cells.len());
            convert(
                &raw.cells,
                error,
                |v| out.push(v),
                |cell| match cell {
                    Cell::Int(i) => Some(*i),
                    Cell::Str(s) => s.trim().parse().ok(),
                    _ => None,
                },
            )?;
            ColumnData::Int64(out.finish())
        }
        DataType::Float64 => {
            let mut out = Float64Builder::with_capacity(raw.cells.len());
            convert(
                &raw.cells,
                error,
                |v| out.push(v),
                |cell| match cell {
                    Cell::Int(i) => Some(*i as f64),
                    Cell::Float(f) => Some(*f),
                    Cell::Str(s) => s.trim().parse::<f64>().ok().filter(|f| !f.is_nan()),
                    _ => None,
                },
            )?;
            ColumnData::Float64(out.finish())
        }
        DataType::Str => {
            let mut column = StrBuilder::with_capacity(raw.cells.len());
            for cell in &raw.cells {
                let pushed = match cell {
                    Cell::Null => {
                        column.push_null();
                        Ok(())
                    }
                    Cell::Str(text) => column.push(Some(text)),
                    other => column.push(Some(&other.text())),
                };
                pushed.map_err(|full| full.for_column(&raw.name))?;
            }
            ColumnData::Str(column.finish())
        }
    })
}

fn convert<T>(
    cells: &[Cell],
    error: impl Fn(usize, &Cell) -> TableError,
    mut push: impl FnMut(Option<T>),
    parse: impl Fn(&Cell) -> Option<T>,
) -> Result<(), TableError> {
    for (row, cell) in cells.iter().enumerate() {
        push(match cell {
            Cell::Null => None,
            other => Some(parse(other).ok_or_else(|| error(row, other))?),
        });
    }
    Ok(())
}

/// One line: an object's entries in their written order (serde_json's own map
/// would sort them), or the kind of the non-object value found instead.
enum Row {
    Object(Vec<(String, Value)>),
    Other(&'static str),
}

impl<'de> serde::Deserialize<'de> for Row {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RowVisitor)
    }
}

struct RowVisitor;

impl<'de> serde::de::Visitor<'de> for RowVisitor {
    type Value = Row;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Row, A::Error> {
        let mut entries: Vec<(String, Value)> = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            // A repeated key keeps its last value, like serde_json's map.
            match entries.iter_mut().find(|(k, _)| *k == key) {
                Some(entry) => entry.1 = value,
                None => entries.push((key, value)),
            }
        }
        Ok(Row::Object(entries))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Row, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Row::Other("an array"))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Row, E> {
        Ok(Row::Other("a boolean"))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Row, E> {
        Ok(Row::Other("a number"))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Row, E> {
        Ok(Row::Other("a number"))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Row, E> {
        Ok(Row::Other("a number"))
    }

    fn visit_str<E>(self, _: &str) -> Result<Row, E> {
        Ok(Row::Other("a string"))
    }

    fn visit_unit<E>(self) -> Result<Row, E> {
        Ok(Row::Other("null"))
    }
}
