use crate::table::DataType;

/// Why a spec could not be read, fitted or applied. Every variant names the column
/// (or cross) and, where there is one, the 1-based data row (header excluded), the
/// offending value and what was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransformError {
    #[error("cannot parse the pipeline spec as {format}: {message}")]
    SpecParse {
        format: &'static str,
        message: String,
    },
    #[error("unsupported spec version {found}: this build reads version {expected}")]
    SpecVersion { found: u32, expected: u32 },
    #[error("the spec has no columns and no crosses: there would be no features")]
    EmptySpec,
    #[error(
        "the output name `{column}` is used by more than one column or cross (give one of them an `output` name)"
    )]
    DuplicateFeatureSource { column: String },
    #[error("`{column}`, step {step} (`{kind}`): {message}")]
    InvalidStep {
        column: String,
        /// 1-based position in the chain.
        step: usize,
        kind: &'static str,
        message: String,
    },
    #[error("no column named `{column}` in the input (columns: {})", available.join(", "))]
    UnknownColumn {
        column: String,
        available: Vec<String>,
    },
    #[error("column `{column}` is {found} but {expected} was expected")]
    WrongType {
        column: String,
        found: DataType,
        expected: String,
    },
    #[error(
        "column `{column}`, row {row}: `{value}` is not a number, but step `{step}` needs numbers"
    )]
    NotNumeric {
        column: String,
        row: usize,
        value: String,
        step: &'static str,
    },
    #[error("the training table has no rows: nothing to fit")]
    EmptyTrainingTable,
    #[error(
        "column `{column}`, row {row}: the value is null, but step `{step}` needs a value (add an impute step before it)"
    )]
    NullValue {
        column: String,
        row: usize,
        step: &'static str,
    },
    #[error("column `{column}`, row {row}: `{value}` is not allowed ({expected})")]
    InvalidValue {
        column: String,
        row: usize,
        value: String,
        expected: String,
    },
    #[error("column `{column}`: step `{step}` has no non-null training values to fit on")]
    NoTrainingValues { column: String, step: &'static str },
    #[error(
        "column `{column}`, step `{step}`: the fitted statistic {statistic} is {value}, not a finite number"
    )]
    NonFiniteStatistic {
        column: String,
        step: &'static str,
        statistic: &'static str,
        value: f64,
    },
    #[error("the fitted pipeline JSON is invalid: {message}")]
    FittedJson { message: String },
    #[error(
        "the fitted pipeline's fingerprint {stored} does not match its content ({computed}): it was edited or corrupted"
    )]
    FingerprintMismatch { stored: String, computed: String },
    #[error("{rows} rows × {features} features is too large for one matrix")]
    TooLarge { rows: usize, features: usize },
}
