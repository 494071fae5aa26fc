//! Champion against challenger: two models (or two prediction columns) scored on the
//! same rows, every metric's difference with a paired interval, McNemar's and
//! DeLong's tests, and declared decisions that accept or reject the challenger.
//!
//! ## Data flow
//!
//! ```text
//! Table ──request::compare_request──▶ each side: a column, a score, or a model run
//!                                      through its pipeline (report::run_model)
//!         ──compare──▶ report::classification::read, one MetricSet per side
//!                      ├─ bootstrap(rows, config, statistic): the statistic computes
//!                      │  both sides' metrics on the SAME Weights ─▶ paired intervals
//!                      ├─ mcnemar::mcnemar_exact on right/wrong per row
//!                      ├─ delong::delong on the two sorts the metrics already made
//!                      └─ decision::checks ─▶ Verdict
//!         ──export::{json, markdown, html, junit}──▶ String
//! ```
//!
//! The metrics are the evaluation report's, by the same names
//! ([`crate::report::metric_names`]): a comparison computes each side exactly as
//! `lockstep eval` would. Metrics only one side has (a model without probabilities
//! has no ROC-AUC) are left out, with a note; a check that names one is an error.

pub mod config;
pub mod decision;
pub mod delong;
pub mod export;
pub mod mcnemar;
pub mod request;
pub mod schema;
pub mod simpson;
pub mod types;

pub use config::{
    CompareConfig, CompareConfigError, Decision, DecisionTest, IntervalSource, PointThreshold,
    Satisficing,
};
pub use request::{CompareOverrides, CompareRequest, compare_request, compare_request_async};
pub use types::{COMPARE_SCHEMA_VERSION, ComparisonReport};

use crate::metrics::bootstrap::{
    BootstrapConfig, BootstrapMethod, bootstrap_parallel, default_threads,
};
use crate::metrics::table_input::regression_columns;
use crate::metrics::{EvalError, Metric, PreparedRegression, Undefined, Weights};
use crate::report::ReportError;
use crate::report::classification::{ClassData, MetricSet, read};
use crate::report::config::{EvalConfig, Predictions, TaskKind};
use crate::report::metric_names;
use crate::report::model_run::ModelRunError;
use crate::report::types::{BootstrapSummary, CurveReport, PredictionKind};
use crate::table::Table;
use types::{ClassDeLong, Estimate, MetricComparison, ModelSide, RocPair, SliceComparison};

