//! Slices: metrics on the rows users name, the slices they did not think of, and
//! Simpson's paradox.
//!
//! # Data flow
//!
//! ```text
//! slices.toml ──SlicesSpec::from_toml──▶ named rules ([`crate::expr`]) + `by` columns + finder settings
//!                                          │
//! evaluated table ──predicate::cut / Rule::predict──▶ one Bitset per slice
//!                                          │
//!   per slice: the report's metrics with bootstrap intervals on its rows, the rest's,
//!   the gap ([`metrics`]); finder: per-row loss → [`finder::find`] → ranked slices
//!                                          │
//!                                          ▼
//!                      EvalReport.slices (+ the contract's `slice:NAME metric` lines)
//! ```
//!
//! [`simpson`] checks comparisons for Simpson's paradox: on its own inputs, and in the
//! report (`[simpson]` in `slices.toml`: two groups compared by the model's loss, or
//! an outcome, within strata → `SlicesReport::simpson`).

pub mod bitset;
pub mod finder;
pub mod loss;
pub mod metrics;
pub mod predicate;
pub mod rows;
pub mod simpson;
pub mod spec;
pub mod stats;

pub use bitset::{Bitset, Moments};
pub use finder::{Control, FinderReport, FinderSettings, FoundSlice, Progress, Stopped, find};
pub use metrics::{SliceMetricRow, SliceMetrics, SlicesReport, attach};
pub use rows::{SliceRow, SliceRows, slice_rows};
pub use spec::{ByColumns, NamedSlice, SimpsonSettings, SlicesSpec};

use crate::expr::RuleError;
use crate::report::ReportError;

/// Why slices could not be evaluated or searched.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SliceError {
    #[error("no column named `{name}` (columns: {})", available.join(", "))]
    UnknownColumn {
        name: String,
        available: Vec<String>,
    },
    #[error("column `{column}` ({data_type}) cannot be cut into numeric buckets")]
    NotNumeric {
        column: String,
        data_type: &'static str,
    },
    #[error("column `{column}`: bucket edges {edges:?} must be finite and strictly increasing")]
    BadEdges { column: String, edges: Vec<f64> },
    #[error("`{setting}` = {value} is invalid: {expected}")]
    InvalidSetting {
        setting: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("{losses} losses for {rows} rows: give one loss per row")]
    LossLength { losses: usize, rows: usize },
    #[error("row {row}: loss {value} is not a finite number ≥ 0")]
    BadLoss { row: usize, value: f64 },
    #[error("slice `{slice}`: {source}")]
    Rule { slice: String, source: RuleError },
    #[error(
        "slice name `{name}` is not usable: give a non-empty name without spaces (contract lines \
         refer to it as `slice:NAME metric >= x`)"
    )]
    BadName { name: String },
    #[error("two slices are named `{name}`")]
    DuplicateName { name: String },
    #[error(
        "`by = {columns:?}` makes {count} slices, more than {limit}: use fewer bins or columns"
    )]
    TooManySlices {
        columns: Vec<String>,
        count: usize,
        limit: usize,
    },
    #[error("`by` needs 1 to 3 columns, got {count}")]
    ByColumns { count: usize },
    #[error("the slices file is not valid TOML: {message}")]
    Toml { message: String },
    #[error(transparent)]
    Report(#[from] ReportError),
}
