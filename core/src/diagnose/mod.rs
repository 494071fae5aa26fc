//! What to do next after an evaluation: the bias / variance / mismatch diagnosis,
//! learning curves ([`curves`]) and error analysis ([`errors`]); [`request`] is the one
//! orchestration the CLI and the page call.
//!
//! # Data flow
//!
//! ```text
//! train, train-dev, dev, test ──(report::rows::row_outcomes, or given figures)──▶ SetError
//! optimal error (human level, Bayes rate, else the best baseline) ─┐            │
//!                                                                  ▼            ▼
//!                                  diagnose: four gaps, each with a stratified bootstrap interval
//!                                                                  │
//!                                  dominant gap (interval excludes 0) + next focus (decision loop)
//! ```
//!
//! The four gaps (Ng, *Machine Learning Yearning*, ch. 20–41), oriented so that a
//! positive gap is a problem:
//!
//! | gap | definition |
//! |---|---|
//! | avoidable bias | train − optimal |
//! | variance | train-dev − train |
//! | data mismatch | dev − train-dev |
//! | dev overfitting | test − dev |
//!
//! **Intervals.** The four sets are independent samples, so each is resampled on its
//! own (a stratified percentile bootstrap): replicate `r` draws set `k`'s rows with
//! [`resample_counts`]`(seed + k, r, …)`, the set's error is the count-weighted mean of
//! its per-row losses, and each gap's interval is the numpy-"linear" percentile
//! interval of its replicate values. A figure given with the number of rows it was
//! measured on is resampled as that many 0/1 rows; a figure given without is a
//! constant (no sampling error is known), and so is the optimal error.
//!
//! **Verdict.** A gap is *distinguishable* when its interval lies above 0. The dominant
//! gap is the largest distinguishable one (none is named otherwise). The next focus
//! follows the standard decision loop: the first of bias → variance → mismatch → dev
//! overfitting that is distinguishable *and* at least the declared tolerance (what
//! the contract can live with); when none is, "acceptable: deploy and monitor".

pub mod curves;
pub mod errors;
pub mod export;
pub mod request;
pub mod schema;

pub use request::{
    DiagnoseRequest, DiagnoseRequestError, SetData, SetInput, request, request_async,
};

use serde::{Deserialize, Serialize};

use crate::metrics::bootstrap::{BootstrapConfig, percentile, resample_counts};
use crate::report::rows::{RowOutcomes, row_outcomes};
use crate::report::types::BaselineKind;
use crate::report::{
    EvalReport, EvalRequest, PreparedRequest, RequestError, prepare_request, prepare_request_async,
};
use crate::table::Table;

/// The four data sets of the diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DataSet {
    Train,
    TrainDev,
    Dev,
    Test,
}

impl DataSet {
    pub const ALL: [DataSet; 4] = [Self::Train, Self::TrainDev, Self::Dev, Self::Test];

    pub fn label(self) -> &'static str {
        match self {
            Self::Train => "training",
            Self::TrainDev => "training-dev",
            Self::Dev => "dev",
            Self::Test => "test",
        }
    }
}

/// One set's error (or metric).
#[derive(Debug, Clone, PartialEq)]
pub enum SetError {
    /// Per-row losses computed by Lockstep (0/1 misclassification from
    /// [`crate::report::rows::RowOutcomes::errors`]); the error is their mean.
    Rows(Vec<f64>),
    /// A figure the user gives, with the number of rows it was measured on when known.
    Given { value: f64, rows: Option<u64> },
}

/// Where the optimal-error estimate comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum OptimalSource {
    /// A declared human-level figure.
    HumanLevel,
    /// A declared Bayes-rate estimate.
    BayesRate,
    /// No estimate was declared: the best baseline's error, an upper bound on the
    /// optimal error (avoidable bias is then understated).
    BestBaseline { baseline: String },
}

impl OptimalSource {
    pub fn label(&self) -> String {
        match self {
            Self::HumanLevel => "human level (declared)".to_owned(),
            Self::BayesRate => "Bayes rate (declared)".to_owned(),
            Self::BestBaseline { baseline } => format!(
                "best baseline ({baseline}): no optimal error declared; an upper bound, so \
                 avoidable bias is understated"
            ),
        }
    }
}

/// The optimal-error estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Optimal {
    pub value: f64,
    pub source: OptimalSource,
}

/// Everything a diagnosis needs.
#[derive(Debug, Clone, PartialEq)]
pub struct DiagnosisInput {
    /// What the figures are (`error rate` when Lockstep computes them).
    pub metric: String,
    /// True for a metric such as accuracy: gaps are then `from − to`, so a positive
    /// gap is still a loss.
    pub higher_is_better: bool,
    pub train: Option<SetError>,
    pub train_dev: Option<SetError>,
    pub dev: Option<SetError>,
    pub test: Option<SetError>,
    pub optimal: Option<Optimal>,
    /// Gaps below this are small against the contract.
    pub tolerance: f64,
    pub bootstrap: BootstrapConfig,
}

