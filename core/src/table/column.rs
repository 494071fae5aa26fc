use std::fmt;
use std::sync::Arc;

use arrow_array::types::{ArrowPrimitiveType, UInt32Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, DictionaryArray, Float64Array, Int64Array, PrimitiveArray,
    StringArray, UInt32Array,
};
use arrow_buffer::{BooleanBuffer, BooleanBufferBuilder, NullBuffer};

use super::TableError;

/// The logical type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DataType {
    Bool,
    Int64,
    Float64,
    Str,
}

impl DataType {
    /// The short name used in schemas and messages: `bool`, `int64`, `float64`, `string`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bool => "bool",
            Self::Int64 => "int64",
            Self::Float64 => "float64",
            Self::Str => "string",
        }
    }
}

/// Reads as the object of a sentence: "cannot parse `x` as a number".
impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Bool => "a boolean (true/false)",
            Self::Int64 => "a 64-bit integer",
            Self::Float64 => "a number",
            Self::Str => "a string",
        })
    }
}

/// A dictionary-encoded string column: Arrow's `Dictionary<UInt32, Utf8>`. Each row
/// holds a `u32` code into [`StrColumn::dictionary`] (4 bytes a row plus a validity
/// bit), or null. Dictionary entries are distinct; readers add them in order of first
/// appearance. A view of a column (a filter, a take, a slice) shares its dictionary,
/// so the dictionary may hold entries no row of the view uses.
#[derive(Debug, Clone, PartialEq)]
pub struct StrColumn {
    array: DictionaryArray<UInt32Type>,
    /// The array's values, typed (shares their buffers).
    dictionary: StringArray,
}

impl StrColumn {
    /// A column from its dictionary (distinct, non-null strings) and codes. An error
    /// names a code past the end of the dictionary or a null/duplicate entry.
    pub fn try_new(dictionary: StringArray, codes: UInt32Array) -> Result<Self, TableError> {
        let invalid = |message: String| TableError::InvalidDictionary { message };
        if dictionary.null_count() > 0 {
            return Err(invalid("the dictionary holds a null".to_owned()));
        }
        let mut seen = std::collections::HashSet::with_capacity(dictionary.len());
        for entry in dictionary.iter().flatten() {
            if !seen.insert(entry) {
                return Err(invalid(format!("the dictionary holds `{entry}` twice")));
            }
        }
        DictionaryArray::try_new(codes, Arc::new(dictionary.clone()))
            .map(|array| Self { array, dictionary })
            .map_err(|err| invalid(err.to_string()))
    }

    /// From a builder's distinct entries and the codes indexing them.
    pub(super) fn from_builder(dictionary: StringArray, codes: UInt32Array) -> Self {
        Self {
            array: DictionaryArray::new(codes, Arc::new(dictionary.clone())),
            dictionary,
        }
    }

    /// A column from its dictionary and codes given as plain vectors (tests, benches).
    pub fn from_parts<S: AsRef<str>>(
        dictionary: &[S],
        codes: Vec<Option<u32>>,
    ) -> Result<Self, TableError> {
        let dictionary = StringArray::from_iter_values(dictionary.iter().map(AsRef::as_ref));
        Self::try_new(dictionary, UInt32Array::from(codes))
    }

