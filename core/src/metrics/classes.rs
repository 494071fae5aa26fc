//! Class columns: any column read as a sequence of class names.

use std::collections::HashMap;

use super::MetricsError;
use crate::table::{Column, ColumnData};

/// A column read as classes: `codes[row]` indexes `classes`, which holds the distinct
/// values as text in order of first appearance. Integral floats read like integers
/// (`1.0` is class `1`), so a label column of ints and a prediction column of floats
/// agree.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassColumn {
    pub classes: Vec<String>,
    pub codes: Vec<u32>,
}

impl ClassColumn {
    /// Reads `column` as classes. Nulls are an error naming the row.
    pub fn from_column(column: &Column) -> Result<Self, MetricsError> {
        let null = |row: usize| MetricsError::NullValue {
            column: column.name().to_owned(),
            row: row + 1,
        };
        let mut builder = Builder::default();
        match column.data() {
            ColumnData::Bool(values) => {
                for (row, v) in values.iter().enumerate() {
                    let v = v.ok_or_else(|| null(row))?;
                    builder.push(u64::from(v), || v.to_string());
                }
            }
            ColumnData::Int64(values) => {
                for (row, v) in values.iter().enumerate() {
                    let v = v.ok_or_else(|| null(row))?;
                    builder.push(v as u64, || v.to_string());
                }
            }
            ColumnData::Float64(values) => {
                for (row, v) in values.iter().enumerate() {
                    let v = v.ok_or_else(|| null(row))?;
                    // Rust prints 1.0_f64 as "1": integral floats name the same class
                    // as the matching integer.
                    builder.push(v.to_bits(), || v.to_string());
                }
            }
            ColumnData::Str(s) => {
                let dictionary = s.dictionary();
                for (row, code) in s.codes().iter().enumerate() {
                    let code = code.ok_or_else(|| null(row))?;
                    builder.push(u64::from(code), || {
                        dictionary.value(code as usize).to_owned()
                    });
                }
            }
        }
        Ok(builder.finish())
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

#[derive(Default)]
struct Builder {
    seen: HashMap<u64, u32>,
    classes: Vec<String>,
    codes: Vec<u32>,
}

impl Builder {
    fn push(&mut self, key: u64, name: impl FnOnce() -> String) {
        let classes = &mut self.classes;
        let code = *self.seen.entry(key).or_insert_with(|| {
            classes.push(name());
            (classes.len() - 1) as u32
        });
        self.codes.push(code);
    }

    fn finish(self) -> ClassColumn {
        ClassColumn {
            classes: self.classes,
            codes: self.codes,
        }
    }
}
