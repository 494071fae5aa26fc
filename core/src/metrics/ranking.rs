//! Ranking metrics from one sort: ROC curve and ROC-AUC, precision–recall curve and
//! average precision.
//!
//! [`RankedScores`] sorts the rows of one score column once (descending, ties
//! grouped as scikit-learn's `_binary_clf_curve` groups them: one threshold per
//! distinct score value). Every ranking metric, the threshold sweep
//! ([`super::threshold`]), isotonic calibration and every bootstrap replicate then
//! walk the same order with different per-row weights; nothing is sorted twice.
//!
//! * ROC-AUC is the trapezoidal area under (FPR, TPR), as `roc_auc_score`. It is
//!   accumulated in integers (twice the area, in units of one positive × one
//!   negative) and divided once, so it is exact up to that final division.
//! * Average precision is scikit-learn's step definition
//!   `AP = Σₙ (Rₙ − Rₙ₋₁) · Pₙ` over distinct thresholds (no interpolation).

use serde::Serialize;

use super::{EvalError, Metric, Undefined, Weights};

/// Row indices of one score column, sorted by descending score, with the
/// boundaries of groups of equal score.
#[derive(Debug, Clone)]
pub struct RankedScores {
    /// Row indices, highest score first.
    order: Vec<u32>,
    /// `group_ends[g]` is one past the last position in `order` of group `g`.
    group_ends: Vec<u32>,
    /// The score shared by every row of group `g`.
    thresholds: Vec<f64>,
}

/// One point per distinct threshold: cumulative (weighted) counts of the rows whose
/// score is at or above the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RankPoint {
    pub threshold: f64,
    pub true_positives: u64,
    pub false_positives: u64,
}

/// A ROC curve: `fpr[i]`, `tpr[i]` when predicting positive at `score >= thresholds[i]`.
/// The curve starts at (0, 0), which has no finite threshold and is not listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RocCurve {
    pub thresholds: Vec<f64>,
    pub fpr: Vec<f64>,
    pub tpr: Vec<f64>,
    pub auc: Metric,
}

/// A precision–recall curve, one point per distinct threshold, highest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrCurve {
    pub thresholds: Vec<f64>,
    pub precision: Vec<f64>,
    pub recall: Vec<f64>,
    pub average_precision: Metric,
}

/// The two areas of one ranking.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RankingAreas {
    pub roc_auc: Metric,
    pub average_precision: Metric,
}

