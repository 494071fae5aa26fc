//! Calibration: reliability diagrams (equal-width and equal-mass bins), expected and
//! maximum calibration error, and two recalibrators fitted on one split and
//! reported on another: Platt scaling and isotonic regression.
//!
//! * Binning is scikit-learn's `calibration_curve`: edges `linspace(0, 1, B + 1)`
//!   (equal width) or `percentile(p, linspace(0, 100, B + 1))` with numpy's linear
//!   interpolation (equal mass); a probability equal to an inner edge falls in the
//!   lower bin (`searchsorted(edges[1:-1], p)`, side left).
//! * ECE = Σ_b (n_b / n) · |observed_b − mean predicted_b| over non-empty bins;
//!   MCE = max_b |observed_b − mean predicted_b| over non-empty bins.
//! * [`PlattScaling`] minimises the same objective as scikit-learn's
//!   `_sigmoid_calibration` (Platt's smoothed targets `(N₊ + 1)/(N₊ + 2)` and
//!   `1/(N₋ + 2)`, `p = 1 / (1 + exp(a·s + b))`, inputs rescaled by max |s| when it
//!   is ≥ 30) with Newton's method and a backtracking line search, to a far
//!   tighter optimum than scikit-learn's L-BFGS (`gtol = 1e-6`).
//! * [`IsotonicCalibration`] is `IsotonicRegression(out_of_bounds="clip")`: scores
//!   closer than 1e-15 to the first of a run are pooled (`_make_unique`), pool
//!   adjacent violators, then linear interpolation between the fitted points and
//!   clipping outside them.

use serde::Serialize;

use super::metric_value::Sum;
use super::{EvalError, Metric, RankedScores, Undefined, Weights};

/// How the probability axis is cut into bins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BinStrategy {
    EqualWidth,
    EqualMass,
}

/// One bin of a reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ReliabilityBin {
    pub lower: f64,
    pub upper: f64,
    pub count: u64,
    /// Mean predicted probability of the rows in the bin.
    pub mean_predicted: Metric,
    /// Fraction of the rows in the bin whose outcome is positive.
    pub observed_frequency: Metric,
}

/// Reliability-diagram data with ECE and MCE.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReliabilityDiagram {
    pub strategy: BinStrategy,
    pub bins: Vec<ReliabilityBin>,
    pub expected_calibration_error: Metric,
    pub maximum_calibration_error: Metric,
}

/// Bins `probabilities` (with `ranked`, their sort, used for equal-mass edges) and
/// compares them with the outcomes `is_positive(row)`.
pub fn reliability_diagram(
    probabilities: &[f64],
    ranked: &RankedScores,
    is_positive: impl Fn(usize) -> bool,
    bins: usize,
    strategy: BinStrategy,
    weights: Weights<'_>,
) -> Result<ReliabilityDiagram, EvalError> {
    if bins == 0 {
        return Err(EvalError::InvalidParameter {
            parameter: "bins",
            value: 0.0,
            expected: "at least 1",
        });
    }
    if ranked.len() != probabilities.len() {
        return Err(EvalError::LengthMismatch {
            input: "ranked",
            actual: ranked.len(),
            reference: "probabilities",
            expected: probabilities.len(),
        });
    }
    for (row, &value) in probabilities.iter().enumerate() {
        if !(0.0..=1.0).contains(&value) {
            return Err(EvalError::ProbabilityOutOfRange {
                input: "probabilities",
                row,
                value,
            });
        }
    }
    let step = 1.0 / bins as f64;
    let fractions: Vec<f64> = (0..=bins)
        .map(|i| if i == bins { 1.0 } else { i as f64 * step })
        .collect();
    let edges = match strategy {
        BinStrategy::EqualWidth => fractions,
        BinStrategy::EqualMass => percentiles(probabilities, ranked, &fractions, weights),
    };
    let inner = edges.get(1..bins).unwrap_or(&[]);
    let mut count = vec![0u64; bins];
    let mut positive = vec![0u64; bins];
    let mut predicted = vec![Sum::default(); bins];
    for (row, &p) in probabilities.iter().enumerate() {
        let w = weights.get(row);
        if w == 0 {
            continue;
        }
        let b = inner.partition_point(|&e| e < p);
        count[b] += w;
        predicted[b].add(w as f64 * p);
        if is_positive(row) {
            positive[b] += w;
        }
    }
    let total: u64 = count.iter().sum();
    let mut ece = Sum::default();
    let mut mce: Option<f64> = None;
    let bins_out = (0..bins)
        .map(|b| {
            let n = count[b] as f64;
            let mean_predicted = Metric::ratio(predicted[b].value(), n, Undefined::EmptyInput);
            let observed_frequency = Metric::ratio(positive[b] as f64, n, Undefined::EmptyInput);
            if let (Some(o), Some(m)) = (observed_frequency.value(), mean_predicted.value()) {
                let gap = (o - m).abs();
                ece.add(n / total as f64 * gap);
                mce = Some(mce.map_or(gap, |x: f64| x.max(gap)));
            }
            ReliabilityBin {
                lower: edges[b],
                upper: edges[b + 1],
                count: count[b],
                mean_predicted,
                observed_frequency,
            }
        })
        .collect();
    let empty = Metric::Undefined(Undefined::EmptyInput);
    Ok(ReliabilityDiagram {
        strategy,
        bins: bins_out,
        expected_calibration_error: if total == 0 {
            empty
        } else {
            Metric::Value(ece.value())
        },
        maximum_calibration_error: mce.map_or(empty, Metric::Value),
    })
}

