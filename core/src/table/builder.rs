//! Column builders: the one way a reader (CSV, JSON Lines, Parquet, the prediction
//! log) or the server's request validation fills a column, value by value, into
//! Arrow's layout. Strings are interned by one implementation, [`StrBuilder`].

use std::collections::HashMap;
use std::marker::PhantomData;

use arrow_array::types::{ArrowPrimitiveType, Float64Type, Int64Type, UInt32Type};
use arrow_array::{BooleanArray, PrimitiveArray, StringArray};
use arrow_buffer::{BooleanBufferBuilder, NullBuffer, OffsetBuffer, ScalarBuffer};

use super::{Column, ColumnData, DataType, StrColumn, TableError};

/// Values plus a validity bitmap, growing one value at a time.
#[derive(Debug)]
pub struct PrimitiveBuilder<T: ArrowPrimitiveType> {
    values: Vec<T::Native>,
    validity: BooleanBufferBuilder,
    _type: PhantomData<T>,
}

pub type Int64Builder = PrimitiveBuilder<Int64Type>;
pub type Float64Builder = PrimitiveBuilder<Float64Type>;

impl<T: ArrowPrimitiveType> PrimitiveBuilder<T> {
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            values: Vec::with_capacity(capacity),
            validity: BooleanBufferBuilder::new(capacity),
            _type: PhantomData,
        }
    }

    pub fn push(&mut self, value: Option<T::Native>) {
        self.values.push(value.unwrap_or_default());
        self.validity.append(value.is_some());
    }

    pub fn push_null(&mut self) {
        self.push(None);
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Drops the rows from `len` on.
    pub fn truncate(&mut self, len: usize) {
        self.values.truncate(len);
        self.validity.truncate(len);
    }

    /// The array; the values vector becomes its buffer without a copy (its spare
    /// capacity, left by growth, is given back first).
    pub fn finish(mut self) -> PrimitiveArray<T> {
        self.values.shrink_to_fit();
        PrimitiveArray::new(ScalarBuffer::from(self.values), nulls(&mut self.validity))
    }
}

fn nulls(validity: &mut BooleanBufferBuilder) -> Option<NullBuffer> {
    Some(NullBuffer::new(validity.finish())).filter(|n| n.null_count() > 0)
}

/// Booleans (a bit each) plus a validity bitmap.
#[derive(Debug)]
pub struct BoolBuilder {
    values: BooleanBufferBuilder,
    validity: BooleanBufferBuilder,
}

impl BoolBuilder {
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            values: BooleanBufferBuilder::new(capacity),
            validity: BooleanBufferBuilder::new(capacity),
        }
    }

    pub fn push(&mut self, value: Option<bool>) {
        self.values.append(value.unwrap_or(false));
        self.validity.append(value.is_some());
    }

    pub fn push_null(&mut self) {
        self.push(None);
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn truncate(&mut self, len: usize) {
        self.values.truncate(len);
        self.validity.truncate(len);
    }

    pub fn finish(mut self) -> BooleanArray {
        BooleanArray::new(self.values.finish(), nulls(&mut self.validity))
    }
}

/// The dictionary is full: more distinct strings than `u32` codes, or more than
/// 2 GiB of distinct text (Arrow's `i32` offsets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DictionaryFull;

/// Dictionaries up to this size are searched in order rather than hashed: categorical
/// columns usually have a few categories, and comparing a few short strings is
/// cheaper than hashing one.
const SMALL_DICTIONARY: usize = 16;

/// A dictionary-encoded string column under construction: each distinct string is
/// stored once (in order of first appearance), each row as a `u32` code.
#[derive(Debug)]
pub struct StrBuilder {
    /// The dictionary's text, entry after entry, and where each entry ends.
    bytes: Vec<u8>,
    offsets: Vec<i32>,
    /// Entry → code, filled once the dictionary outgrows [`SMALL_DICTIONARY`].
    index: HashMap<String, u32>,
    codes: PrimitiveBuilder<UInt32Type>,
}

impl Default for StrBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl StrBuilder {
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    pub fn with_capacity(rows: usize) -> Self {
        Self {
            bytes: Vec::new(),
            offsets: vec![0],
            index: HashMap::new(),
            codes: PrimitiveBuilder::with_capacity(rows),
        }
    }

    fn entries(&self) -> usize {
        self.offsets.len() - 1
    }

    fn entry(&self, code: usize) -> &[u8] {
        &self.bytes[self.offsets[code] as usize..self.offsets[code + 1] as usize]
    }

