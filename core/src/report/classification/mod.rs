//! The classification half of [`super::evaluate`]: reads labels and predictions
//! from the table, computes metrics with bootstrap intervals, baselines,
//! reliability, calibration, curves and the threshold sweep.

mod calibration;
mod metric_set;
pub(crate) mod read;

/// One model's metrics for any weights: what a comparison computes for both models on
/// each paired resample ([`crate::compare`]).
pub(crate) use metric_set::MetricSet;
pub use metric_set::ReplicateJob;

pub(crate) use read::{ClassData, read};

use read::{hard_columns, predicted_indices};

use super::config::EvalConfig;
use super::types::{
    BaselineInfo, BaselineKind, CalibrationReport, ClassReport, ConfusionReport, CurveReport,
    ReliabilityBinReport, ReliabilityReport, SweepReport, SweepRow, TargetKind, ThresholdChoice,
};
use super::{NamedBaseline, ReportError};
use crate::metrics::baselines::{self, BaselineMetrics, RandomStrategy};
use crate::metrics::bootstrap::{
    BootstrapConfig, Interval, default_threads, intervals_from_ranges,
};
use crate::metrics::calibration::ReliabilityDiagram;
use crate::metrics::split::Split;
use crate::metrics::threshold::{SweepKind, SweepPoint, ThresholdSweep, ThresholdTarget};
use crate::metrics::{
    ClassScores, ClassificationInput, ClassificationMetrics, EvalError, Metric,
    PreparedClassification, RankedScores, Weights,
};
use crate::table::Table;

fn prepare<'a>(
    labels: &'a [u32],
    columns: &'a [&'a [f64]],
    threshold: f64,
) -> Result<PreparedClassification<'a>, EvalError> {
    let scores = match columns {
        [positive] => ClassScores::Binary {
            positive,
            threshold,
        },
        _ => ClassScores::PerClass(columns),
    };
    PreparedClassification::new(ClassificationInput { labels, scores })
}

/// The reliability diagrams behind the calibration metrics: equal width (`ece`,
/// `mce`) and, when asked for, equal mass (`ece_equal_mass`, `mce_equal_mass`).
#[derive(Default)]
pub(super) struct Diagrams {
    equal_width: Option<ReliabilityDiagram>,
    equal_mass: Option<ReliabilityDiagram>,
}

/// The report's classification metrics, by name (see [`super::metric_names`]).
fn values(
    m: &ClassificationMetrics,
    binary: bool,
    probabilistic: bool,
    reliability: &Diagrams,
) -> Vec<(String, Metric)> {
    let mut out: Vec<(&str, Metric)> = vec![
        ("accuracy", m.accuracy),
        ("balanced_accuracy", m.balanced_accuracy),
    ];
    if binary {
        let positive = m.per_class.get(1);
        let missing = Metric::Undefined(crate::metrics::Undefined::EmptyInput);
        out.push(("precision", positive.map_or(missing, |c| c.precision)));
        out.push(("recall", positive.map_or(missing, |c| c.recall)));
        out.push(("f1", positive.map_or(missing, |c| c.f1)));
        out.push(("f1_macro", m.macro_average.f1));
    } else {
        out.extend([
            ("precision_macro", m.macro_average.precision),
            ("recall_macro", m.macro_average.recall),
            ("f1_macro", m.macro_average.f1),
            ("precision_weighted", m.weighted_average.precision),
            ("recall_weighted", m.weighted_average.recall),
            ("f1_weighted", m.weighted_average.f1),
        ]);
    }
    if probabilistic {
        out.push(("roc_auc", m.roc_auc));
        if !binary {
            out.push(("roc_auc_weighted", m.roc_auc_weighted));
        }
        out.push(("average_precision", m.average_precision));
        if !binary {
            out.push(("average_precision_weighted", m.average_precision_weighted));
        }
        out.push(("log_loss", m.log_loss));
        out.push(("brier_score", m.brier_score));
        if let Some(r) = &reliability.equal_width {
            out.push(("ece", r.expected_calibration_error));
            out.push(("mce", r.maximum_calibration_error));
        }
        if let Some(r) = &reliability.equal_mass {
            out.push(("ece_equal_mass", r.expected_calibration_error));
            out.push(("mce_equal_mass", r.maximum_calibration_error));
        }
    }
    out.into_iter().map(|(n, v)| (n.to_owned(), v)).collect()
}

