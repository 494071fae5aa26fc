//! Full evaluations: one call from a [`Table`] and an [`EvalConfig`] to an
//! [`EvalReport`], and the report's exports.
//!
//! ## Data flow
//!
//! ```text
//! Table + EvalConfig ──evaluate──▶ EvalReport ──export::{json, markdown, html, junit}──▶ String
//!                                    │
//!                                    └─ schema::report_schema() describes it (JSON Schema)
//! ```
//!
//! [`evaluate`] reads the label and prediction columns (a prediction column, a
//! binary score column, or one probability column per class), infers the task
//! when it is not given, and assembles, from the sklearn-checked functions in
//! [`crate::metrics`]:
//!
//! * headline metrics ([`metric_names`]) with seeded percentile-bootstrap intervals;
//! * next to every metric its baselines: uniform and label-distribution random
//!   (analytic expectations), the zero rule, a heuristic over the table's columns
//!   (one [`rule`](crate::expr), or cases of rules → classes), an existing solution's column and
//!   human-level figures typed in;
//! * reliability bins with ECE / MCE, equal-width and (unless turned off)
//!   equal-mass, and Platt and isotonic recalibration fitted on the eyeball part of
//!   the [`crate::metrics::split`] and reported on the blackbox part (equal-width);
//! * thinned ROC / PR curves and threshold sweep, and the thresholds that reach a
//!   target precision or coverage;
//! * the [`contract`] verdict, the caller's measured facts and [`fingerprint`]s.
//!
//! Nothing here performs I/O: the CLI and the web app read files, time the model
//! and hash bytes (or pass the bytes and the pipeline to [`Fingerprints::of`]). To evaluate a
//! model rather than prediction columns, both run it through [`run_model`] first.

pub(crate) mod classification;
pub mod config;
pub mod contract;
pub mod export;
pub mod fingerprint;
mod heuristic;
pub mod metric_names;
pub mod model_run;
pub(crate) mod regression_run;
pub mod request;
pub mod rows;
pub mod schema;
pub mod types;

/// The rule language, now shared with slices: [`crate::expr`].
pub use crate::expr as rule;
pub use crate::expr::{Rule, RuleError};
pub use classification::ReplicateJob;
pub use config::{
    BaselineSettings, BootstrapSettings, ClassProbabilityColumn, ConfigError, EvalConfig,
    Heuristic, HeuristicCase, HeuristicCases, HumanFigure, MeasuredFacts, Predictions,
    SettingsFormat, SplitSettings, TaskKind, ThresholdTargets, settings_from_value,
};
pub use contract::{ContractError, ContractResult, MetricContract};
pub use fingerprint::{Fingerprints, sha256_hex};
pub use model_run::{ModelRun, ModelRunError, run_model, run_model_async};
pub use request::{
    EvalRequest, ModelSource, Overrides, PreparedRequest, RequestError, Settings, Source,
    attach_behaviour, evaluate_prepared, evaluate_request, evaluate_request_watched,
    prepare_request, prepare_request_async,
};
pub use types::{EvalReport, SCHEMA_VERSION};

use contract::Lookup;
use types::{
    BaselineInfo, BaselineKind, BaselineValue, BootstrapSummary, MetricRow, PredictionKind,
    ReportInputs, SplitCounts,
};

use crate::metrics::bootstrap::Interval;
use crate::metrics::split::{Split, SplitConfig, split_column, split_keys};
use crate::metrics::{EvalError, Metric, MetricsError};
use crate::table::{ColumnData, Table};

