//! Behavioural tests with the model in the loop: the test types of CheckList
//! (Ribeiro et al., 2020) for tabular models.
//!
//! * **Perturbation** ([`spec::PerturbationKind`]): Gaussian noise scaled to each
//!   numeric feature's standard deviation at several levels; missing values (each
//!   feature set to null in turn, and a share of all cells); categories swapped for
//!   another observed value. Out: the metric-vs-perturbation curve with bootstrap
//!   intervals, the share of predictions that change (Wilson interval) and the
//!   features that move the model most.
//! * **Invariance**: a column that must not matter (every row re-scored with each
//!   other observed value, or a seeded permutation). A row fails when its label flips
//!   or a score moves by more than the tolerance.
//! * **Directional expectation**: a column raised (or lowered) by δ; the score must
//!   not move against the expectation by more than the tolerance (non-strict: a flat
//!   region of a tree passes). Rows where the test cannot fail — a probability
//!   already within the tolerance of the bound it would have to cross — and rows
//!   whose value is null are counted apart, as CheckList does.
//!
//! Every test has a fail rate with a Wilson interval, the worst rows and, when the
//! file declares one, a maximum fail rate that decides its verdict.
//!
//! ## Data flow
//!
//! ```text
//! TOML ──BehaviourSpec::from_toml──▶ spec
//! Table ──seeded sample (sample_rows)──▶ rows ──perturb a raw column (table views,
//!   column builder)──▶ Table::with_column ──report::run_model (engine seam, pipeline)
//!   ──▶ scores + predicted class ──compare with the unperturbed run──▶ BehaviourReport
//! ```
//!
//! Perturbations work on the raw columns, before any fitted pipeline, so categories
//! and nulls reach the model through the same `transform::apply` as serving. All
//! randomness is core's seeded [`crate::metrics::bootstrap::SplitMix64`]: the same
//! seed gives the same report natively and in wasm32.

mod perturb;
mod run;
mod scoring;
pub mod spec;
pub mod types;

pub use crate::metrics::normal::wilson_interval;
pub use run::run_behaviour;
pub use spec::{
    BehaviourSettings, BehaviourSpec, DirectionalSpec, Expectation, InvarianceMode, InvarianceSpec,
    PerturbationKind, PerturbationSpec,
};
pub use types::{
    BehaviourKind, BehaviourReport, BehaviourStatus, BehaviourTest, CurvePoint, FeatureImpact,
    WorstRow,
};

use crate::report::model_run::ModelRunError;
use crate::table::TableError;

/// At most this many distinct values are tried by an invariance test in `values` mode.
pub const MAX_INVARIANCE_VALUES: usize = 50;

/// Why behavioural tests could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BehaviourError {
    #[error("the behavioural tests are not valid TOML: {message}")]
    Toml { message: String },
    #[error("`{setting}` = {value} is invalid: {expected}")]
    InvalidSetting {
        setting: String,
        value: String,
        expected: &'static str,
    },
    #[error("{test}: unknown column `{column}` (columns: {})", available.join(", "))]
    UnknownColumn {
        test: String,
        column: String,
        available: Vec<String>,
    },
    #[error("{test}: column `{column}` holds {data_type} values; it needs a numeric column")]
    NotNumeric {
        test: String,
        column: String,
        data_type: &'static str,
    },
    #[error("{test}: column `{column}` is the label; a test changes features only")]
    LabelColumn { test: String, column: String },
    #[error(
        "{test}: column `{column}` has {values} distinct values (at most {max} are tried one by one); use mode = \"permutation\""
    )]
    TooManyValues {
        test: String,
        column: String,
        values: usize,
        max: usize,
    },
    #[error(
        "{test}: the model outputs predicted classes only; a directional test needs a score (probabilities or a regression value)"
    )]
    NeedsScore { test: String },
    #[error("{test}: the model has several classes ({}); name the one whose probability is the score with `class`", classes.join(", "))]
    NeedsClass { test: String, classes: Vec<String> },
    #[error("{test}: class `{class}` is not one of the model's classes ({})", classes.join(", "))]
    UnknownClass {
        test: String,
        class: String,
        classes: Vec<String>,
    },
    #[error("the table has no rows to test")]
    NoRows,
    #[error("behavioural tests: {0}")]
    Model(#[from] ModelRunError),
    #[error("behavioural tests: {0}")]
    Table(#[from] TableError),
}