/// Maps a finite `f64` to a `u64` whose unsigned order is the float order; `-0.0`
/// and `0.0` map to the same key so that they tie, as numpy's `diff` sees them.
#[inline]
fn order_key(x: f64) -> u64 {
    let bits = (x + 0.0).to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

impl RankedScores {
    /// Sorts `scores` once. Scores must be finite; at most `u32::MAX` rows.
    pub fn new(input: &'static str, scores: &[f64]) -> Result<Self, EvalError> {
        if let Some((row, &value)) = scores.iter().enumerate().find(|(_, s)| !s.is_finite()) {
            return Err(EvalError::NonFinite { input, row, value });
        }
        if u32::try_from(scores.len()).is_err() {
            return Err(EvalError::InvalidParameter {
                parameter: "rows",
                value: scores.len() as f64,
                expected: "at most 4294967295 rows",
            });
        }
        // Sort (descending key, row) pairs: contiguous keys sort much faster than an
        // index sort that chases `scores[i]` on every comparison.
        let mut keyed: Vec<(u64, u32)> = scores
            .iter()
            .enumerate()
            .map(|(i, &s)| (!order_key(s), i as u32))
            .collect();
        keyed.sort_unstable();
        let mut group_ends = Vec::new();
        let mut thresholds = Vec::new();
        for (pos, window) in keyed.windows(2).enumerate() {
            if window[0].0 != window[1].0 {
                group_ends.push(pos as u32 + 1);
                thresholds.push(scores[window[0].1 as usize]);
            }
        }
        if let Some(&(_, last)) = keyed.last() {
            group_ends.push(keyed.len() as u32);
            thresholds.push(scores[last as usize]);
        }
        let order = keyed.into_iter().map(|(_, i)| i).collect();
        Ok(Self {
            order,
            group_ends,
            thresholds,
        })
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Row indices, highest score first.
    pub fn order(&self) -> &[u32] {
        &self.order
    }

    /// The distinct scores, highest first.
    pub fn thresholds(&self) -> &[f64] {
        &self.thresholds
    }

    /// Calls `f(threshold, positives, negatives)` once per distinct score, highest
    /// first, with the weighted counts of the rows *in that group* (not cumulative).
    #[inline]
    pub fn for_each_group(
        &self,
        is_positive: impl Fn(usize) -> bool,
        weights: Weights<'_>,
        mut f: impl FnMut(f64, u64, u64),
    ) {
        let mut start = 0usize;
        for (&end, &threshold) in self.group_ends.iter().zip(&self.thresholds) {
            let end = end as usize;
            let (mut pos, mut neg) = (0u64, 0u64);
            for &row in &self.order[start..end] {
                let row = row as usize;
                let w = weights.get(row);
                if is_positive(row) {
                    pos += w;
                } else {
                    neg += w;
                }
            }
            f(threshold, pos, neg);
            start = end;
        }
    }

    /// Cumulative counts per distinct threshold (scikit-learn's `_binary_clf_curve`).
    pub fn points(
        &self,
        is_positive: impl Fn(usize) -> bool,
        weights: Weights<'_>,
    ) -> Vec<RankPoint> {
        let mut points = Vec::with_capacity(self.thresholds.len());
        let (mut tp, mut fp) = (0u64, 0u64);
        self.for_each_group(is_positive, weights, |threshold, pos, neg| {
            tp += pos;
            fp += neg;
            points.push(RankPoint {
                threshold,
                true_positives: tp,
                false_positives: fp,
            });
        });
        points
    }

    /// ROC-AUC and average precision in one pass, without building the curves.
    /// `class` names the positive class in the undefined reasons.
    pub fn areas(
        &self,
        is_positive: impl Fn(usize) -> bool,
        weights: Weights<'_>,
        class: u32,
    ) -> RankingAreas {
        let mut acc = AreaAccumulator::default();
        self.for_each_group(is_positive, weights, |_, pos, neg| acc.push(pos, neg));
        acc.finish(class)
    }

    /// The ROC curve and its area.
    pub fn roc_curve(&self, is_positive: impl Fn(usize) -> bool, class: u32) -> RocCurve {
        let points = self.points(&is_positive, Weights::Unit);
        let areas = area_of_points(&points, class);
        let (p, n) = totals(&points);
        RocCurve {
            thresholds: points.iter().map(|q| q.threshold).collect(),
            fpr: points
                .iter()
                .map(|q| safe_div(q.false_positives, n))
                .collect(),
            tpr: points
                .iter()
                .map(|q| safe_div(q.true_positives, p))
                .collect(),
            auc: areas.roc_auc,
        }
    }

    /// The precision–recall curve and average precision.
    pub fn pr_curve(&self, is_positive: impl Fn(usize) -> bool, class: u32) -> PrCurve {
        let points = self.points(&is_positive, Weights::Unit);
        let areas = area_of_points(&points, class);
        let (p, _) = totals(&points);
        PrCurve {
            thresholds: points.iter().map(|q| q.threshold).collect(),
            precision: points
                .iter()
                .map(|q| safe_div(q.true_positives, q.true_positives + q.false_positives))
                .collect(),
            recall: points
                .iter()
                .map(|q| safe_div(q.true_positives, p))
                .collect(),
            average_precision: areas.average_precision,
        }
    }
}

/// Indices of at most `max_points` points spread evenly over `len`, always keeping
/// the first and the last.
pub(crate) fn thinned_indices(len: usize, max_points: usize) -> Vec<usize> {
    if len <= max_points {
        return (0..len).collect();
    }
    if max_points < 2 {
        return (0..max_points.min(len)).map(|_| len - 1).collect();
    }
    let mut out: Vec<usize> = (0..max_points)
        .map(|i| ((i as u128 * (len - 1) as u128) / (max_points - 1) as u128) as usize)
        .collect();
    out.dedup();
    out
}

fn pick<T: Copy>(values: &[T], indices: &[usize]) -> Vec<T> {
    indices
        .iter()
        .filter_map(|&i| values.get(i).copied())
        .collect()
}

impl RocCurve {
    /// At most `max_points` points (evenly spread over the thresholds, first and
    /// last kept) for plotting; the AUC stays the one of the full curve.
    pub fn thinned(&self, max_points: usize) -> Self {
        let keep = thinned_indices(self.thresholds.len(), max_points);
        Self {
            thresholds: pick(&self.thresholds, &keep),
            fpr: pick(&self.fpr, &keep),
            tpr: pick(&self.tpr, &keep),
            auc: self.auc,
        }
    }
}

impl PrCurve {
    /// At most `max_points` points for plotting; AP stays the full curve's.
    pub fn thinned(&self, max_points: usize) -> Self {
        let keep = thinned_indices(self.thresholds.len(), max_points);
        Self {
            thresholds: pick(&self.thresholds, &keep),
            precision: pick(&self.precision, &keep),
            recall: pick(&self.recall, &keep),
            average_precision: self.average_precision,
        }
    }
}

fn totals(points: &[RankPoint]) -> (u64, u64) {
    points
        .last()
        .map_or((0, 0), |q| (q.true_positives, q.false_positives))
}

fn safe_div(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

fn area_of_points(points: &[RankPoint], class: u32) -> RankingAreas {
    let mut acc = AreaAccumulator::default();
    let (mut tp, mut fp) = (0, 0);
    for q in points {
        acc.push(q.true_positives - tp, q.false_positives - fp);
        tp = q.true_positives;
        fp = q.false_positives;
    }
    acc.finish(class)
}

/// Streams groups (highest score first) into ROC-AUC and AP.
#[derive(Default)]
struct AreaAccumulator {
    tp: u64,
    fp: u64,
    /// Twice the ROC area in units of (one positive × one negative).
    twice_area: u128,
    /// Σ ΔTP · precision (divided by the number of positives at the end).
    ap_sum: f64,
}

impl AreaAccumulator {
    #[inline]
    fn push(&mut self, pos: u64, neg: u64) {
        let tp0 = self.tp;
        self.tp += pos;
        self.fp += neg;
        self.twice_area += u128::from(neg) * u128::from(tp0 + self.tp);
        if pos > 0 {
            self.ap_sum += pos as f64 * (self.tp as f64 / (self.tp + self.fp) as f64);
        }
    }

    fn finish(self, class: u32) -> RankingAreas {
        let (p, n) = (self.tp, self.fp);
        let roc_auc = if p + n == 0 {
            Undefined::EmptyInput.into()
        } else if p == 0 {
            Undefined::NoActualPositive { class }.into()
        } else if n == 0 {
            Undefined::SingleClass.into()
        } else {
            Metric::Value(self.twice_area as f64 / (2.0 * p as f64 * n as f64))
        };
        let average_precision = if p + n == 0 {
            Undefined::EmptyInput.into()
        } else if p == 0 {
            Undefined::NoActualPositive { class }.into()
        } else {
            Metric::Value(self.ap_sum / p as f64)
        };
        RankingAreas {
            roc_auc,
            average_precision,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_form_one_group_and_auc_counts_half() {
        // One positive and one negative tied: AUC 0.5, AP 0.5.
        let ranked = RankedScores::new("s", &[0.3, 0.3]).unwrap();
        assert_eq!(ranked.thresholds(), &[0.3]);
        let labels = [true, false];
        let areas = ranked.areas(|i| labels[i], Weights::Unit, 1);
        assert_eq!(areas.roc_auc, Metric::Value(0.5));
        assert_eq!(areas.average_precision, Metric::Value(0.5));
    }

    #[test]
    fn thinning_keeps_the_ends_and_the_area() {
        assert_eq!(thinned_indices(10, 4), vec![0, 3, 6, 9]);
        assert_eq!(thinned_indices(3, 10), vec![0, 1, 2]);
        let scores: Vec<f64> = (0..100).map(|i| f64::from(i) / 100.0).collect();
        let ranked = RankedScores::new("s", &scores).unwrap();
        let roc = ranked.roc_curve(|i| i % 3 == 0, 1);
        let thin = roc.thinned(5);
        assert_eq!(thin.thresholds.len(), 5);
        assert_eq!(thin.thresholds.first(), roc.thresholds.first());
        assert_eq!(thin.tpr.last(), Some(&1.0));
        assert_eq!(thin.auc, roc.auc);
    }

    #[test]
    fn negative_zero_ties_with_zero() {
        let ranked = RankedScores::new("s", &[0.0, -0.0, 1.0]).unwrap();
        assert_eq!(ranked.thresholds().len(), 2);
    }

    #[test]
    fn single_class_is_explained() {
        let ranked = RankedScores::new("s", &[0.1, 0.9]).unwrap();
        let areas = ranked.areas(|_| true, Weights::Unit, 1);
        assert_eq!(areas.roc_auc, Metric::Undefined(Undefined::SingleClass));
        assert_eq!(areas.average_precision, Metric::Value(1.0));
        let areas = ranked.areas(|_| false, Weights::Unit, 1);
        assert_eq!(
            areas.roc_auc,
            Metric::Undefined(Undefined::NoActualPositive { class: 1 })
        );
    }
}