/// Why an evaluation could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Eval(#[from] EvalError),
    #[error("row outcomes need a classification task; this one is regression")]
    NotClassification,
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    #[error("heuristic baseline `{rule}`: {source}")]
    Rule { rule: String, source: RuleError },
    #[error(transparent)]
    Contract(#[from] ContractError),
    #[error(transparent)]
    Fingerprint(#[from] fingerprint::FingerprintError),
    #[error("`{setting}` = {value} is invalid: {expected}")]
    InvalidSetting {
        setting: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error(
        "a heuristic rule predicts the positive class, so it needs a binary task; this one has \
         {classes} classes: give `cases` (rule → class) and a `default` class instead"
    )]
    HeuristicNeedsBinary { classes: usize },
    #[error(
        "heuristic baseline: `{label}` is not a class of the label column (classes: {})",
        classes.join(", ")
    )]
    HeuristicUnknownClass { label: String, classes: Vec<String> },
    #[error(
        "the heuristic baseline predicts a class, so it does not apply to regression; compare with an existing solution column instead"
    )]
    HeuristicForRegression,
    #[error(
        "a {kind} prediction is for classification, but the task is regression; give a prediction column"
    )]
    RegressionNeedsColumn { kind: &'static str },
    #[error("human-level figure for unknown metric `{name}` (known: {})", known.join(", "))]
    UnknownHumanMetric { name: String, known: Vec<String> },
    #[error("the table has no rows to evaluate")]
    NoRows,
    #[error(
        "column `{column}`, row {row}: score `{value}` is not a probability in [0, 1]; \
         the report needs probabilities (apply a sigmoid or softmax to logits first)"
    )]
    NotProbabilities {
        column: String,
        row: usize,
        value: f64,
    },
}

/// One baseline's values, by metric name.
struct NamedBaseline {
    kind: BaselineKind,
    values: Vec<(String, Metric)>,
}

fn invalid(setting: &'static str, value: impl ToString, expected: &'static str) -> ReportError {
    ReportError::InvalidSetting {
        setting,
        value: value.to_string(),
        expected,
    }
}

/// More bins than this would only allocate (and, in the web page, could exhaust memory).
const MAX_CALIBRATION_BINS: usize = 10_000;

fn check_settings(config: &EvalConfig) -> Result<(), ReportError> {
    if !config.threshold.is_finite() {
        return Err(invalid("threshold", config.threshold, "a finite number"));
    }
    let b = &config.bootstrap;
    if b.replicates == 0 {
        return Err(invalid("bootstrap.replicates", b.replicates, "at least 1"));
    }
    if !(b.confidence > 0.0 && b.confidence < 1.0) {
        return Err(invalid(
            "bootstrap.confidence",
            b.confidence,
            "strictly between 0 and 1",
        ));
    }
    if !(1..=MAX_CALIBRATION_BINS).contains(&config.calibration_bins) {
        return Err(invalid(
            "calibration_bins",
            config.calibration_bins,
            "between 1 and 10000",
        ));
    }
    if config.max_curve_points < 2 {
        return Err(invalid(
            "max_curve_points",
            config.max_curve_points,
            "at least 2",
        ));
    }
    let share = |setting: &'static str, v: Option<f64>| match v {
        Some(v) if !(0.0..=1.0).contains(&v) => Err(invalid(setting, v, "a share in [0, 1]")),
        _ => Ok(()),
    };
    share("targets.precision", config.targets.precision)?;
    share("targets.coverage", config.targets.coverage)?;
    share(
        "split.eyeball_fraction",
        Some(config.split.eyeball_fraction),
    )?;
    for (setting, v) in [
        ("facts.latency_ms_per_row", config.facts.latency_ms_per_row),
        ("facts.model_size_mb", config.facts.model_size_mb),
    ] {
        if let Some(v) = v
            && !(v.is_finite() && v >= 0.0)
        {
            return Err(invalid(setting, v, "a finite number ≥ 0"));
        }
    }
    for figure in &config.baselines.human {
        if !metric_names::is_known(&figure.metric) {
            return Err(ReportError::UnknownHumanMetric {
                name: figure.metric.clone(),
                known: metric_names::all_known().map(str::to_owned).collect(),
            });
        }
    }
    if let Some(contract) = &config.contract {
        contract.validate()?;
    }
    Ok(())
}

/// Regression when the label or the prediction column holds a non-integral
/// number; see [`EvalConfig::task`].
pub(crate) fn infer_task(table: &Table, config: &EvalConfig) -> Result<TaskKind, ReportError> {
    if let Some(task) = config.task {
        return Ok(task);
    }
    let Predictions::Column(prediction) = &config.predictions else {
        return Ok(TaskKind::Classification);
    };
    for name in [&config.label, prediction] {
        let column = table.column(name).map_err(MetricsError::from)?;
        if let ColumnData::Float64(v) = column.data()
            && v.iter().flatten().any(|x| x.fract() != 0.0)
        {
            return Ok(TaskKind::Regression);
        }
    }
    Ok(TaskKind::Classification)
}