/// The four gaps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Gap {
    AvoidableBias,
    Variance,
    DataMismatch,
    DevOverfitting,
}

impl Gap {
    /// In the decision loop's order.
    pub const ALL: [Gap; 4] = [
        Self::AvoidableBias,
        Self::Variance,
        Self::DataMismatch,
        Self::DevOverfitting,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::AvoidableBias => "avoidable bias",
            Self::Variance => "variance",
            Self::DataMismatch => "data mismatch",
            Self::DevOverfitting => "dev overfitting",
        }
    }

    /// `(from, to)`: the gap is `to − from` (errors). `None` stands for the optimal error.
    fn sets(self) -> (Option<DataSet>, DataSet) {
        match self {
            Self::AvoidableBias => (None, DataSet::Train),
            Self::Variance => (Some(DataSet::Train), DataSet::TrainDev),
            Self::DataMismatch => (Some(DataSet::TrainDev), DataSet::Dev),
            Self::DevOverfitting => (Some(DataSet::Dev), DataSet::Test),
        }
    }

    /// The standard remedy, in plain words.
    pub fn advice(self) -> &'static str {
        match self {
            Self::AvoidableBias => {
                "reduce avoidable bias: a bigger model, longer training (or a better \
                 optimiser), less regularization, better features"
            }
            Self::Variance => {
                "reduce variance: more training data, more regularization (or data \
                 augmentation), a simpler model"
            }
            Self::DataMismatch => {
                "reduce data mismatch: make the training data like production (collect or \
                 synthesise rows like the dev/test data; study the dev errors the \
                 training-dev set does not show)"
            }
            Self::DevOverfitting => {
                "the dev set is overfit by repeated tuning: get a bigger dev set, drawn \
                 afresh from the production distribution"
            }
        }
    }
}

/// One set's figure as the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SetFigure {
    pub set: DataSet,
    pub value: f64,
    pub rows: Option<u64>,
    /// `computed` (by Lockstep from rows) or `given`.
    pub source: String,
}

/// One gap with its interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GapFigure {
    pub gap: Gap,
    pub estimate: f64,
    /// `None` when neither side has a sampling error (both constants).
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    /// The interval lies above 0.
    pub distinguishable: bool,
}

/// The diagnosis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Diagnosis {
    pub metric: String,
    pub higher_is_better: bool,
    pub sets: Vec<SetFigure>,
    pub optimal: Option<Optimal>,
    /// The gaps whose two sides were given, in the decision loop's order.
    pub gaps: Vec<GapFigure>,
    /// The largest gap whose interval excludes 0.
    pub dominant: Option<Gap>,
    /// The gap to work on next, `None` when acceptable.
    pub focus: Option<Gap>,
    /// The next focus in plain words.
    pub advice: String,
    pub tolerance: f64,
    pub replicates: u32,
    pub seed: u64,
    pub confidence: f64,
    pub notes: Vec<String>,
}

/// Why a diagnosis could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DiagnoseError {
    #[error("the {set} set has no rows")]
    EmptySet { set: &'static str },
    #[error("the {set} set's {what} `{value}` is not a finite number")]
    NotFinite {
        set: &'static str,
        what: &'static str,
        value: f64,
    },
    #[error("`{parameter}` = {value} is invalid: {expected}")]
    InvalidParameter {
        parameter: &'static str,
        value: f64,
        expected: &'static str,
    },
}

/// A set ready to resample: per-row losses, or a constant.
enum Prepared {
    Rows(Vec<f64>),
    Constant(f64),
}

impl Prepared {
    fn estimate(&self) -> f64 {
        match self {
            Self::Rows(v) => v.iter().sum::<f64>() / v.len() as f64,
            Self::Constant(c) => *c,
        }
    }
}

