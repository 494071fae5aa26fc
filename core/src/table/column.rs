use std::fmt;

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

/// A dictionary-encoded string column: each row holds an index into `dictionary`,
/// or `None` for a null. Dictionary entries are distinct, in order of first
/// appearance.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StrColumn {
    pub dictionary: Vec<String>,
    pub codes: Vec<Option<u32>>,
}

impl StrColumn {
    /// The string in row `row` (`None` for null or out of range).
    pub fn get(&self, row: usize) -> Option<&str> {
        let code = (*self.codes.get(row)?)?;
        self.dictionary.get(code as usize).map(String::as_str)
    }
}

/// The values of a column. Nulls are `None`.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    Bool(Vec<Option<bool>>),
    Int64(Vec<Option<i64>>),
    Float64(Vec<Option<f64>>),
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

    pub fn len(&self) -> usize {
        match self {
            Self::Bool(v) => v.len(),
            Self::Int64(v) => v.len(),
            Self::Float64(v) => v.len(),
            Self::Str(s) => s.codes.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
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
        match &self.data {
            ColumnData::Bool(v) => v.iter().filter(|x| x.is_none()).count(),
            ColumnData::Int64(v) => v.iter().filter(|x| x.is_none()).count(),
            ColumnData::Float64(v) => v.iter().filter(|x| x.is_none()).count(),
            ColumnData::Str(s) => s.codes.iter().filter(|x| x.is_none()).count(),
        }
    }

    /// Row `row` rendered as text, the way it would be written back to CSV
    /// (`None` for null). Integral floats keep no trailing `.0`.
    pub fn value_text(&self, row: usize) -> Option<String> {
        match &self.data {
            ColumnData::Bool(v) => v.get(row).copied().flatten().map(|b| b.to_string()),
            ColumnData::Int64(v) => v.get(row).copied().flatten().map(|i| i.to_string()),
            ColumnData::Float64(v) => v.get(row).copied().flatten().map(|f| f.to_string()),
            ColumnData::Str(s) => s.get(row).map(str::to_owned),
        }
    }
}