fn compute_split(table: &Table, settings: &SplitSettings) -> Result<Split, ReportError> {
    let config = SplitConfig {
        seed: settings.seed,
        eyeball_fraction: settings.eyeball_fraction,
    };
    Ok(match &settings.key_column {
        Some(key) => split_column(table.column(key).map_err(MetricsError::from)?, &config)?,
        None => {
            let keys: Vec<String> = (1..=table.num_rows()).map(|r| r.to_string()).collect();
            split_keys(keys.iter().map(String::as_bytes), &config)?
        }
    })
}

/// A classification report's headline bootstrap computed elsewhere, in parts (the
/// page's Web Workers): the job it was computed for ([`replicate_job`]) and its
/// replicate ranges, in order ([`crate::metrics::bootstrap::replicate_ranges`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PrecomputedReplicates {
    pub job: ReplicateJob,
    pub ranges: Vec<crate::metrics::bootstrap::ReplicateRange>,
}

/// The headline bootstrap of the report [`evaluate`] would make of `table` with
/// `config`, as a job to run in parts ([`ReplicateJob::run`]); `None` for regression,
/// whose report bootstraps in one piece. The same checks and errors as [`evaluate`].
pub fn replicate_job(
    table: &Table,
    config: &EvalConfig,
) -> Result<Option<ReplicateJob>, ReportError> {
    check_settings(config)?;
    if table.num_rows() == 0 {
        return Err(ReportError::NoRows);
    }
    if infer_task(table, config)? != TaskKind::Classification {
        return Ok(None);
    }
    let data = classification::read(table, config)?;
    let threshold = if data.probabilistic {
        config.threshold
    } else {
        0.5
    };
    let boot = crate::metrics::bootstrap::BootstrapConfig {
        replicates: config.bootstrap.replicates,
        seed: config.bootstrap.seed,
        confidence: config.bootstrap.confidence,
    };
    Ok(Some(ReplicateJob::of(
        &data,
        threshold,
        config.calibration_bins,
        config.equal_mass_bins,
        &boot,
        config.bootstrap.method,
    )))
}

/// Runs the whole evaluation. See the module docs for what the report holds.
pub fn evaluate(table: &Table, config: &EvalConfig) -> Result<EvalReport, ReportError> {
    evaluate_with_replicates(table, config, None)
}

/// [`evaluate`], with the headline bootstrap's replicates taken from `replicates`
/// when they were computed for this very job (else computed here): the same report,
/// bit for bit, as [`evaluate`].
pub fn evaluate_with_replicates(
    table: &Table,
    config: &EvalConfig,
    replicates: Option<&PrecomputedReplicates>,
) -> Result<EvalReport, ReportError> {
    check_settings(config)?;
    let fingerprints = config.fingerprints.normalized()?;
    if table.num_rows() == 0 {
        return Err(ReportError::NoRows);
    }
    let task = infer_task(table, config)?;
    let split = compute_split(table, &config.split)?;
    let split_counts = SplitCounts {
        key_column: config.split.key_column.clone(),
        eyeball_fraction: config.split.eyeball_fraction,
        seed: config.split.seed,
        eyeball: split.eyeball.len() as u64,
        blackbox: split.blackbox.len() as u64,
    };
    let bootstrap = BootstrapSummary {
        replicates: config.bootstrap.replicates,
        seed: config.bootstrap.seed,
        confidence: config.bootstrap.confidence,
        method: config.bootstrap.method,
    };
    let mut report = match task {
        TaskKind::Classification => {
            let data = classification::read(table, config)?;
            let out = classification::run(table, config, &data, &split, replicates)?;
            let inputs = ReportInputs {
                label_column: config.label.clone(),
                prediction_kind: data.kind,
                prediction_columns: data.prediction_columns.clone(),
                classes: data.classes.clone(),
                positive_label: data.positive.clone(),
                threshold: (data.binary() && data.kind != PredictionKind::Labels)
                    .then_some(config.threshold),
            };
            EvalReport {
                schema_version: SCHEMA_VERSION.to_owned(),
                task,
                rows: data.labels.len() as u64,
                inputs,
                bootstrap,
                metrics: rows(out.intervals, &out.baselines),
                baselines: out.baseline_info,
                confusion: Some(out.confusion),
                per_class: out.per_class,
                reliability: out.reliability,
                reliability_equal_mass: out.reliability_equal_mass,
                calibration: out.calibration,
                roc: out.roc,
                pr: out.pr,
                threshold_sweep: out.sweep,
                threshold_targets: out.targets,
                split: split_counts,
                contract: None,
                facts: config.facts,
                fingerprints,
                notes: out.notes,
                slices: None,
                behaviour: None,
            }
        }
        TaskKind::Regression => {
            let out = regression_run::run(table, config)?;
            EvalReport {
                schema_version: SCHEMA_VERSION.to_owned(),
                task,
                rows: out.rows,
                inputs: ReportInputs {
                    label_column: config.label.clone(),
                    prediction_kind: PredictionKind::Labels,
                    prediction_columns: vec![out.prediction_column],
                    classes: Vec::new(),
                    positive_label: None,
                    threshold: None,
                },
                bootstrap,
                metrics: rows(out.intervals, &out.baselines),
                baselines: out.baseline_info,
                confusion: None,
                per_class: Vec::new(),
                reliability: None,
                reliability_equal_mass: None,
                calibration: None,
                roc: None,
                pr: None,
                threshold_sweep: None,
                threshold_targets: Vec::new(),
                split: split_counts,
                contract: None,
                facts: config.facts,
                fingerprints,
                notes: out.notes,
                slices: None,
                behaviour: None,
            }
        }
    };
    add_human_figures(&mut report, config);
    if let Some(contract) = &config.contract {
        report.contract = Some(contract::check(contract, |name| lookup(&report, name)));
    }
    Ok(report)
}