fn prepare(
    set: DataSet,
    error: &SetError,
    notes: &mut Vec<String>,
) -> Result<(Prepared, SetFigure), DiagnoseError> {
    let name = set.label();
    let finite = |what, value: f64| {
        if value.is_finite() {
            Ok(())
        } else {
            Err(DiagnoseError::NotFinite {
                set: name,
                what,
                value,
            })
        }
    };
    Ok(match error {
        SetError::Rows(rows) => {
            if rows.is_empty() {
                return Err(DiagnoseError::EmptySet { set: name });
            }
            if let Some(&bad) = rows.iter().find(|v| !v.is_finite()) {
                finite("per-row loss", bad)?;
            }
            let p = Prepared::Rows(rows.clone());
            let figure = SetFigure {
                set,
                value: p.estimate(),
                rows: Some(rows.len() as u64),
                source: "computed".to_owned(),
            };
            (p, figure)
        }
        SetError::Given { value, rows } => {
            finite("figure", *value)?;
            let figure = SetFigure {
                set,
                value: *value,
                rows: *rows,
                source: "given".to_owned(),
            };
            match rows {
                Some(0) => return Err(DiagnoseError::EmptySet { set: name }),
                Some(n) if (0.0..=1.0).contains(value) => {
                    // A proportion over n rows: round(value · n) ones.
                    let n = *n as usize;
                    let ones = (value * n as f64).round() as usize;
                    let mut rows = vec![0.0; n];
                    rows.iter_mut().take(ones).for_each(|v| *v = 1.0);
                    (Prepared::Rows(rows), figure)
                }
                Some(_) => {
                    notes.push(format!(
                        "the {name} figure {value} is not a proportion: held constant (no sampling error)"
                    ));
                    (Prepared::Constant(*value), figure)
                }
                None => {
                    notes.push(format!(
                        "the {name} figure was given without its row count: held constant (no sampling error)"
                    ));
                    (Prepared::Constant(*value), figure)
                }
            }
        }
    })
}

/// Runs the diagnosis (see the module docs).
pub fn diagnose(input: &DiagnosisInput) -> Result<Diagnosis, DiagnoseError> {
    let config = &input.bootstrap;
    if !(config.confidence > 0.0 && config.confidence < 1.0) {
        return Err(DiagnoseError::InvalidParameter {
            parameter: "confidence",
            value: config.confidence,
            expected: "strictly between 0 and 1",
        });
    }
    if config.replicates == 0 {
        return Err(DiagnoseError::InvalidParameter {
            parameter: "replicates",
            value: 0.0,
            expected: "at least 1",
        });
    }
    if !(input.tolerance.is_finite() && input.tolerance >= 0.0) {
        return Err(DiagnoseError::InvalidParameter {
            parameter: "tolerance",
            value: input.tolerance,
            expected: "a finite number ≥ 0",
        });
    }
    if let Some(o) = &input.optimal
        && !o.value.is_finite()
    {
        return Err(DiagnoseError::NotFinite {
            set: "optimal",
            what: "figure",
            value: o.value,
        });
    }
    let mut notes = Vec::new();
    let given = [&input.train, &input.train_dev, &input.dev, &input.test];
    let mut prepared: [Option<Prepared>; 4] = [None, None, None, None];
    let mut sets = Vec::new();
    for (k, (set, error)) in DataSet::ALL.iter().zip(given).enumerate() {
        if let Some(error) = error {
            let (p, figure) = prepare(*set, error, &mut notes)?;
            prepared[k] = Some(p);
            sets.push(figure);
        }
    }
    // Replicate values of each set: `None` for a constant.
    let mut replicates: [Option<Vec<f64>>; 4] = [None, None, None, None];
    for (k, p) in prepared.iter().enumerate() {
        if let Some(Prepared::Rows(rows)) = p {
            let mut counts = vec![0u32; rows.len()];
            let seed = config.seed.wrapping_add(k as u64);
            let n = rows.len() as f64;
            let values = (0..config.replicates)
                .map(|r| {
                    resample_counts(seed, r, &mut counts);
                    counts
                        .iter()
                        .zip(rows)
                        .map(|(&c, &v)| f64::from(c) * v)
                        .sum::<f64>()
                        / n
                })
                .collect();
            replicates[k] = Some(values);
        }
    }
    let sign = if input.higher_is_better { -1.0 } else { 1.0 };
    let alpha = 1.0 - config.confidence;
    let mut gaps = Vec::new();
    for gap in Gap::ALL {
        let (from, to) = gap.sets();
        let to_k = to as usize;
        let Some(to_p) = &prepared[to_k] else {
            continue;
        };
        // The `from` side: a set, or the optimal error.
        let (from_estimate, from_replicates) = match from {
            Some(set) => match &prepared[set as usize] {
                Some(p) => (p.estimate(), replicates[set as usize].as_deref()),
                None => continue,
            },
            None => match &input.optimal {
                Some(o) => (o.value, None),
                None => continue,
            },
        };
        let estimate = sign * (to_p.estimate() - from_estimate);
        let to_replicates = replicates[to_k].as_deref();
        let (lower, upper) = if to_replicates.is_none() && from_replicates.is_none() {
            (None, None)
        } else {
            let mut values: Vec<f64> = (0..config.replicates as usize)
                .map(|r| {
                    let t = to_replicates.map_or(to_p.estimate(), |v| v[r]);
                    let f = from_replicates.map_or(from_estimate, |v| v[r]);
                    sign * (t - f)
                })
                .collect();
            values.sort_unstable_by(f64::total_cmp);
            (
                percentile(&values, alpha / 2.0),
                percentile(&values, 1.0 - alpha / 2.0),
            )
        };
        gaps.push(GapFigure {
            gap,
            estimate,
            lower,
            upper,
            distinguishable: lower.is_some_and(|lo| lo > 0.0),
        });
    }
    for gap in Gap::ALL {
        if !gaps.iter().any(|g| g.gap == gap) {
            let (from, to) = gap.sets();
            let needs = match from {
                Some(f) => format!("the {} and {} figures", f.label(), to.label()),
                None => format!("the optimal error and the {} figure", to.label()),
            };
            notes.push(format!("{} not measured: it needs {needs}", gap.label()));
        }
    }
    let dominant = gaps
        .iter()
        .filter(|g| g.distinguishable)
        .max_by(|a, b| a.estimate.total_cmp(&b.estimate))
        .map(|g| g.gap);
    let focus = gaps
        .iter()
        .find(|g| g.distinguishable && g.estimate >= input.tolerance)
        .map(|g| g.gap);
    let advice = match focus {
        Some(gap) => {
            let mut a = gap.advice().to_owned();
            if let Some(first) = a.get(..1) {
                a = first.to_uppercase() + a.get(1..).unwrap_or("");
            }
            a
        }
        None if gaps.len() == Gap::ALL.len() => format!(
            "Acceptable: every gap is below the tolerance ({}) or indistinguishable from 0 — \
             deploy and monitor",
            input.tolerance
        ),
        None => format!(
            "Acceptable among the gaps measured (below the tolerance {} or indistinguishable \
             from 0); measure the others before deciding",
            input.tolerance
        ),
    };
    if let Some(Optimal {
        source: OptimalSource::BestBaseline { baseline },
        ..
    }) = &input.optimal
    {
        notes.push(format!(
            "no human-level or Bayes-rate figure declared: the optimal error is the best \
             baseline's ({baseline}), so avoidable bias is understated"
        ));
    }
    Ok(Diagnosis {
        metric: input.metric.clone(),
        higher_is_better: input.higher_is_better,
        sets,
        optimal: input.optimal.clone(),
        gaps,
        dominant,
        focus,
        advice,
        tolerance: input.tolerance,
        replicates: config.replicates,
        seed: config.seed,
        confidence: config.confidence,
        notes,
    })
}