/// numpy's `percentile(values, 100·q)` (method "linear") of the weighted multiset,
/// read from the sort: one walk for all quantiles.
fn percentiles(values: &[f64], ranked: &RankedScores, q: &[f64], weights: Weights<'_>) -> Vec<f64> {
    let order = ranked.order();
    let n: u64 = order.iter().map(|&r| weights.get(r as usize)).sum();
    if n == 0 {
        return q.to_vec();
    }
    // (virtual index, lower rank) per quantile, as numpy computes them.
    let virtual_index: Vec<f64> = q
        .iter()
        .map(|&q| (n - 1) as f64 * ((q * 100.0) / 100.0))
        .collect();
    let mut ranks: Vec<u64> = Vec::with_capacity(2 * q.len());
    for &v in &virtual_index {
        let lo = (v.floor() as u64).min(n - 1);
        ranks.push(lo);
        ranks.push((lo + 1).min(n - 1));
    }
    let mut sorted_ranks = ranks.clone();
    sorted_ranks.sort_unstable();
    sorted_ranks.dedup();
    let mut found = vec![0.0; sorted_ranks.len()];
    let mut next = 0usize;
    let mut seen = 0u64;
    // Ascending order: walk the descending sort backwards.
    for &row in order.iter().rev() {
        let w = weights.get(row as usize);
        while next < sorted_ranks.len() && sorted_ranks[next] < seen + w {
            found[next] = values[row as usize];
            next += 1;
        }
        seen += w;
        if next == sorted_ranks.len() {
            break;
        }
    }
    let value_at = |rank: u64| {
        let i = sorted_ranks.partition_point(|&r| r < rank);
        found.get(i).copied().unwrap_or(0.0)
    };
    virtual_index
        .iter()
        .zip(ranks.chunks(2))
        .map(|(&v, pair)| {
            let (a, b) = (value_at(pair[0]), value_at(pair[pair.len() - 1]));
            let t = v - v.floor();
            lerp(a, b, t)
        })
        .collect()
}

/// numpy's `_lerp`: `a + (b − a)·t`, computed from `b` when `t ≥ 0.5`.
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let d = b - a;
    if t >= 0.5 {
        b - d * (1.0 - t)
    } else {
        a + d * t
    }
}

/// Platt scaling: `p = 1 / (1 + exp(a·score + b))`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PlattScaling {
    pub a: f64,
    pub b: f64,
    /// Newton iterations used.
    pub iterations: u32,
}

#[inline]
fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

#[inline]
fn sigmoid_neg(z: f64) -> f64 {
    // 1 / (1 + exp(z)), stable for both signs.
    if z >= 0.0 {
        let e = (-z).exp();
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + z.exp())
    }
}