/// Metric rows from bootstrap intervals, each with the baselines that have it.
fn rows(intervals: Vec<Interval>, baselines: &[NamedBaseline]) -> Vec<MetricRow> {
    intervals
        .into_iter()
        .map(|i| MetricRow {
            higher_is_better: metric_names::higher_is_better(&i.metric),
            baselines: baselines
                .iter()
                .filter_map(|b| {
                    b.values
                        .iter()
                        .find(|(name, _)| *name == i.metric)
                        .map(|&(_, value)| BaselineValue {
                            baseline: b.kind,
                            value,
                        })
                })
                .collect(),
            name: i.metric,
            estimate: i.estimate,
            lower: i.lower,
            upper: i.upper,
            defined_replicates: i.defined_replicates,
            undefined_replicates: i.undefined_replicates,
        })
        .collect()
}

fn add_human_figures(report: &mut EvalReport, config: &EvalConfig) {
    let mut described = Vec::new();
    for figure in &config.baselines.human {
        match report.metrics.iter_mut().find(|m| m.name == figure.metric) {
            Some(row) => {
                row.baselines.push(BaselineValue {
                    baseline: BaselineKind::HumanLevel,
                    value: Metric::Value(figure.value),
                });
                described.push(match &figure.source {
                    Some(source) => format!("{} = {} ({source})", figure.metric, figure.value),
                    None => format!("{} = {}", figure.metric, figure.value),
                });
            }
            None => report.notes.push(format!(
                "the human-level figure for `{}` is not shown: that metric is not reported for this evaluation",
                figure.metric
            )),
        }
    }
    if !described.is_empty() {
        report.baselines.push(BaselineInfo {
            baseline: BaselineKind::HumanLevel,
            description: format!("typed in: {}", described.join("; ")),
        });
    }
}

/// Checks the contract again (after the `slices` section was added).
pub(crate) fn recheck_contract(report: &mut EvalReport, config: &EvalConfig) {
    if let Some(contract) = &config.contract {
        report.contract = Some(contract::check(contract, |name| lookup(report, name)));
    }
}

/// A metric's point estimate or a measured fact, for the contract; `slice:NAME metric`
/// reads the slice's estimate.
fn lookup(report: &EvalReport, name: &str) -> Lookup {
    if let Some((slice, metric)) = contract::split_slice(name) {
        return report
            .slices
            .as_ref()
            .and_then(|s| s.slice(slice))
            .and_then(|s| s.metrics.iter().find(|m| m.name == metric))
            .map_or(Lookup::NotComputed, |m| m.estimate.into());
    }
    match name {
        "latency_ms_per_row" => report
            .facts
            .latency_ms_per_row
            .map_or(Lookup::NotMeasured, Lookup::Value),
        "model_size_mb" => report
            .facts
            .model_size_mb
            .map_or(Lookup::NotMeasured, Lookup::Value),
        _ => report
            .metrics
            .iter()
            .find(|m| m.name == name)
            .map_or(Lookup::NotComputed, |m| m.estimate.into()),
    }
}
