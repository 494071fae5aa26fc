//! Errors for malformed evaluation inputs (as opposed to metrics that are merely
//! undefined, see [`super::Undefined`]).

/// Why an evaluation could not run. Variants name the input, the row and the
/// offending value: slice inputs count rows from 0; table inputs (`Table`,
/// `UnknownLabel`) count data rows from 1, as [`super::MetricsError`] does.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    #[error("`{input}` has {actual} rows but `{reference}` has {expected}; they must match")]
    LengthMismatch {
        input: &'static str,
        actual: usize,
        reference: &'static str,
        expected: usize,
    },
    #[error("`{input}`, row {row}: `{value}` is not a finite number")]
    NonFinite {
        input: &'static str,
        row: usize,
        value: f64,
    },
    #[error("`{input}`, row {row}: probability `{value}` lies outside [0, 1]")]
    ProbabilityOutOfRange {
        input: &'static str,
        row: usize,
        value: f64,
    },
    #[error("row {row}: label {label} is not a class index below {classes}")]
    LabelOutOfRange {
        row: usize,
        label: u32,
        classes: usize,
    },
    #[error("classification needs at least 2 classes (score columns), got {classes}")]
    TooFewClasses { classes: usize },
    #[error("`{parameter}` = {value} is invalid: {expected}")]
    InvalidParameter {
        parameter: &'static str,
        value: f64,
        expected: &'static str,
    },
    #[error("`{input}` is empty; {what} needs at least one row")]
    Empty {
        input: &'static str,
        what: &'static str,
    },
    #[error("{what} needs both classes in the labels, but every label is {class}")]
    SingleClass { what: &'static str, class: u32 },
    #[error(transparent)]
    Table(#[from] super::MetricsError),
    #[error(
        "column `{column}`, row {row}: label `{value}` is not one of the classes ({})",
        classes.join(", ")
    )]
    UnknownLabel {
        column: String,
        row: usize,
        value: String,
        classes: Vec<String>,
    },
    #[error("key column `{column}` is null in row {row}; every row needs a key to be split")]
    NullKey { column: String, row: usize },
}