impl PlattScaling {
    /// Fits on `scores` with outcomes `is_positive(row)`.
    pub fn fit(scores: &[f64], is_positive: impl Fn(usize) -> bool) -> Result<Self, EvalError> {
        if scores.is_empty() {
            return Err(EvalError::Empty {
                input: "scores",
                what: "Platt scaling",
            });
        }
        if let Some((row, &value)) = scores.iter().enumerate().find(|(_, s)| !s.is_finite()) {
            return Err(EvalError::NonFinite {
                input: "scores",
                row,
                value,
            });
        }
        let max_abs = scores.iter().fold(0.0f64, |m, s| m.max(s.abs()));
        let scale = if max_abs >= 30.0 { max_abs } else { 1.0 };
        let prior1 = (0..scores.len()).filter(|&i| is_positive(i)).count() as f64;
        let prior0 = scores.len() as f64 - prior1;
        let t_pos = (prior1 + 1.0) / (prior1 + 2.0);
        let t_neg = 1.0 / (prior0 + 2.0);
        let target = |i: usize| if is_positive(i) { t_pos } else { t_neg };
        let loss = |a: f64, b: f64| {
            let mut s = Sum::default();
            for (i, &f) in scores.iter().enumerate() {
                let z = a * (f / scale) + b;
                s.add(softplus(z) - (1.0 - target(i)) * z);
            }
            s.value()
        };
        let (mut a, mut b) = (0.0, ((prior0 + 1.0) / (prior1 + 1.0)).ln());
        let mut current = loss(a, b);
        let mut iterations = 0;
        while iterations < 100 {
            iterations += 1;
            let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (
                Sum::default(),
                Sum::default(),
                Sum::default(),
                Sum::default(),
                Sum::default(),
            );
            for (i, &f) in scores.iter().enumerate() {
                let f = f / scale;
                let p = sigmoid_neg(a * f + b);
                let g = target(i) - p;
                let h = p * (1.0 - p);
                ga.add(g * f);
                gb.add(g);
                haa.add(h * f * f);
                hab.add(h * f);
                hbb.add(h);
            }
            let (ga, gb) = (ga.value(), gb.value());
            // A tiny ridge keeps the system solvable when every score is equal.
            let (haa, hab, hbb) = (haa.value() + 1e-12, hab.value(), hbb.value() + 1e-12);
            let det = haa * hbb - hab * hab;
            if det <= 0.0 || !det.is_finite() {
                break;
            }
            let da = -(hbb * ga - hab * gb) / det;
            let db = -(haa * gb - hab * ga) / det;
            let slope = ga * da + gb * db;
            let mut t = 1.0;
            let mut accepted = false;
            while t > 1e-12 {
                let candidate = loss(a + t * da, b + t * db);
                if candidate <= current + 1e-4 * t * slope {
                    a += t * da;
                    b += t * db;
                    current = candidate;
                    accepted = true;
                    break;
                }
                t /= 2.0;
            }
            let converged = (t * da).abs() <= 1e-14 * (1.0 + a.abs())
                && (t * db).abs() <= 1e-14 * (1.0 + b.abs());
            if !accepted || converged {
                break;
            }
        }
        Ok(Self {
            a: a / scale,
            b,
            iterations,
        })
    }

    /// The calibrated probability of `score`.
    pub fn predict(&self, score: f64) -> f64 {
        sigmoid_neg(self.a * score + self.b)
    }
}

/// A fitted isotonic (monotone increasing) calibration map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IsotonicCalibration {
    /// Knots, ascending (redundant interior points of flat runs removed).
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

