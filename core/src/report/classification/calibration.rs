//! Calibration before / after: Platt scaling and isotonic regression fitted on the
//! eyeball rows of the split and reported on the blackbox rows.
//!
//! Binary tasks use [`calibrate`] (reliability of the positive-class probability).
//! Multiclass tasks fit one-vs-rest calibrators ([`MulticlassCalibrator`], as
//! scikit-learn's `CalibratedClassifierCV`) and report the reliability of the
//! top-label confidence and the multiclass Brier score, before and after.

use super::super::types::{CalibratedReport, CalibrationReport};
use super::reliability_report;
use crate::metrics::calibration::{
    BinStrategy, BinarySplit, CalibrationMethod, MulticlassCalibrator, calibrate,
    reliability_diagram,
};
use crate::metrics::split::Split;
use crate::metrics::{
    ClassScores, ClassificationInput, EvalError, Metric, PreparedClassification, RankedScores,
    Undefined, Weights,
};

const METHODS: [(CalibrationMethod, &str); 2] = [
    (CalibrationMethod::Platt, "platt"),
    (CalibrationMethod::Isotonic, "isotonic"),
];

/// `columns` restricted to `rows`, with the labels of those rows.
fn pick(columns: &[&[f64]], labels: &[u32], rows: &[u32]) -> (Vec<Vec<f64>>, Vec<u32>) {
    let keep: Vec<usize> = rows
        .iter()
        .map(|&r| r as usize)
        .filter(|&r| r < labels.len())
        .collect();
    let picked = columns
        .iter()
        .map(|c| keep.iter().filter_map(|&r| c.get(r).copied()).collect())
        .collect();
    (picked, keep.iter().map(|&r| labels[r]).collect())
}

/// Binary (one positive-class column) or multiclass (one column per class).
pub(super) fn calibration_report(
    columns: &[&[f64]],
    labels: &[u32],
    split: &Split,
    bins: usize,
) -> Result<CalibrationReport, EvalError> {
    let (fit_columns, fit_labels) = pick(columns, labels, &split.eyeball);
    let (report_columns, report_labels) = pick(columns, labels, &split.blackbox);
    let fit_rows = fit_labels.len() as u64;
    let report_rows = report_labels.len() as u64;
    if let [fit_scores] = fit_columns.as_slice()
        && let [report_scores] = report_columns.as_slice()
    {
        return binary(
            BinarySplit {
                scores: fit_scores,
                labels: &fit_labels,
            },
            BinarySplit {
                scores: report_scores,
                labels: &report_labels,
            },
            bins,
        );
    }
    let fit: Vec<&[f64]> = fit_columns.iter().map(Vec::as_slice).collect();
    let report: Vec<&[f64]> = report_columns.iter().map(Vec::as_slice).collect();
    let (before, brier_before) = top_label(&report, &report_labels, bins)?;
    let mut methods = Vec::new();
    for (method, name) in METHODS {
        let calibrator = MulticlassCalibrator::fit(method, &fit, &fit_labels)?;
        let calibrated = calibrator.calibrate(&report)?;
        let slices: Vec<&[f64]> = calibrated.iter().map(Vec::as_slice).collect();
        let (after, brier_after) = top_label(&slices, &report_labels, bins)?;
        methods.push(CalibratedReport {
            method: name.to_owned(),
            after,
            brier_after,
        });
    }
    Ok(CalibrationReport {
        fit_rows,
        report_rows,
        before,
        brier_before,
        methods,
    })
}

fn binary(
    fit: BinarySplit<'_>,
    report: BinarySplit<'_>,
    bins: usize,
) -> Result<CalibrationReport, EvalError> {
    let mut before = None;
    let mut brier_before = Metric::Undefined(Undefined::EmptyInput);
    let mut methods = Vec::new();
    for (method, name) in METHODS {
        let comparison = calibrate(method, fit, report, bins, BinStrategy::EqualWidth)?;
        if before.is_none() {
            before = comparison
                .before
                .as_ref()
                .map(|d| reliability_report("positive_class_probability", d));
            brier_before = comparison.brier_before;
        }
        methods.push(CalibratedReport {
            method: name.to_owned(),
            after: reliability_report("positive_class_probability", &comparison.after),
            brier_after: comparison.brier_after,
        });
    }
    let before = before.ok_or(EvalError::ProbabilityOutOfRange {
        input: "scores",
        row: 0,
        value: f64::NAN,
    })?;
    Ok(CalibrationReport {
        fit_rows: fit.labels.len() as u64,
        report_rows: report.labels.len() as u64,
        before,
        brier_before,
        methods,
    })
}

/// Reliability of the top-label confidence and the Brier score of `columns`.
fn top_label(
    columns: &[&[f64]],
    labels: &[u32],
    bins: usize,
) -> Result<(super::super::types::ReliabilityReport, Metric), EvalError> {
    let prepared = PreparedClassification::new(ClassificationInput {
        labels,
        scores: ClassScores::PerClass(columns),
    })?;
    let confidence: Vec<f64> = (0..prepared.rows())
        .map(|r| prepared.confidence(r))
        .collect();
    let ranked = RankedScores::new("confidence", &confidence)?;
    let predicted = prepared.predicted();
    let diagram = reliability_diagram(
        &confidence,
        &ranked,
        |r| predicted[r] == labels[r],
        bins,
        BinStrategy::EqualWidth,
        Weights::Unit,
    )?;
    Ok((
        reliability_report("top_label_confidence", &diagram),
        prepared.metrics(Weights::Unit).brier_score,
    ))
}
