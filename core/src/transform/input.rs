//! Table columns → the two value forms that step chains work on: numbers (`f64`,
//! `NaN` marking a null) and dictionary-encoded categories.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::TransformError;
use crate::table::{Column, ColumnData, DataType, Table};

/// Returns the column `name` or an error listing the columns that exist.
pub(crate) fn column<'t>(table: &'t Table, name: &str) -> Result<&'t Column, TransformError> {
    table
        .columns()
        .iter()
        .find(|c| c.name() == name)
        .ok_or_else(|| TransformError::UnknownColumn {
            column: name.to_owned(),
            available: table.column_names().map(str::to_owned).collect(),
        })
}

/// The values of a numeric column as `f64`, nulls as `NaN`. Int64 is widened, bool
/// is 0/1; a string column is an error naming its first non-numeric value.
/// Non-finite floats are rejected, so `NaN` only ever means null.
pub(crate) fn numeric(column: &Column, step: &'static str) -> Result<Vec<f64>, TransformError> {
    let name = column.name();
    match column.data() {
        ColumnData::Float64(values) => {
            let mut out = Vec::with_capacity(values.len());
            for (row, v) in values.iter().enumerate() {
                out.push(match v {
                    None => f64::NAN,
                    Some(x) if x.is_finite() => x,
                    Some(x) => {
                        return Err(TransformError::InvalidValue {
                            column: name.to_owned(),
                            row: row + 1,
                            value: x.to_string(),
                            expected: "a finite number".to_owned(),
                        });
                    }
                });
            }
            Ok(out)
        }
        ColumnData::Int64(values) => Ok(values
            .iter()
            .map(|v| v.map_or(f64::NAN, |i| i as f64))
            .collect()),
        ColumnData::Bool(values) => Ok(values
            .iter()
            .map(|v| v.map_or(f64::NAN, |b| if b { 1.0 } else { 0.0 }))
            .collect()),
        ColumnData::Str(strings) => {
            for (row, text) in strings.iter().enumerate() {
                let Some(text) = text else {
                    continue;
                };
                if text.trim().parse::<f64>().is_err() {
                    return Err(TransformError::NotNumeric {
                        column: name.to_owned(),
                        row: row + 1,
                        value: crate::excerpt::excerpt(text),
                        step,
                    });
                }
            }
            Err(TransformError::WrongType {
                column: name.to_owned(),
                found: DataType::Str,
                expected: "int64, float64 or bool (read the column as numbers)".to_owned(),
            })
        }
    }
}

/// How categories of a column sort: integers numerically (as scikit-learn sorts an
/// int64 column), everything else by its UTF-8 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CategoryOrder {
    Text,
    Integer,
}

impl CategoryOrder {
    /// Compares two categories of a column with this order.
    pub(crate) fn compare(self, a: &str, b: &str) -> std::cmp::Ordering {
        match self {
            Self::Text => a.cmp(b),
            Self::Integer => match (a.parse::<i64>(), b.parse::<i64>()) {
                (Ok(x), Ok(y)) => x.cmp(&y),
                _ => a.cmp(b),
            },
        }
    }

    pub(crate) fn sort(self, categories: &mut [String]) {
        categories.sort_unstable_by(|a, b| self.compare(a, b));
    }

    pub(crate) fn for_type(data_type: DataType) -> Self {
        if data_type == DataType::Int64 {
            Self::Integer
        } else {
            Self::Text
        }
    }
}

/// Dictionary-encoded categories: `codes[row]` indexes `dictionary`, `None` is null.
/// Dictionary entries are distinct.
#[derive(Debug, Clone, Default)]
pub(crate) struct Categories {
    pub dictionary: Vec<String>,
    pub codes: Vec<Option<u32>>,
}

impl Categories {
    /// The categories of a string, int64 or bool column, as their text.
    pub(crate) fn from_column(column: &Column) -> Result<Self, TransformError> {
        match column.data() {
            ColumnData::Str(s) => Ok(Self {
                dictionary: s
                    .dictionary()
                    .iter()
                    .map(|d| d.unwrap_or("").to_owned())
                    .collect(),
                codes: s.codes().iter().collect(),
            }),
            ColumnData::Int64(values) => Ok(Self::encode(values.iter(), |i| i.to_string())),
            ColumnData::Bool(values) => Ok(Self::encode(values.iter(), |b| b.to_string())),
            ColumnData::Float64(_) => Err(TransformError::WrongType {
                column: column.name().to_owned(),
                found: DataType::Float64,
                expected: "string, int64 or bool (categories)".to_owned(),
            }),
        }
    }

    fn encode<T: Copy + Eq + std::hash::Hash>(
        values: impl ExactSizeIterator<Item = Option<T>>,
        text: impl Fn(T) -> String,
    ) -> Self {
        let mut index: HashMap<T, u32> = HashMap::new();
        let mut out = Self {
            dictionary: Vec::new(),
            codes: Vec::with_capacity(values.len()),
        };
        for value in values {
            let code = value.map(|v| {
                *index.entry(v).or_insert_with(|| {
                    out.dictionary.push(text(v));
                    (out.dictionary.len() - 1) as u32
                })
            });
            out.codes.push(code);
        }
        out
    }

    /// The cross of two category columns of equal length: `"{a}{separator}{b}"`,
    /// null where either side is null.
    pub(crate) fn cross(left: &Self, right: &Self, separator: &str) -> Self {
        let mut index: HashMap<(u32, u32), u32> = HashMap::new();
        let mut out = Self {
            dictionary: Vec::new(),
            codes: Vec::with_capacity(left.codes.len()),
        };
        for (a, b) in left.codes.iter().zip(&right.codes) {
            let code = match (a, b) {
                (Some(a), Some(b)) => {
                    let key = (*a, *b);
                    let next = out.dictionary.len() as u32;
                    let code = *index.entry(key).or_insert(next);
                    if code == next {
                        let a = left.dictionary.get(*a as usize).map_or("", String::as_str);
                        let b = right.dictionary.get(*b as usize).map_or("", String::as_str);
                        out.dictionary.push(format!("{a}{separator}{b}"));
                    }
                    Some(code)
                }
                _ => None,
            };
            out.codes.push(code);
        }
        out
    }

    /// The text of row `row`'s category (`None` for null).
    pub(crate) fn text(&self, row: usize) -> Option<&str> {
        let code = (*self.codes.get(row)?)?;
        self.dictionary.get(code as usize).map(String::as_str)
    }

    /// Replaces nulls with `fill`, adding it to the dictionary if needed.
    pub(crate) fn fill_nulls(&mut self, fill: &str) {
        if !self.codes.iter().any(Option::is_none) {
            return;
        }
        let code = match self.dictionary.iter().position(|d| d == fill) {
            Some(i) => i as u32,
            None => {
                self.dictionary.push(fill.to_owned());
                (self.dictionary.len() - 1) as u32
            }
        };
        for c in &mut self.codes {
            if c.is_none() {
                *c = Some(code);
            }
        }
    }

    /// The 1-based row of the first null, if any.
    pub(crate) fn first_null_row(&self) -> Option<usize> {
        self.codes.iter().position(Option::is_none).map(|r| r + 1)
    }

    /// How many rows hold each dictionary entry.
    pub(crate) fn counts(&self) -> Vec<u64> {
        let mut counts = vec![0_u64; self.dictionary.len()];
        for code in self.codes.iter().flatten() {
            if let Some(c) = counts.get_mut(*code as usize) {
                *c += 1;
            }
        }
        counts
    }
}