    /// The code of `text`, adding it to the dictionary if it is new.
    pub fn intern(&mut self, text: &str) -> Result<u32, DictionaryFull> {
        let found = if self.entries() <= SMALL_DICTIONARY {
            (0..self.entries())
                .find(|&i| self.entry(i) == text.as_bytes())
                .map(|i| i as u32)
        } else {
            self.index.get(text).copied()
        };
        if let Some(code) = found {
            return Ok(code);
        }
        let code = u32::try_from(self.entries()).map_err(|_| DictionaryFull)?;
        let end = i32::try_from(self.bytes.len() + text.len()).map_err(|_| DictionaryFull)?;
        self.bytes.extend_from_slice(text.as_bytes());
        self.offsets.push(end);
        if self.entries() > SMALL_DICTIONARY {
            if self.index.is_empty() {
                // Entries are copied from `&str`, so the lossy decoding never replaces.
                let entries: Vec<(String, u32)> = (0..self.entries())
                    .map(|i| {
                        (
                            String::from_utf8_lossy(self.entry(i)).into_owned(),
                            i as u32,
                        )
                    })
                    .collect();
                self.index.extend(entries);
            } else {
                self.index.insert(text.to_owned(), code);
            }
        }
        Ok(code)
    }

    /// Appends a row: `text`'s code, or a null.
    pub fn push(&mut self, text: Option<&str>) -> Result<(), DictionaryFull> {
        let code = text.map(|t| self.intern(t)).transpose()?;
        self.codes.push(code);
        Ok(())
    }

    pub fn push_null(&mut self) {
        self.codes.push(None);
    }

    /// Appends a row by the code [`StrBuilder::intern`] gave its text (or a null).
    pub(super) fn push_code(&mut self, code: Option<u32>) {
        debug_assert!(code.is_none_or(|c| (c as usize) < self.entries()));
        self.codes.push(code);
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// Drops the rows from `len` on (the dictionary keeps its entries).
    pub fn truncate(&mut self, len: usize) {
        self.codes.truncate(len);
    }

    pub fn finish(self) -> StrColumn {
        let offsets = OffsetBuffer::new(ScalarBuffer::from(self.offsets));
        let dictionary = StringArray::new(offsets, self.bytes.into(), None);
        // The codes index the builder's distinct entries.
        StrColumn::from_builder(dictionary, self.codes.finish())
    }
}

/// A column of any [`DataType`] under construction, with its name (for errors).
#[derive(Debug)]
pub enum ColumnBuilder {
    Bool(BoolBuilder),
    Int64(Int64Builder),
    Float64(Float64Builder),
    Str(StrBuilder),
}

impl ColumnBuilder {
    pub fn new(data_type: DataType, capacity: usize) -> Self {
        match data_type {
            DataType::Bool => Self::Bool(BoolBuilder::with_capacity(capacity)),
            DataType::Int64 => Self::Int64(Int64Builder::with_capacity(capacity)),
            DataType::Float64 => Self::Float64(Float64Builder::with_capacity(capacity)),
            DataType::Str => Self::Str(StrBuilder::with_capacity(capacity)),
        }
    }

    pub fn data_type(&self) -> DataType {
        match self {
            Self::Bool(_) => DataType::Bool,
            Self::Int64(_) => DataType::Int64,
            Self::Float64(_) => DataType::Float64,
            Self::Str(_) => DataType::Str,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Self::Bool(b) => b.len(),
            Self::Int64(b) => b.len(),
            Self::Float64(b) => b.len(),
            Self::Str(b) => b.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn push_null(&mut self) {
        match self {
            Self::Bool(b) => b.push_null(),
            Self::Int64(b) => b.push_null(),
            Self::Float64(b) => b.push_null(),
            Self::Str(b) => b.push_null(),
        }
    }

    /// Nulls up to `len` rows.
    pub fn pad(&mut self, len: usize) {
        while self.len() < len {
            self.push_null();
        }
    }

    pub fn truncate(&mut self, len: usize) {
        match self {
            Self::Bool(b) => b.truncate(len),
            Self::Int64(b) => b.truncate(len),
            Self::Float64(b) => b.truncate(len),
            Self::Str(b) => b.truncate(len),
        }
    }

    pub fn finish(self) -> ColumnData {
        match self {
            Self::Bool(b) => ColumnData::Bool(b.finish()),
            Self::Int64(b) => ColumnData::Int64(b.finish()),
            Self::Float64(b) => ColumnData::Float64(b.finish()),
            Self::Str(b) => ColumnData::Str(b.finish()),
        }
    }

    /// The named column.
    pub fn finish_column(self, name: impl Into<String>) -> Column {
        Column::new(name, self.finish())
    }
}

impl DictionaryFull {
    /// The named error for column `column`.
    pub fn for_column(self, column: &str) -> TableError {
        TableError::DictionaryFull {
            column: column.to_owned(),
        }
    }
}
