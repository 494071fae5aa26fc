//! Regression metrics: MAE, RMSE, R², MAPE and median absolute error.
//!
//! Definitions follow scikit-learn 1.9:
//! * MAPE = mean(|y − ŷ| / max(|y|, ε)) with `ε = f64::EPSILON`, as
//!   `mean_absolute_percentage_error` (a fraction, not a percentage; a zero target
//!   gives a huge but finite term, exactly as scikit-learn).
//! * R² = 1 − SS_res / SS_tot. A constant target makes SS_tot zero: R² is then
//!   [`Undefined::ConstantTarget`] (scikit-learn's `force_finite=False` gives NaN;
//!   the default substitutes 1.0 or 0.0).
//! * Median absolute error is numpy's median (mean of the two middle values for an
//!   even count). With bootstrap weights it is the median of the resampled
//!   multiset, read from one sort of the absolute errors.

use serde::Serialize;

use super::metric_value::Sum;
use super::{EvalError, Metric, Undefined, Weights};

/// The regression metrics of one evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RegressionMetrics {
    pub rows: u64,
    pub mae: Metric,
    pub rmse: Metric,
    pub r2: Metric,
    pub mape: Metric,
    pub median_absolute_error: Metric,
}

/// Validated targets and predictions with the absolute errors sorted once.
#[derive(Debug)]
pub struct PreparedRegression<'a> {
    targets: &'a [f64],
    predictions: &'a [f64],
    /// Row indices by ascending absolute error.
    by_error: Vec<u32>,
}

fn check_finite(input: &'static str, values: &[f64]) -> Result<(), EvalError> {
    match values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        Some((row, &value)) => Err(EvalError::NonFinite { input, row, value }),
        None => Ok(()),
    }
}

impl<'a> PreparedRegression<'a> {
    pub fn new(targets: &'a [f64], predictions: &'a [f64]) -> Result<Self, EvalError> {
        if targets.len() != predictions.len() {
            return Err(EvalError::LengthMismatch {
                input: "predictions",
                actual: predictions.len(),
                reference: "targets",
                expected: targets.len(),
            });
        }
        if u32::try_from(targets.len()).is_err() {
            return Err(EvalError::InvalidParameter {
                parameter: "rows",
                value: targets.len() as f64,
                expected: "at most 4294967295 rows",
            });
        }
        check_finite("targets", targets)?;
        check_finite("predictions", predictions)?;
        // Absolute errors are non-negative, so their bit patterns sort like the values.
        let mut keyed: Vec<(u64, u32)> = targets
            .iter()
            .zip(predictions)
            .enumerate()
            .map(|(i, (y, p))| (((y - p).abs() + 0.0).to_bits(), i as u32))
            .collect();
        keyed.sort_unstable();
        Ok(Self {
            targets,
            predictions,
            by_error: keyed.into_iter().map(|(_, i)| i).collect(),
        })
    }

    pub fn rows(&self) -> usize {
        self.targets.len()
    }

    /// Every metric, each row counted `weights.get(row)` times.
    pub fn metrics(&self, weights: Weights<'_>) -> RegressionMetrics {
        let mut total = 0u64;
        let (mut abs, mut sq, mut pct, mut y_sum) = (
            Sum::default(),
            Sum::default(),
            Sum::default(),
            Sum::default(),
        );
        for (row, (&y, &p)) in self.targets.iter().zip(self.predictions).enumerate() {
            let w = weights.get(row);
            if w == 0 {
                continue;
            }
            total += w;
            let wf = w as f64;
            let e = (y - p).abs();
            abs.add(wf * e);
            sq.add(wf * e * e);
            pct.add(wf * e / y.abs().max(f64::EPSILON));
            y_sum.add(wf * y);
        }
        if total == 0 {
            let empty = Metric::Undefined(Undefined::EmptyInput);
            return RegressionMetrics {
                rows: 0,
                mae: empty,
                rmse: empty,
                r2: empty,
                mape: empty,
                median_absolute_error: empty,
            };
        }
        let n = total as f64;
        let mean_y = y_sum.value() / n;
        let mut ss_tot = Sum::default();
        for (row, &y) in self.targets.iter().enumerate() {
            let w = weights.get(row);
            if w > 0 {
                let d = y - mean_y;
                ss_tot.add(w as f64 * d * d);
            }
        }
        let ss_tot = ss_tot.value();
        let r2 = if ss_tot == 0.0 {
            Undefined::ConstantTarget.into()
        } else {
            Metric::Value(1.0 - sq.value() / ss_tot)
        };
        RegressionMetrics {
            rows: total,
            mae: Metric::Value(abs.value() / n),
            rmse: Metric::Value((sq.value() / n).sqrt()),
            r2,
            mape: Metric::Value(pct.value() / n),
            median_absolute_error: Metric::Value(self.median_error(weights, total)),
        }
    }

    /// Median of the absolute errors of the (weighted) multiset of `total` rows.
    fn median_error(&self, weights: Weights<'_>, total: u64) -> f64 {
        let (lo_rank, hi_rank) = ((total - 1) / 2, total / 2);
        let mut seen = 0u64;
        let mut lo = None;
        for &row in &self.by_error {
            let row = row as usize;
            let w = weights.get(row);
            if w == 0 {
                continue;
            }
            let e = (self.targets[row] - self.predictions[row]).abs();
            // This row covers ranks seen..seen + w.
            if lo.is_none() && lo_rank < seen + w {
                lo = Some(e);
            }
            if hi_rank < seen + w {
                let lo = lo.unwrap_or(e);
                return (lo + e) / 2.0;
            }
            seen += w;
        }
        lo.unwrap_or(0.0)
    }
}

/// Validates, sorts and evaluates in one call.
pub fn evaluate(targets: &[f64], predictions: &[f64]) -> Result<RegressionMetrics, EvalError> {
    Ok(PreparedRegression::new(targets, predictions)?.metrics(Weights::Unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_target_explains_r2() {
        let m = evaluate(&[2.0, 2.0], &[1.0, 3.0]).unwrap();
        assert_eq!(m.r2, Metric::Undefined(Undefined::ConstantTarget));
        assert_eq!(m.mae, Metric::Value(1.0));
        assert_eq!(m.median_absolute_error, Metric::Value(1.0));
    }

    #[test]
    fn weighted_median_is_the_median_of_the_multiset() {
        let p = PreparedRegression::new(&[0.0, 0.0, 0.0], &[1.0, 2.0, 10.0]).unwrap();
        // Multiset {1, 1, 1, 10}: median (1 + 1) / 2.
        let m = p.metrics(Weights::Counts(&[3, 0, 1]));
        assert_eq!(m.median_absolute_error, Metric::Value(1.0));
        // Multiset {1, 2, 10, 10}: median (2 + 10) / 2.
        let m = p.metrics(Weights::Counts(&[1, 1, 2]));
        assert_eq!(m.median_absolute_error, Metric::Value(6.0));
    }

    #[test]
    fn empty_is_explained() {
        let m = evaluate(&[], &[]).unwrap();
        assert_eq!(m.mae, Metric::Undefined(Undefined::EmptyInput));
    }
}