fn baseline_values(b: &BaselineMetrics, binary: bool) -> Vec<(String, Metric)> {
    let mut out: Vec<(&str, Metric)> = vec![
        ("accuracy", b.accuracy),
        ("balanced_accuracy", b.balanced_accuracy),
        ("precision_macro", b.precision_macro),
        ("recall_macro", b.recall_macro),
        ("f1_macro", b.f1_macro),
        ("precision_weighted", b.precision_weighted),
        ("recall_weighted", b.recall_weighted),
        ("f1_weighted", b.f1_weighted),
    ];
    if binary && let Some(p) = b.per_class.get(1) {
        out.extend([
            ("precision", p.precision),
            ("recall", p.recall),
            ("f1", p.f1),
        ]);
    }
    out.into_iter().map(|(n, v)| (n.to_owned(), v)).collect()
}

fn reliability_report(probability: &str, d: &ReliabilityDiagram) -> ReliabilityReport {
    ReliabilityReport {
        probability: probability.to_owned(),
        strategy: d.strategy,
        bins: d
            .bins
            .iter()
            .map(|b| ReliabilityBinReport {
                lower: b.lower,
                upper: b.upper,
                count: b.count,
                mean_predicted: b.mean_predicted,
                observed_frequency: b.observed_frequency,
            })
            .collect(),
        ece: d.expected_calibration_error,
        mce: d.maximum_calibration_error,
    }
}

fn sweep_row(p: &SweepPoint) -> SweepRow {
    SweepRow {
        threshold: p.threshold,
        coverage: p.coverage,
        precision: p.precision,
        recall: p.recall,
        accuracy: p.accuracy,
    }
}

/// What the classification part adds to the report.
pub(super) struct ClassificationOutcome {
    pub intervals: Vec<Interval>,
    pub baselines: Vec<NamedBaseline>,
    pub baseline_info: Vec<BaselineInfo>,
    pub confusion: ConfusionReport,
    pub per_class: Vec<ClassReport>,
    pub reliability: Option<ReliabilityReport>,
    pub reliability_equal_mass: Option<ReliabilityReport>,
    pub calibration: Option<CalibrationReport>,
    pub roc: Option<CurveReport>,
    pub pr: Option<CurveReport>,
    pub sweep: Option<SweepReport>,
    pub targets: Vec<ThresholdChoice>,
    pub notes: Vec<String>,
}

