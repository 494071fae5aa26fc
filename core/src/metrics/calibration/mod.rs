//! Calibration: reliability diagrams with ECE and MCE ([`reliability_diagram`],
//! in `reliability.rs`), and recalibrators fitted on one split and reported on
//! another: Platt scaling ([`PlattScaling`], `platt.rs`) and isotonic regression
//! ([`IsotonicCalibration`], `isotonic.rs`), for binary scores ([`calibrate`]) and
//! one-vs-rest for multiclass probabilities ([`MulticlassCalibrator`]).

mod isotonic;
mod platt;
mod reliability;

use serde::Serialize;

pub use isotonic::IsotonicCalibration;
pub use platt::PlattScaling;
pub use reliability::{BinStrategy, ReliabilityBin, ReliabilityDiagram, reliability_diagram};
pub(crate) use reliability::{diagram_from_bins, equal_width_bin, lerp};

use super::metric_value::Sum;
use super::{EvalError, Metric, RankedScores, Undefined, Weights};

/// Which recalibrator to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CalibrationMethod {
    Platt,
    Isotonic,
}

/// A fitted recalibrator.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Calibrator {
    Platt(PlattScaling),
    Isotonic(IsotonicCalibration),
}

impl Calibrator {
    pub fn predict(&self, score: f64) -> f64 {
        match self {
            Self::Platt(p) => p.predict(score),
            Self::Isotonic(i) => i.predict(score),
        }
    }
}

/// A binary split: scores and 0/1 labels (1 is positive).
#[derive(Debug, Clone, Copy)]
pub struct BinarySplit<'a> {
    pub scores: &'a [f64],
    pub labels: &'a [u32],
}

/// A recalibrator fitted on one split, judged on another.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationComparison {
    pub calibrator: Calibrator,
    /// Reliability of the raw scores on the report split; `None` when they are not
    /// probabilities (e.g. logits or decision-function values).
    pub before: Option<ReliabilityDiagram>,
    /// Reliability of the calibrated probabilities on the report split.
    pub after: ReliabilityDiagram,
    pub brier_before: Metric,
    pub brier_after: Metric,
}

/// Fits `method` on `fit` and reports on `report`. Scores may be any finite numbers;
/// the "before" diagram and Brier score exist only when they are probabilities.
pub fn calibrate(
    method: CalibrationMethod,
    fit: BinarySplit<'_>,
    report: BinarySplit<'_>,
    bins: usize,
    strategy: BinStrategy,
) -> Result<CalibrationComparison, EvalError> {
    for split in [&fit, &report] {
        if split.scores.len() != split.labels.len() {
            return Err(EvalError::LengthMismatch {
                input: "scores",
                actual: split.scores.len(),
                reference: "labels",
                expected: split.labels.len(),
            });
        }
    }
    let calibrator = match method {
        CalibrationMethod::Platt => {
            Calibrator::Platt(PlattScaling::fit(fit.scores, |i| fit.labels[i] == 1)?)
        }
        CalibrationMethod::Isotonic => {
            let ranked = RankedScores::new("scores", fit.scores)?;
            Calibrator::Isotonic(IsotonicCalibration::fit(
                &ranked,
                |i| fit.labels[i] == 1,
                Weights::Unit,
            )?)
        }
    };
    let calibrated: Vec<f64> = report
        .scores
        .iter()
        .map(|&s| calibrator.predict(s))
        .collect();
    let positive = |i: usize| report.labels[i] == 1;
    let raw_ranked = RankedScores::new("scores", report.scores)?;
    let new_ranked = RankedScores::new("calibrated", &calibrated)?;
    let are_probabilities = report.scores.iter().all(|s| (0.0..=1.0).contains(s));
    let before = if are_probabilities {
        Some(reliability_diagram(
            report.scores,
            &raw_ranked,
            positive,
            bins,
            strategy,
            Weights::Unit,
        )?)
    } else {
        None
    };
    let after = reliability_diagram(
        &calibrated,
        &new_ranked,
        positive,
        bins,
        strategy,
        Weights::Unit,
    )?;
    let brier = |p: &[f64]| {
        let mut s = Sum::default();
        for (i, &p) in p.iter().enumerate() {
            let d = f64::from(u8::from(positive(i))) - p;
            s.add(d * d);
        }
        Metric::ratio(s.value(), p.len() as f64, Undefined::EmptyInput)
    };
    Ok(CalibrationComparison {
        brier_before: if are_probabilities {
            brier(report.scores)
        } else {
            Undefined::NotProbabilities.into()
        },
        brier_after: brier(&calibrated),
        calibrator,
        before,
        after,
    })
}

/// One-vs-rest recalibration of per-class probabilities, as scikit-learn's
/// `CalibratedClassifierCV` with 3 or more classes: one calibrator per class,
/// fitted on that class's column against "label is this class"; calibrated rows
/// are divided by their sum (uniform `1/k` when every calibrator gives 0), and
/// values above 1 by at most 1e-5 are set to 1.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MulticlassCalibrator {
    pub calibrators: Vec<Calibrator>,
}

impl MulticlassCalibrator {
    /// Fits one calibrator per column of `columns` (`columns[c][row]`).
    pub fn fit(
        method: CalibrationMethod,
        columns: &[&[f64]],
        labels: &[u32],
    ) -> Result<Self, EvalError> {
        if columns.len() < 2 {
            return Err(EvalError::TooFewClasses {
                classes: columns.len(),
            });
        }
        let calibrators = columns
            .iter()
            .enumerate()
            .map(|(c, column)| {
                if column.len() != labels.len() {
                    return Err(EvalError::LengthMismatch {
                        input: "scores",
                        actual: column.len(),
                        reference: "labels",
                        expected: labels.len(),
                    });
                }
                let is_class = |i: usize| labels[i] as usize == c;
                Ok(match method {
                    CalibrationMethod::Platt => {
                        Calibrator::Platt(PlattScaling::fit(column, is_class)?)
                    }
                    CalibrationMethod::Isotonic => {
                        let ranked = RankedScores::new("scores", column)?;
                        Calibrator::Isotonic(IsotonicCalibration::fit(
                            &ranked,
                            is_class,
                            Weights::Unit,
                        )?)
                    }
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { calibrators })
    }

    /// Calibrated, normalised probability columns for `columns`.
    pub fn calibrate(&self, columns: &[&[f64]]) -> Result<Vec<Vec<f64>>, EvalError> {
        if columns.len() != self.calibrators.len() {
            return Err(EvalError::LengthMismatch {
                input: "score columns",
                actual: columns.len(),
                reference: "calibrators",
                expected: self.calibrators.len(),
            });
        }
        let rows = columns.first().map_or(0, |c| c.len());
        if let Some(bad) = columns.iter().find(|c| c.len() != rows) {
            return Err(EvalError::LengthMismatch {
                input: "score columns",
                actual: bad.len(),
                reference: "first score column",
                expected: rows,
            });
        }
        let mut out: Vec<Vec<f64>> = columns
            .iter()
            .zip(&self.calibrators)
            .map(|(column, calibrator)| column.iter().map(|&s| calibrator.predict(s)).collect())
            .collect();
        let uniform = 1.0 / out.len() as f64;
        for row in 0..rows {
            let sum: f64 = out.iter().map(|c| c[row]).sum();
            for column in &mut out {
                let v = if sum == 0.0 {
                    uniform
                } else {
                    column[row] / sum
                };
                column[row] = if v > 1.0 && v <= 1.0 + 1e-5 { 1.0 } else { v };
            }
        }
        Ok(out)
    }
}