impl IsotonicCalibration {
    /// Fits on the sorted scores `ranked` with outcomes `is_positive(row)`.
    pub fn fit(
        ranked: &RankedScores,
        is_positive: impl Fn(usize) -> bool,
        weights: Weights<'_>,
    ) -> Result<Self, EvalError> {
        // (x, Σ w·y, Σ w) per distinct score, descending; zero-weight groups dropped.
        let mut groups: Vec<(f64, f64, f64)> = Vec::with_capacity(ranked.thresholds().len());
        ranked.for_each_group(is_positive, weights, |x, pos, neg| {
            if pos + neg > 0 {
                groups.push((x, pos as f64, (pos + neg) as f64));
            }
        });
        groups.reverse();
        if groups.is_empty() {
            return Err(EvalError::Empty {
                input: "scores",
                what: "isotonic calibration",
            });
        }
        // `_make_unique`: pool scores within numpy's float64 resolution of the
        // first score of the run.
        let resolution = 1e-15;
        let mut unique: Vec<(f64, f64, f64)> = Vec::with_capacity(groups.len());
        for (x, wy, w) in groups {
            match unique.last_mut() {
                Some(last) if x - last.0 < resolution => {
                    last.1 += wy;
                    last.2 += w;
                }
                _ => unique.push((x, wy, w)),
            }
        }
        // Pool adjacent violators over blocks (Σ w·y, Σ w, number of points).
        let mut blocks: Vec<(f64, f64, usize)> = Vec::with_capacity(unique.len());
        for &(_, wy, w) in &unique {
            let mut block = (wy, w, 1usize);
            while let Some(&prev) = blocks.last() {
                if prev.0 / prev.1 >= block.0 / block.1 {
                    block = (prev.0 + block.0, prev.1 + block.1, prev.2 + block.2);
                    blocks.pop();
                } else {
                    break;
                }
            }
            blocks.push(block);
        }
        let mut fitted = Vec::with_capacity(unique.len());
        for (wy, w, len) in blocks {
            fitted.extend(std::iter::repeat_n(wy / w, len));
        }
        let xs: Vec<f64> = unique.iter().map(|u| u.0).collect();
        // Keep the ends and every point whose y differs from a neighbour's.
        let n = xs.len();
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for i in 0..n {
            let keep =
                i == 0 || i + 1 == n || fitted[i] != fitted[i - 1] || fitted[i] != fitted[i + 1];
            if keep {
                x.push(xs[i]);
                y.push(fitted[i]);
            }
        }
        Ok(Self { x, y })
    }

    /// The calibrated probability of `score`: clipped to the fitted range, then
    /// linear between knots (scipy's `interp1d`).
    pub fn predict(&self, score: f64) -> f64 {
        let (Some(&first), Some(&last)) = (self.x.first(), self.x.last()) else {
            return f64::NAN;
        };
        if self.x.len() == 1 {
            return self.y[0];
        }
        let s = score.clamp(first, last);
        let i = self
            .x
            .partition_point(|&k| k < s)
            .clamp(1, self.x.len() - 1);
        let (x0, x1, y0, y1) = (self.x[i - 1], self.x[i], self.y[i - 1], self.y[i]);
        let slope = (y1 - y0) / (x1 - x0);
        slope * (s - x0) + y0
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isotonic_pools_violators_and_interpolates() {
        let scores = [0.1, 0.2, 0.3, 0.4];
        let labels = [0, 1, 0, 1];
        let ranked = RankedScores::new("s", &scores).unwrap();
        let iso = IsotonicCalibration::fit(&ranked, |i| labels[i] == 1, Weights::Unit).unwrap();
        // 0.2 and 0.3 pool to 0.5.
        assert_eq!(iso.predict(0.25), 0.5);
        assert_eq!(iso.predict(0.0), 0.0);
        assert_eq!(iso.predict(1.0), 1.0);
        assert!((iso.predict(0.15) - 0.25).abs() < 1e-15);
    }

    #[test]
    fn platt_is_monotone_and_centred() {
        let scores = [-2.0, -1.0, 0.0, 1.0, 2.0, -0.5, 0.5, 1.5];
        let labels = [0, 0, 1, 1, 1, 0, 0, 1];
        let platt = PlattScaling::fit(&scores, |i| labels[i] == 1).unwrap();
        assert!(platt.a < 0.0, "higher scores must mean higher probability");
        assert!(platt.predict(2.0) > platt.predict(-2.0));
    }

    #[test]
    fn zero_bins_is_an_error() {
        let ranked = RankedScores::new("s", &[0.5]).unwrap();
        assert!(
            reliability_diagram(
                &[0.5],
                &ranked,
                |_| true,
                0,
                BinStrategy::EqualWidth,
                Weights::Unit
            )
            .is_err()
        );
    }
}