pub(super) fn run(
    table: &Table,
    config: &EvalConfig,
    data: &ClassData,
    split: &Split,
    replicates: Option<&super::PrecomputedReplicates>,
) -> Result<ClassificationOutcome, ReportError> {
    let binary = data.binary();
    let (columns, threshold) = data.input(if data.probabilistic {
        config.threshold
    } else {
        0.5
    });
    let labels = &data.labels;
    let bins = config.calibration_bins;
    let mut notes = Vec::new();
    // One sort per score column, shared by the estimates, every bootstrap replicate,
    // the curves and the sweep.
    let set = MetricSet::new(data, &columns, threshold, bins, config.equal_mass_bins)?;
    let prepared = set.prepared();
    let outcome = |row: usize| set.outcome(row);
    // What the reliability diagram bins: the positive-class probability (binary)
    // or the top-label confidence (multiclass), with its sort.
    let ranked: Option<&RankedScores> = set.probabilities().map(|(_, r)| r);
    let full_diagrams = set.diagrams(Weights::Unit)?;
    let probability_name = if binary {
        "positive_class_probability"
    } else {
        "top_label_confidence"
    };

    let boot = BootstrapConfig {
        replicates: config.bootstrap.replicates,
        seed: config.bootstrap.seed,
        confidence: config.bootstrap.confidence,
    };
    let method = config.bootstrap.method;
    let threads = config.bootstrap.threads.unwrap_or_else(default_threads);
    // A binary score column is resampled in descending score order (ties in row
    // order), one fused pass per replicate (`metrics::score_ordered`).
    // Replicates computed elsewhere (the page's Web Workers) are used when they are of
    // this very job; otherwise they are computed here.
    let intervals = match replicates.filter(|p| {
        p.job == ReplicateJob::of(data, threshold, bins, config.equal_mass_bins, &boot, method)
    }) {
        Some(p) => intervals_from_ranges(&boot, set.values(Weights::Unit), &p.ranges)?,
        None => set.intervals(&boot, method, threads)?,
    };
    let metrics = prepared.metrics(Weights::Unit);

    // Baselines.
    let counts = baselines::class_counts(labels, data.classes.len())?;
    let mut named = vec![
        NamedBaseline {
            kind: BaselineKind::UniformRandom,
            values: baseline_values(
                &baselines::random_baseline(&counts, RandomStrategy::Uniform),
                binary,
            ),
        },
        NamedBaseline {
            kind: BaselineKind::LabelDistributionRandom,
            values: baseline_values(
                &baselines::random_baseline(&counts, RandomStrategy::LabelDistribution),
                binary,
            ),
        },
        NamedBaseline {
            kind: BaselineKind::ZeroRule,
            values: baseline_values(&baselines::zero_rule(&counts), binary),
        },
    ];
    let k = data.classes.len();
    let majority = counts
        .iter()
        .enumerate()
        .fold(
            (0, 0),
            |best, (c, &n)| if n > best.1 { (c, n) } else { best },
        )
        .0;
    let mut info = vec![
        BaselineInfo {
            baseline: BaselineKind::UniformRandom,
            description: format!(
                "expected value of predicting each of the {k} classes with probability 1/{k}"
            ),
        },
        BaselineInfo {
            baseline: BaselineKind::LabelDistributionRandom,
            description: "expected value of predicting each class with its share of the labels"
                .to_owned(),
        },
        BaselineInfo {
            baseline: BaselineKind::ZeroRule,
            description: format!(
                "always predict the majority class `{}`",
                data.classes.get(majority).map_or("", String::as_str)
            ),
        },
    ];
    let hard = |predicted: &[u32]| -> Result<Vec<(String, Metric)>, ReportError> {
        let cols = hard_columns(predicted, k);
        let slices: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        let m = prepare(labels, &slices, 0.5)?.metrics(Weights::Unit);
        Ok(values(&m, binary, false, &Diagrams::default()))
    };
    if let Some(heuristic) = &config.baselines.heuristic {
        let predicted = super::heuristic::predict(heuristic, table, &data.classes)?;
        named.push(NamedBaseline {
            kind: BaselineKind::Heuristic,
            values: hard(&predicted)?,
        });
        info.push(BaselineInfo {
            baseline: BaselineKind::Heuristic,
            description: super::heuristic::describe(heuristic, &data.classes),
        });
    }
    if let Some(column) = &config.baselines.existing_column {
        let predicted = predicted_indices(table, column, &data.classes)?;
        named.push(NamedBaseline {
            kind: BaselineKind::ExistingSolution,
            values: hard(&predicted)?,
        });
        info.push(BaselineInfo {
            baseline: BaselineKind::ExistingSolution,
            description: format!("the predictions in column `{column}`"),
        });
    }

    let per_class = metrics
        .per_class
        .iter()
        .map(|m| ClassReport {
            class: data
                .classes
                .get(m.class as usize)
                .cloned()
                .unwrap_or_default(),
            support: m.support,
            predicted: m.predicted,
            precision: m.precision,
            recall: m.recall,
            f1: m.f1,
            roc_auc: m.roc_auc.filter(|_| data.probabilistic),
        })
        .collect();
    let confusion = ConfusionReport {
        classes: data.classes.clone(),
        counts: (0..k)
            .map(|a| (0..k).map(|p| metrics.confusion.get(a, p)).collect())
            .collect(),
    };

    // Curves and the sweep (probability scores only).
    let mut roc = None;
    let mut pr = None;
    let mut sweep = None;
    let mut targets = Vec::new();
    if let Some(ranked) = ranked {
        // One walk of the sort feeds the ROC and PR curves, the sweep and the targets.
        let counts = ranked.counts(outcome, Weights::Unit);
        let max = config.max_curve_points;
        let total_points = counts.len() as u64;
        if binary {
            let r = counts.roc_curve_thinned(1, max);
            roc = Some(CurveReport {
                total_points,
                x: r.fpr,
                y: r.tpr,
                thresholds: r.thresholds,
                area: r.auc,
            });
            let p = counts.pr_curve_thinned(1, max);
            pr = Some(CurveReport {
                total_points,
                x: p.recall,
                y: p.precision,
                thresholds: p.thresholds,
                area: p.average_precision,
            });
        }
        let kind = if binary {
            SweepKind::PositiveClass
        } else {
            SweepKind::Confidence
        };
        let thin = ThresholdSweep::from_counts(kind, &counts, max);
        sweep = Some(SweepReport {
            kind: if binary {
                "positive_class"
            } else {
                "confidence"
            }
            .to_owned(),
            rows: thin.rows,
            hits: thin.hits,
            points: thin.points.iter().map(sweep_row).collect(),
            total_points,
        });
        for (target, goal) in [
            (TargetKind::Precision, config.targets.precision),
            (TargetKind::Coverage, config.targets.coverage),
        ] {
            let Some(goal) = goal else { continue };
            let found = ThresholdSweep::find_in_counts(
                kind,
                &counts,
                match target {
                    TargetKind::Precision => ThresholdTarget::Precision(goal),
                    TargetKind::Coverage => ThresholdTarget::Coverage(goal),
                },
            );
            targets.push(ThresholdChoice {
                target,
                goal,
                point: found.as_ref().map(sweep_row),
            });
        }
    } else {
        notes.push(
            "the predictions are classes, not probabilities: ROC, PR, log loss, Brier score, \
             reliability, calibration and the threshold sweep are not computed"
                .to_owned(),
        );
    }

    let calibration = if data.probabilistic {
        match calibration::calibration_report(&columns, labels, split, bins) {
            Ok(report) => Some(report),
            Err(e) => {
                notes.push(format!("calibration before/after not computed: {e}"));
                None
            }
        }
    } else {
        None
    };

    Ok(ClassificationOutcome {
        intervals,
        baselines: named,
        baseline_info: info,
        confusion,
        per_class,
        reliability: full_diagrams
            .equal_width
            .map(|d| reliability_report(probability_name, &d)),
        reliability_equal_mass: full_diagrams
            .equal_mass
            .map(|d| reliability_report(probability_name, &d)),
        calibration,
        roc,
        pr,
        sweep,
        targets,
        notes,
    })
}