/// One data set measured by Lockstep: the request resolved (its model run through
/// the `Engine` seam) by [`prepare_request`], and each row's outcome read by the
/// evaluation's own reader ([`row_outcomes`]).
pub struct Measured {
    pub prepared: PreparedRequest,
    pub outcomes: RowOutcomes,
}

impl Measured {
    /// The table the outcomes are of (the input with the model's outputs, if any).
    pub fn table<'t>(&'t self, input: &'t Table) -> &'t Table {
        self.prepared.table.as_ref().unwrap_or(input)
    }

    /// The set's per-row 0/1 errors.
    pub fn set_error(&self) -> SetError {
        SetError::Rows(self.outcomes.errors())
    }
}

/// Measures one set (see [`Measured`]).
pub fn measure(
    table: &Table,
    request: &EvalRequest<'_>,
    now: &dyn Fn() -> f64,
) -> Result<Measured, RequestError> {
    measured(table, prepare_request(table, request, now)?)
}

/// [`measure`] with the model run awaited ([`prepare_request_async`]).
pub async fn measure_async(
    table: &Table,
    request: &EvalRequest<'_>,
    now: &dyn Fn() -> f64,
) -> Result<Measured, RequestError> {
    measured(table, prepare_request_async(table, request, now).await?)
}

fn measured(table: &Table, prepared: PreparedRequest) -> Result<Measured, RequestError> {
    let input = prepared.table.as_ref().unwrap_or(table);
    let outcomes = row_outcomes(input, &prepared.config).map_err(RequestError::Evaluate)?;
    Ok(Measured { prepared, outcomes })
}

/// The fallback optimal error: the best computed baseline's error rate
/// (1 − accuracy) in `report`, human-level figures aside (those are declared).
pub fn best_baseline(report: &EvalReport) -> Option<Optimal> {
    let accuracy = report.metrics.iter().find(|m| m.name == "accuracy")?;
    accuracy
        .baselines
        .iter()
        .filter(|b| b.baseline != BaselineKind::HumanLevel)
        .filter_map(|b| b.value.value().map(|v| (b.baseline, v)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(kind, v)| Optimal {
            value: 1.0 - v,
            source: OptimalSource::BestBaseline {
                baseline: kind.label().to_owned(),
            },
        })
}