/// Why a comparison could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompareError {
    #[error("invalid compare config: {0}")]
    Settings(#[from] CompareConfigError),
    #[error("the {side}: nothing to compare: give a prediction column, a score column or a model")]
    NoPredictions { side: &'static str },
    #[error("the {side} model: {source}")]
    Model {
        side: &'static str,
        source: Box<ModelRunError>,
    },
    #[error("the {side}: {source}")]
    Read {
        side: &'static str,
        source: Box<ReportError>,
    },
    #[error(
        "the champion has {champion} rows and the challenger {challenger}: both must be scored on the same rows"
    )]
    RowCountMismatch { champion: usize, challenger: usize },
    #[error(
        "the two sides read different labels from `{label}` (first in row {row}): both must be scored on the same rows"
    )]
    LabelsDiffer { label: String, row: usize },
    #[error(
        "the two sides have different classes (champion: {}; challenger: {}): compare models of the same task",
        champion.join(", "), challenger.join(", ")
    )]
    ClassesDiffer {
        champion: Vec<String>,
        challenger: Vec<String>,
    },
    #[error(
        "the champion's predictions are {champion:?} and the challenger's {challenger:?}: give `task` in the config"
    )]
    TaskDiffers {
        champion: TaskKind,
        challenger: TaskKind,
    },
    #[error(
        "`{metric}` needs probabilities, and the {side} gives {kind}: give a score column or a model with a probability output"
    )]
    NoProbabilities {
        side: &'static str,
        metric: String,
        kind: &'static str,
    },
    #[error("unknown metric `{metric}` in the compare config (metrics of this comparison: {})", known.join(", "))]
    UnknownMetric { metric: String, known: Vec<String> },
    #[error("`{setting}` = {value} is invalid: {expected}")]
    InvalidSetting {
        setting: String,
        value: String,
        expected: &'static str,
    },
    #[error("the table has no rows to compare")]
    NoRows,
    #[error(transparent)]
    Eval(#[from] EvalError),
    #[error("slices: {0}")]
    Slices(#[from] crate::slices::SliceError),
    #[error("cannot take a slice's rows: {0}")]
    Table(#[from] crate::table::TableError),
}

/// One side's predictions: the table they are in (a model's run adds its output
/// columns to its own copy), where in it, and what the report says of the side.
pub struct SidePredictions<'a> {
    pub table: &'a Table,
    pub predictions: Predictions,
    pub info: ModelSide,
}

const PROBABILITY_METRICS: &[&str] = &[
    "roc_auc",
    "roc_auc_weighted",
    "average_precision",
    "average_precision_weighted",
    "log_loss",
    "brier_score",
    "ece",
    "mce",
    "ece_equal_mass",
    "mce_equal_mass",
];

fn invalid(
    setting: impl Into<String>,
    value: impl ToString,
    expected: &'static str,
) -> CompareError {
    CompareError::InvalidSetting {
        setting: setting.into(),
        value: value.to_string(),
        expected,
    }
}

fn check_settings(config: &CompareConfig) -> Result<(), CompareError> {
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
    if !config.threshold.is_finite() {
        return Err(invalid("threshold", config.threshold, "a finite number"));
    }
    if !(1..=10_000).contains(&config.calibration_bins) {
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
    for d in &config.decisions {
        if !(d.margin.is_finite() && d.margin >= 0.0) {
            return Err(invalid(
                format!("decision `{}`.margin", d.metric),
                d.margin,
                "a finite number ≥ 0",
            ));
        }
        if d.interval == IntervalSource::Delong && d.metric != "roc_auc" {
            return Err(invalid(
                format!("decision `{}`.interval", d.metric),
                "delong",
                "DeLong's interval is for `roc_auc` only",
            ));
        }
    }
    Ok(())
}

/// Every metric a check names must be one this comparison has.
fn check_names(
    config: &CompareConfig,
    names: &[String],
    sides: [(&'static str, PredictionKind); 2],
) -> Result<(), CompareError> {
    let named = config
        .decisions
        .iter()
        .map(|d| &d.metric)
        .chain(config.satisficing.iter().map(|s| &s.metric))
        .chain(config.thresholds.iter().map(|t| &t.metric));
    for metric in named {
        if names.contains(metric) {
            continue;
        }
        if PROBABILITY_METRICS.contains(&metric.as_str())
            && let Some((side, _)) = sides.iter().find(|(_, k)| *k == PredictionKind::Labels)
        {
            return Err(CompareError::NoProbabilities {
                side,
                metric: metric.clone(),
                kind: "predicted classes only",
            });
        }
        return Err(CompareError::UnknownMetric {
            metric: metric.clone(),
            known: names.to_vec(),
        });
    }
    Ok(())
}

fn task_of(side: &SidePredictions<'_>, label: &str) -> Result<TaskKind, ReportError> {
    crate::report::infer_task(
        side.table,
        &EvalConfig::new(label, side.predictions.clone()),
    )
}

/// Compares `challenger` with `champion` on the same rows. See the module docs.
pub fn compare(
    label: &str,
    champion: &SidePredictions<'_>,
    challenger: &SidePredictions<'_>,
    config: &CompareConfig,
    data_sha256: Option<String>,
) -> Result<ComparisonReport, CompareError> {
    check_settings(config)?;
    let (rows_a, rows_b) = (champion.table.num_rows(), challenger.table.num_rows());
    if rows_a != rows_b {
        return Err(CompareError::RowCountMismatch {
            champion: rows_a,
            challenger: rows_b,
        });
    }
    if rows_a == 0 {
        return Err(CompareError::NoRows);
    }
    let task = match config.task {
        Some(task) => task,
        None => {
            let a = task_of(champion, label).map_err(|source| CompareError::Read {
                side: "champion",
                source: Box::new(source),
            })?;
            let b = task_of(challenger, label).map_err(|source| CompareError::Read {
                side: "challenger",
                source: Box::new(source),
            })?;
            if a != b {
                return Err(CompareError::TaskDiffers {
                    champion: a,
                    challenger: b,
                });
            }
            a
        }
    };
    let boot = BootstrapConfig {
        replicates: config.bootstrap.replicates,
        seed: config.bootstrap.seed,
        confidence: config.bootstrap.confidence,
    };
    let mut report = match task {
        TaskKind::Classification => classification(label, champion, challenger, config, &boot)?,
        TaskKind::Regression => regression(label, champion, challenger, config, &boot)?,
    };
    report.data_sha256 = data_sha256;
    Ok(report)
}

/// The comparison within each slice of `spec` (rules read on `table`, the rows both
/// sides scored): [`compare`] on the slice's rows of each side, so every slice has the
/// paired intervals and McNemar's test of the whole. Decisions are the whole
/// comparison's; a slice's own checks are not kept. A slice where the comparison
/// cannot be made (no rows, one class) has no metrics and a note saying why. Give
/// `config.task` (the whole comparison's) so that no slice infers another.
pub fn compare_slices(
    label: &str,
    champion: &SidePredictions<'_>,
    challenger: &SidePredictions<'_>,
    config: &CompareConfig,
    table: &Table,
    spec: &crate::slices::SlicesSpec,
) -> Result<Vec<SliceComparison>, CompareError> {
    let n = table.num_rows();
    let mut out = Vec::new();
    for (name, rule, set) in crate::slices::metrics::slice_sets(table, spec)? {
        let rows: Vec<usize> = set.ones().collect();
        let mut slice = SliceComparison {
            name,
            rule,
            rows: rows.len() as u64,
            share: rows.len() as f64 / n.max(1) as f64,
            metrics: Vec::new(),
            mcnemar: None,
            notes: Vec::new(),
        };
        if rows.is_empty() {
            slice.notes.push("no rows: nothing to compare".to_owned());
            out.push(slice);
            continue;
        }
        let (table_a, table_b) = (champion.table.take(&rows)?, challenger.table.take(&rows)?);
        let side = |s: &SidePredictions<'_>, t| SidePredictions {
            table: t,
            predictions: s.predictions.clone(),
            info: s.info.clone(),
        };
        match compare(
            label,
            &side(champion, &table_a),
            &side(challenger, &table_b),
            config,
            None,
        ) {
            Ok(report) => {
                slice.metrics = report.metrics;
                slice.mcnemar = report.mcnemar;
                slice.notes = report
                    .notes
                    .into_iter()
                    .filter(|n| !n.starts_with("no check could be made"))
                    .collect();
            }
            Err(e) => slice.notes.push(format!("not compared: {e}")),
        }
        out.push(slice);
    }
    Ok(out)
}

/// Both sides' metric values on the same weights, as (champion, challenger,
/// difference) triples in the order of `names`.
fn paired_values(
    names: &[String],
    a: &[(String, Metric)],
    b: &[(String, Metric)],
) -> Vec<(String, Metric)> {
    let find = |values: &[(String, Metric)], name: &str| {
        values
            .iter()
            .find(|(n, _)| n == name)
            .map_or(Metric::Undefined(Undefined::NoDefinedMember), |&(_, m)| m)
    };
    let mut out = Vec::with_capacity(names.len() * 3);
    for name in names {
        let (x, y) = (find(a, name), find(b, name));
        let d = match (x, y) {
            (Metric::Value(x), Metric::Value(y)) => Metric::Value(y - x),
            (Metric::Undefined(r), _) | (_, Metric::Undefined(r)) => Metric::Undefined(r),
        };
        out.push((format!("champion/{name}"), x));
        out.push((format!("challenger/{name}"), y));
        out.push((format!("difference/{name}"), d));
    }
    out
}

/// The common metric names (in the champion's order), with notes on the others.
fn common_names(
    a: &[(String, Metric)],
    b: &[(String, Metric)],
    notes: &mut Vec<String>,
) -> Vec<String> {
    let names: Vec<String> = a
        .iter()
        .filter(|(n, _)| b.iter().any(|(m, _)| m == n))
        .map(|(n, _)| n.clone())
        .collect();
    for (side, values) in [("champion", a), ("challenger", b)] {
        let only: Vec<&str> = values
            .iter()
            .filter(|(n, _)| !names.contains(n))
            .map(|(n, _)| n.as_str())
            .collect();
        if !only.is_empty() {
            notes.push(format!(
                "only the {side} has {} (the other gives no probabilities): not compared",
                only.join(", ")
            ));
        }
    }
    names
}

/// Paired bootstrap intervals of both sides and their difference.
fn paired_bootstrap(
    rows: usize,
    boot: &BootstrapConfig,
    names: &[String],
    values: impl Fn(Weights<'_>) -> (Vec<(String, Metric)>, Vec<(String, Metric)>) + Sync,
) -> Result<Vec<MetricComparison>, CompareError> {
    // Both sides on the same Poisson resample; replicates on every core natively (each
    // has its own seeded stream, so the thread count does not change the result).
    let method = BootstrapMethod::Poisson;
    let intervals = bootstrap_parallel(rows, boot, method, default_threads(), |w| {
        let (a, b) = values(w);
        paired_values(names, &a, &b)
    })?;
    Ok(intervals
        .chunks(3)
        .zip(names)
        .map(|(triple, name)| {
            let est = |i: usize| {
                triple.get(i).map_or(
                    Estimate {
                        estimate: Undefined::NoDefinedMember.into(),
                        lower: Undefined::NoDefinedMember.into(),
                        upper: Undefined::NoDefinedMember.into(),
                    },
                    |iv| Estimate {
                        estimate: iv.estimate,
                        lower: iv.lower,
                        upper: iv.upper,
                    },
                )
            };
            let diff = triple.get(2);
            MetricComparison {
                name: name.clone(),
                higher_is_better: metric_names::higher_is_better(name),
                champion: est(0),
                challenger: est(1),
                difference: est(2),
                defined_replicates: diff.map_or(0, |d| d.defined_replicates),
                undefined_replicates: diff.map_or(0, |d| d.undefined_replicates),
            }
        })
        .collect())
}

fn read_side(
    side: &'static str,
    label: &str,
    s: &SidePredictions<'_>,
    config: &CompareConfig,
) -> Result<ClassData, CompareError> {
    let mut eval = EvalConfig::new(label, s.predictions.clone());
    eval.positive_label = config.positive_label.clone();
    read(s.table, &eval).map_err(|source| CompareError::Read {
        side,
        source: Box::new(source),
    })
}

fn classification(
    label: &str,
    champion: &SidePredictions<'_>,
    challenger: &SidePredictions<'_>,
    config: &CompareConfig,
    boot: &BootstrapConfig,
) -> Result<ComparisonReport, CompareError> {
    let a = read_side("champion", label, champion, config)?;
    let b = read_side("challenger", label, challenger, config)?;
    if a.labels.len() != b.labels.len() {
        return Err(CompareError::RowCountMismatch {
            champion: a.labels.len(),
            challenger: b.labels.len(),
        });
    }
    if a.classes != b.classes {
        return Err(CompareError::ClassesDiffer {
            champion: a.classes.clone(),
            challenger: b.classes.clone(),
        });
    }
    if let Some(row) = a.labels.iter().zip(&b.labels).position(|(x, y)| x != y) {
        return Err(CompareError::LabelsDiffer {
            label: label.to_owned(),
            row: row + 1,
        });
    }
    let threshold_of = |d: &ClassData| {
        if d.probabilistic {
            config.threshold
        } else {
            0.5
        }
    };
    let (cols_a, thr_a) = a.input(threshold_of(&a));
    let (cols_b, thr_b) = b.input(threshold_of(&b));
    let bins = config.calibration_bins;
    let set_a = MetricSet::new(&a, &cols_a, thr_a, bins, config.equal_mass_bins)?;
    let set_b = MetricSet::new(&b, &cols_b, thr_b, bins, config.equal_mass_bins)?;
    let mut notes = Vec::new();
    let names = common_names(
        &set_a.values(Weights::Unit),
        &set_b.values(Weights::Unit),
        &mut notes,
    );
    check_names(
        config,
        &names,
        [("champion", a.kind), ("challenger", b.kind)],
    )?;

    let metrics = paired_bootstrap(a.labels.len(), boot, &names, |w| {
        (set_a.values(w), set_b.values(w))
    })?;

    let labels = &a.labels;
    let correct = |set: &MetricSet<'_>| {
        let predicted = set.prepared().predicted();
        labels
            .iter()
            .zip(predicted)
            .map(|(l, p)| l == p)
            .collect::<Vec<bool>>()
    };
    let mcnemar = Some(mcnemar::mcnemar_exact(correct(&set_a), correct(&set_b)));

    let binary = a.binary();
    let both_ranked = if binary && a.probabilistic && b.probabilistic {
        set_a.prepared().ranked(1).zip(set_b.prepared().ranked(1))
    } else {
        None
    };
    let is_positive = |r: usize| labels[r] == 1;
    let mut delong_test = None;
    let mut roc = None;
    if let Some((ra, rb)) = both_ranked {
        match delong::delong(ra, rb, is_positive, config.bootstrap.confidence) {
            Ok(t) => delong_test = Some(t),
            Err(reason) => notes.push(format!(
                "DeLong's test not computed: {}",
                crate::report::contract::undefined_text(reason)
            )),
        }
        let curve = |r: &crate::metrics::RankedScores| {
            let counts = r.counts(is_positive, Weights::Unit);
            let c = counts.roc_curve_thinned(1, config.max_curve_points);
            CurveReport {
                total_points: counts.len() as u64,
                x: c.fpr,
                y: c.tpr,
                thresholds: c.thresholds,
                area: c.auc,
            }
        };
        roc = Some(RocPair {
            champion: curve(ra),
            challenger: curve(rb),
        });
    } else if binary {
        notes.push(
            "DeLong's test and the ROC curves need both models' probabilities: not computed"
                .to_owned(),
        );
    }
    // Multiclass: one-vs-rest DeLong per class, on the per-class sorts the metrics
    // already made (the macro ROC-AUC's difference has the paired bootstrap interval).
    let mut delong_per_class = Vec::new();
    if !binary && a.probabilistic && b.probabilistic {
        for (k, class) in a.classes.iter().enumerate() {
            let pair = set_a.prepared().ranked(k).zip(set_b.prepared().ranked(k));
            let Some((ra, rb)) = pair else { continue };
            let is_class = |r: usize| labels[r] as usize == k;
            match delong::delong(ra, rb, is_class, config.bootstrap.confidence) {
                Ok(test) => delong_per_class.push(ClassDeLong {
                    class: class.clone(),
                    test,
                }),
                Err(reason) => notes.push(format!(
                    "DeLong's test of class {class} against the rest not computed: {}",
                    crate::report::contract::undefined_text(reason)
                )),
            }
        }
    }
    let headline = if names.iter().any(|n| n == "roc_auc") {
        "roc_auc"
    } else {
        "accuracy"
    };
    let checks = decision::checks(config, &metrics, delong_test.as_ref(), headline);
    if checks.is_empty() {
        notes.push("no check could be made: the challenger is accepted by default".to_owned());
    }
    let verdict = decision::verdict(&checks);
    let side = |s: &SidePredictions<'_>, d: &ClassData| ModelSide {
        prediction_kind: d.kind,
        prediction_columns: d.prediction_columns.clone(),
        ..s.info.clone()
    };
    Ok(ComparisonReport {
        schema_version: COMPARE_SCHEMA_VERSION.to_owned(),
        task: TaskKind::Classification,
        rows: labels.len() as u64,
        label_column: label.to_owned(),
        classes: a.classes.clone(),
        positive_label: a.positive.clone(),
        threshold: (binary && (a.probabilistic || b.probabilistic)).then_some(config.threshold),
        champion: side(champion, &a),
        challenger: side(challenger, &b),
        bootstrap: BootstrapSummary {
            replicates: boot.replicates,
            seed: boot.seed,
            confidence: boot.confidence,
            method: BootstrapMethod::Poisson,
        },
        metrics,
        mcnemar,
        delong: delong_test,
        delong_per_class,
        roc,
        checks,
        verdict,
        data_sha256: None,
        notes,
        slices: Vec::new(),
        simpson: Vec::new(),
    })
}

fn regression(
    label: &str,
    champion: &SidePredictions<'_>,
    challenger: &SidePredictions<'_>,
    config: &CompareConfig,
    boot: &BootstrapConfig,
) -> Result<ComparisonReport, CompareError> {
    let column = |side: &'static str, s: &SidePredictions<'_>| match &s.predictions {
        Predictions::Column(c) => Ok(c.clone()),
        Predictions::Score(_) => Err(CompareError::Read {
            side,
            source: Box::new(ReportError::RegressionNeedsColumn { kind: "score" }),
        }),
        Predictions::Probabilities(_) => Err(CompareError::Read {
            side,
            source: Box::new(ReportError::RegressionNeedsColumn {
                kind: "probability",
            }),
        }),
    };
    let (col_a, col_b) = (
        column("champion", champion)?,
        column("challenger", challenger)?,
    );
    let read = |side: &'static str, s: &SidePredictions<'_>, c: &str| {
        regression_columns(s.table, label, c).map_err(|e| CompareError::Read {
            side,
            source: Box::new(ReportError::Eval(e)),
        })
    };
    let (targets, pred_a) = read("champion", champion, &col_a)?;
    let (targets_b, pred_b) = read("challenger", challenger, &col_b)?;
    if let Some(row) = targets
        .iter()
        .zip(&targets_b)
        .position(|(x, y)| x.to_bits() != y.to_bits())
    {
        return Err(CompareError::LabelsDiffer {
            label: label.to_owned(),
            row: row + 1,
        });
    }
    let a = PreparedRegression::new(&targets, &pred_a)?;
    let b = PreparedRegression::new(&targets, &pred_b)?;
    let mut notes =
        vec!["regression: McNemar's and DeLong's tests and the ROC curves do not apply".to_owned()];
    let names = common_names(
        &a.metrics(Weights::Unit).named_values(),
        &b.metrics(Weights::Unit).named_values(),
        &mut notes,
    );
    check_names(
        config,
        &names,
        [
            ("champion", PredictionKind::Labels),
            ("challenger", PredictionKind::Labels),
        ],
    )?;
    let metrics = paired_bootstrap(targets.len(), boot, &names, |w| {
        (a.metrics(w).named_values(), b.metrics(w).named_values())
    })?;
    let checks = decision::checks(config, &metrics, None, "rmse");
    let verdict = decision::verdict(&checks);
    let side = |s: &SidePredictions<'_>, c: &str| ModelSide {
        prediction_kind: PredictionKind::Labels,
        prediction_columns: vec![c.to_owned()],
        ..s.info.clone()
    };
    Ok(ComparisonReport {
        schema_version: COMPARE_SCHEMA_VERSION.to_owned(),
        task: TaskKind::Regression,
        rows: targets.len() as u64,
        label_column: label.to_owned(),
        classes: Vec::new(),
        positive_label: None,
        threshold: None,
        champion: side(champion, &col_a),
        challenger: side(challenger, &col_b),
        bootstrap: BootstrapSummary {
            replicates: boot.replicates,
            seed: boot.seed,
            confidence: boot.confidence,
            method: BootstrapMethod::Poisson,
        },
        metrics,
        mcnemar: None,
        delong: None,
        delong_per_class: Vec::new(),
        roc: None,
        checks,
        verdict,
        data_sha256: None,
        notes,
        slices: Vec::new(),
        simpson: Vec::new(),
    })
}