/// The report's metrics with their bootstrap intervals over some of `data`'s rows (a
/// slice): the same classes, threshold, bins and bootstrap settings as the whole
/// report, so a slice's numbers are comparable with the headline ones.
pub(crate) fn subset_intervals(
    config: &EvalConfig,
    data: &ClassData,
    rows: &[usize],
) -> Result<Vec<Interval>, ReportError> {
    let subset = ClassData {
        labels: rows.iter().map(|&r| data.labels[r]).collect(),
        columns: data
            .columns
            .iter()
            .map(|c| rows.iter().map(|&r| c[r]).collect())
            .collect(),
        classes: data.classes.clone(),
        probabilistic: data.probabilistic,
        kind: data.kind,
        prediction_columns: Vec::new(),
        positive: None,
    };
    let refs: Vec<&[f64]> = subset.columns.iter().map(Vec::as_slice).collect();
    let threshold = if data.probabilistic {
        config.threshold
    } else {
        0.5
    };
    let set = MetricSet::new(
        &subset,
        &refs,
        threshold,
        config.calibration_bins,
        config.equal_mass_bins,
    )?;
    let boot = BootstrapConfig {
        replicates: config.bootstrap.replicates,
        seed: config.bootstrap.seed,
        confidence: config.bootstrap.confidence,
    };
    let threads = config.bootstrap.threads.unwrap_or_else(default_threads);
    Ok(set.intervals(&boot, config.bootstrap.method, threads)?)
}