    /// Dictionary-encodes `values` (entries in order of first appearance).
    pub fn from_values<'a>(
        values: impl IntoIterator<Item = Option<&'a str>>,
    ) -> Result<Self, super::builder::DictionaryFull> {
        let values = values.into_iter();
        let mut builder = super::builder::StrBuilder::with_capacity(values.size_hint().0);
        for value in values {
            builder.push(value)?;
        }
        Ok(builder.finish())
    }

    /// Wraps an Arrow dictionary array whose values are a `StringArray` of distinct,
    /// non-null entries.
    pub fn from_arrow(array: &DictionaryArray<UInt32Type>) -> Result<Self, TableError> {
        let Some(dictionary) = array.values().as_any().downcast_ref::<StringArray>() else {
            return Err(TableError::InvalidDictionary {
                message: format!(
                    "the dictionary values are {}, not utf8",
                    array.values().data_type()
                ),
            });
        };
        Self::try_new(dictionary.clone(), array.keys().clone())
    }

    /// The distinct strings the codes index.
    pub fn dictionary(&self) -> &StringArray {
        &self.dictionary
    }

    /// The dictionary's entries, in code order.
    pub fn entries(&self) -> impl Iterator<Item = &str> + '_ {
        let dictionary = self.dictionary();
        (0..dictionary.len()).map(|i| dictionary.value(i))
    }

    /// One code per row (null for a null row).
    pub fn codes(&self) -> &UInt32Array {
        self.array.keys()
    }

    /// The code of row `row` (`None` for null or out of range).
    pub fn code(&self, row: usize) -> Option<u32> {
        let codes = self.codes();
        (row < codes.len() && codes.is_valid(row)).then(|| codes.value(row))
    }

    /// The string in row `row` (`None` for null or out of range).
    pub fn get(&self, row: usize) -> Option<&str> {
        let code = self.code(row)? as usize;
        let dictionary = self.dictionary();
        (code < dictionary.len()).then(|| dictionary.value(code))
    }

    /// Each row's string (`None` for null).
    pub fn iter(&self) -> impl Iterator<Item = Option<&str>> + '_ {
        let dictionary = self.dictionary();
        self.codes()
            .iter()
            .map(move |code| code.map(|c| dictionary.value(c as usize)))
    }

    pub fn len(&self) -> usize {
        self.array.len()
    }

    pub fn is_empty(&self) -> bool {
        self.array.is_empty()
    }

    pub fn null_count(&self) -> usize {
        self.codes().null_count()
    }

    /// The Arrow array itself.
    pub fn as_arrow(&self) -> &DictionaryArray<UInt32Type> {
        &self.array
    }

    fn with_codes(&self, codes: UInt32Array) -> Self {
        // The codes come from this column's, so they stay within its dictionary.
        Self {
            array: DictionaryArray::new(codes, Arc::clone(self.array.values())),
            dictionary: self.dictionary.clone(),
        }
    }
}

/// The values of a column, in Arrow's memory layout: one buffer of values plus a
/// validity bitmap (a numeric value costs 8 bytes and a bit; a string 4 bytes and a
/// bit). Buffers are reference-counted, so cloning a column, and the views of
/// [`super::Table`] (slice, take, filter, with_column), share them. `iter()` on each
/// variant yields `Option<T>`, `None` for null.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    Bool(BooleanArray),
    Int64(Int64Array),
    Float64(Float64Array),
    Str(StrColumn),
}

impl ColumnData {
    pub fn data_type(&self) -> DataType {
        match self {
            Self::Bool(_) => DataType::Bool,
            Self::Int64(_) => DataType::Int64,
            Self::Float64(_) => DataType::Float64,
            Self::Str(_) => DataType::Str,
        }
    }

    /// The Arrow array holding the values.
    pub fn as_arrow(&self) -> &dyn Array {
        match self {
            Self::Bool(v) => v,
            Self::Int64(v) => v,
            Self::Float64(v) => v,
            Self::Str(s) => s.as_arrow(),
        }
    }

    /// The Arrow array holding the values, reference-counted.
    pub fn to_arrow(&self) -> ArrayRef {
        match self {
            Self::Bool(v) => Arc::new(v.clone()),
            Self::Int64(v) => Arc::new(v.clone()),
            Self::Float64(v) => Arc::new(v.clone()),
            Self::Str(s) => Arc::new(s.as_arrow().clone()),
        }
    }

