//! Evaluation metrics computed from table columns.
//!
//! [`binary`] evaluates two table columns. The evaluation suite works on slices:
//! [`classification`] (labels + per-class probabilities), [`regression`],
//! [`ranking`] (one sort per score column, reused by ROC, PR, the
//! [`threshold`] sweep, [`calibration`] and every [`bootstrap`] replicate),
//! [`baselines`] and the eyeball/blackbox [`split`]; [`table_input`] reads those
//! slices from table columns. Undefined values are
//! [`Metric::Undefined`] with a typed [`Undefined`] reason, never NaN.

pub mod baselines;
pub mod binary;
pub mod bootstrap;
pub mod calibration;
mod classes;
pub mod classification;
mod eval_error;
mod metric_value;
pub mod normal;
pub mod ranking;
pub mod regression;
pub mod score_ordered;
pub mod split;
pub mod table_input;
pub mod threshold;

pub use binary::{BinaryMetrics, BinaryOptions, ConfusionMatrix, PredictionSource};
pub use classes::ClassColumn;
pub use classification::{
    ClassScores, ClassificationInput, ClassificationMetrics, PreparedClassification,
};
pub use eval_error::EvalError;
pub use metric_value::{Metric, Undefined, Weights};
pub use ranking::{RankCounts, RankedScores};
pub use regression::{PreparedRegression, RegressionMetrics};

use crate::table::{DataType, TableError};

/// Why metrics could not be computed. Variants name the column, the 1-based data
/// row (the header is not counted) and the value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricsError {
    #[error(transparent)]
    Table(#[from] TableError),
    #[error("column `{column}` is null in row {row}; labels and predictions must not be missing")]
    NullValue { column: String, row: usize },
    #[error("column `{column}` has type {}; a score column must hold numbers", data_type.name())]
    NotNumeric { column: String, data_type: DataType },
    #[error(
        "column `{column}`, row {row}: `{value}` is not a number; a score column must hold numbers"
    )]
    NotANumber {
        column: String,
        row: usize,
        value: String,
    },
    #[error(
        "the label `{label}` holds {} classes ({}), but a score column (`{score}`) gives one \
         positive-class probability, for two classes: give one probability column per class \
         or a column of predicted classes",
        classes.len(), classes.join(", ")
    )]
    ScoreNeedsTwoClasses {
        label: String,
        score: String,
        classes: Vec<String>,
    },
    #[error("column `{column}`, row {row}: score `{value}` is not a finite number")]
    NonFiniteScore {
        column: String,
        row: usize,
        value: f64,
    },
    #[error("the decision threshold must be a finite number, got `{value}`")]
    InvalidThreshold { value: f64 },
    #[error(
        "binary metrics need at most 2 classes, but `{label}` and `{prediction}` together hold {}: {}",
        classes.len(), classes.join(", ")
    )]
    TooManyClasses {
        label: String,
        prediction: String,
        classes: Vec<String>,
    },
    #[error(
        "cannot tell which class is positive among {}: name it (e.g. positive label `{}`)",
        classes.join(", "), classes.last().map_or("", String::as_str)
    )]
    AmbiguousPositive { classes: Vec<String> },
    #[error("positive label `{positive}` is not among the classes in the data ({})", classes.join(", "))]
    UnknownPositive {
        positive: String,
        classes: Vec<String>,
    },
    #[error("the table has no rows to evaluate")]
    NoRows,
}