    pub fn len(&self) -> usize {
        self.as_arrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn null_count(&self) -> usize {
        match self {
            Self::Str(s) => s.null_count(),
            other => other.as_arrow().null_count(),
        }
    }

    /// Whether row `row` is null (or out of range).
    pub fn is_null(&self, row: usize) -> bool {
        match self {
            Self::Str(s) => s.code(row).is_none(),
            other => {
                let array = other.as_arrow();
                row >= array.len() || array.is_null(row)
            }
        }
    }

    /// The bytes of the buffers this column references (values, validity, codes and
    /// dictionary). A view shares its buffers with the column it came from and
    /// reports them too.
    pub fn memory_bytes(&self) -> usize {
        self.as_arrow().get_buffer_memory_size()
    }

    /// Rows `offset..offset + len`, sharing this column's buffers (no copy).
    /// Panics past the end; [`super::Table::slice`] checks first.
    pub(crate) fn slice(&self, offset: usize, len: usize) -> Self {
        match self {
            Self::Bool(v) => Self::Bool(v.slice(offset, len)),
            Self::Int64(v) => Self::Int64(v.slice(offset, len)),
            Self::Float64(v) => Self::Float64(v.slice(offset, len)),
            Self::Str(s) => Self::Str(StrColumn {
                array: s.array.slice(offset, len),
                dictionary: s.dictionary.clone(),
            }),
        }
    }

    /// The rows `rows` (each in range, checked by the caller), in that order. Values
    /// are gathered into new buffers; a string column keeps its dictionary.
    pub(crate) fn take(&self, rows: &[usize]) -> Self {
        match self {
            Self::Bool(v) => {
                let mut values = BooleanBufferBuilder::new(rows.len());
                for &row in rows {
                    values.append(v.values().value(row));
                }
                Self::Bool(BooleanArray::new(
                    values.finish(),
                    take_nulls(v.nulls(), rows),
                ))
            }
            Self::Int64(v) => Self::Int64(take_primitive(v, rows)),
            Self::Float64(v) => Self::Float64(take_primitive(v, rows)),
            Self::Str(s) => Self::Str(s.with_codes(take_primitive(s.codes(), rows))),
        }
    }
}

fn take_primitive<T: ArrowPrimitiveType>(
    array: &PrimitiveArray<T>,
    rows: &[usize],
) -> PrimitiveArray<T> {
    let values = array.values();
    let taken: Vec<T::Native> = rows.iter().map(|&row| values[row]).collect();
    PrimitiveArray::new(taken.into(), take_nulls(array.nulls(), rows))
}

fn take_nulls(nulls: Option<&NullBuffer>, rows: &[usize]) -> Option<NullBuffer> {
    let nulls = nulls?;
    if nulls.null_count() == 0 {
        return None;
    }
    let validity: BooleanBuffer = rows.iter().map(|&row| nulls.is_valid(row)).collect();
    Some(NullBuffer::new(validity)).filter(|n| n.null_count() > 0)
}

/// A named column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    name: String,
    data: ColumnData,
}

impl Column {
    pub fn new(name: impl Into<String>, data: ColumnData) -> Self {
        Self {
            name: name.into(),
            data,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn data(&self) -> &ColumnData {
        &self.data
    }

    pub fn data_type(&self) -> DataType {
        self.data.data_type()
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn null_count(&self) -> usize {
        self.data.null_count()
    }

    /// Row `row` rendered as text, the way it would be written back to CSV
    /// (`None` for null). Integral floats keep no trailing `.0`.
    pub fn value_text(&self, row: usize) -> Option<String> {
        if self.data.is_null(row) {
            return None;
        }
        match &self.data {
            ColumnData::Bool(v) => Some(v.value(row).to_string()),
            ColumnData::Int64(v) => Some(v.value(row).to_string()),
            ColumnData::Float64(v) => Some(v.value(row).to_string()),
            ColumnData::Str(s) => s.get(row).map(str::to_owned),
        }
    }

    pub(crate) fn map_data(&self, f: impl FnOnce(&ColumnData) -> ColumnData) -> Self {
        Self {
            name: self.name.clone(),
            data: f(&self.data),
        }
    }
}

/// Row access by index for the Arrow arrays of [`ColumnData`]: `None` for a null
/// or a row past the end (as `Vec::get(row).copied().flatten()` gave).
pub trait ValueAt {
    type Value;
    fn value_at(&self, row: usize) -> Option<Self::Value>;
}

impl<T: ArrowPrimitiveType> ValueAt for PrimitiveArray<T> {
    type Value = T::Native;
    fn value_at(&self, row: usize) -> Option<T::Native> {
        (row < self.len() && self.is_valid(row)).then(|| self.value(row))
    }
}

impl ValueAt for BooleanArray {
    type Value = bool;
    fn value_at(&self, row: usize) -> Option<bool> {
        (row < self.len() && self.is_valid(row)).then(|| self.value(row))
    }
}
