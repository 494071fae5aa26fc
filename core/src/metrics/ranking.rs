//! Ranking metrics from one sort: ROC curve and ROC-AUC, precision–recall curve and
//! average precision.
//!
//! [`RankedScores`] sorts the rows of one score column once (descending, ties
//! grouped as scikit-learn's `_binary_clf_curve` groups them: one threshold per
//! distinct score value). Every ranking metric, the threshold sweep
//! ([`super::threshold`]), isotonic calibration and every bootstrap replicate then
//! walk the same order with different per-row weights; nothing is sorted twice.
//! [`RankCounts`] holds one walk's cumulative counts, from which the ROC curve, the
//! PR curve and the threshold sweep are all read (thinned or in full) without
//! walking the rows again.
//!
//! * ROC-AUC is the trapezoidal area under (FPR, TPR), as `roc_auc_score`. It is
//!   accumulated in integers (twice the area, in units of one positive × one
//!   negative) and divided once, so it is exact up to that final division.
//! * Average precision is scikit-learn's step definition
//!   `AP = Σₙ (Rₙ − Rₙ₋₁) · Pₙ` over distinct thresholds (no interpolation).

use serde::Serialize;

use super::{EvalError, Metric, Undefined, Weights};

/// Rows per block of [`RankedScores::for_each_group`]'s walk (two 8 KiB buffers).
const WALK_BLOCK: usize = 1024;

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

/// The score whose [`order_key`] is `key` (`0.0` for the key of `-0.0`).
#[inline]
fn from_order_key(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    })
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
        // Thresholds come from the sorted keys, not from `scores[row]`: reading the
        // scores in sorted order is a random access per row.
        let mut group_ends = Vec::new();
        let mut thresholds = Vec::new();
        for (pos, window) in keyed.windows(2).enumerate() {
            if window[0].0 != window[1].0 {
                group_ends.push(pos as u32 + 1);
                thresholds.push(from_order_key(!window[0].0));
            }
        }
        if let Some(&(key, _)) = keyed.last() {
            group_ends.push(keyed.len() as u32);
            thresholds.push(from_order_key(!key));
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

    /// One past the last position in [`Self::order`] of each group of tied scores
    /// (group `g` holds `thresholds()[g]`), highest first.
    pub fn group_ends(&self) -> &[u32] {
        &self.group_ends
    }

    /// Calls `f(threshold, positives, negatives)` once per distinct score, highest
    /// first, with the weighted counts of the rows *in that group* (not cumulative).
    ///
    /// The walk reads `is_positive` and `weights` of rows in sorted order, which is a
    /// cache miss per row on large inputs. It runs in two loops per block of
    /// [`WALK_BLOCK`] rows: a tight gather of every row's counts, whose independent
    /// loads the processor overlaps, then the group bookkeeping and `f` over the
    /// gathered counts. (One fused loop stalls on each load behind `f`'s work: on
    /// 10 M rows, ROC-AUC and AP took 2 to 4 times as long.)
    #[inline]
    pub fn for_each_group(
        &self,
        is_positive: impl Fn(usize) -> bool,
        weights: Weights<'_>,
        mut f: impl FnMut(f64, u64, u64),
    ) {
        let mut positives = [0u64; WALK_BLOCK];
        let mut totals = [0u64; WALK_BLOCK];
        let mut ends = self.group_ends.iter().zip(&self.thresholds);
        let mut current = ends.next();
        let (mut pos, mut all) = (0u64, 0u64);
        for (block, rows) in self.order.chunks(WALK_BLOCK).enumerate() {
            for ((&row, positive), total) in rows.iter().zip(&mut positives).zip(&mut totals) {
                let row = row as usize;
                let w = weights.get(row);
                *positive = w * u64::from(is_positive(row));
                *total = w;
            }
            let offset = block * WALK_BLOCK;
            for (j, (&positive, &total)) in
                positives.iter().zip(&totals).take(rows.len()).enumerate()
            {
                pos += positive;
                all += total;
                if let Some((&end, &threshold)) = current
                    && (offset + j + 1) as u32 == end
                {
                    f(threshold, pos, all - pos);
                    (pos, all) = (0, 0);
                    current = ends.next();
                }
            }
        }
    }

    /// One walk's cumulative counts, from which ROC, PR and the threshold sweep are read.
    pub fn counts(&self, is_positive: impl Fn(usize) -> bool, weights: Weights<'_>) -> RankCounts {
        RankCounts {
            points: self.points(is_positive, weights),
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
        self.counts(is_positive, Weights::Unit).roc_curve(class)
    }

    /// The precision–recall curve and average precision.
    pub fn pr_curve(&self, is_positive: impl Fn(usize) -> bool, class: u32) -> PrCurve {
        self.counts(is_positive, Weights::Unit).pr_curve(class)
    }
}

/// Cumulative counts at every distinct threshold of one ranking against one outcome
/// (scikit-learn's `_binary_clf_curve`), from one walk of the sort: the ROC curve, the
/// PR curve and the threshold sweep ([`super::threshold::ThresholdSweep::from_counts`])
/// are all read from it. The `*_thinned` readers build only the points they keep, so a
/// 10 M-row curve for a plot costs one pass over the counts, not three full curves.
#[derive(Debug, Clone, PartialEq)]
pub struct RankCounts {
    points: Vec<RankPoint>,
}

impl RankCounts {
    /// One point per distinct threshold, highest first.
    pub fn points(&self) -> &[RankPoint] {
        &self.points
    }

    /// Distinct thresholds (points of the full curves).
    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Total (weighted) positives and negatives.
    pub fn totals(&self) -> (u64, u64) {
        totals(&self.points)
    }

    /// ROC-AUC and average precision of the full curves.
    pub fn areas(&self, class: u32) -> RankingAreas {
        area_of_points(&self.points, class)
    }

    /// The full ROC curve and its area.
    pub fn roc_curve(&self, class: u32) -> RocCurve {
        self.roc_of(class, self.points.iter())
    }

    /// `self.roc_curve(class).thinned(max_points)`, without building the full curve.
    pub fn roc_curve_thinned(&self, class: u32, max_points: usize) -> RocCurve {
        let keep = thinned_indices(self.points.len(), max_points);
        self.roc_of(class, keep.iter().filter_map(|&i| self.points.get(i)))
    }

    /// The full precision–recall curve and average precision.
    pub fn pr_curve(&self, class: u32) -> PrCurve {
        self.pr_of(class, self.points.iter())
    }

    /// `self.pr_curve(class).thinned(max_points)`, without building the full curve.
    pub fn pr_curve_thinned(&self, class: u32, max_points: usize) -> PrCurve {
        let keep = thinned_indices(self.points.len(), max_points);
        self.pr_of(class, keep.iter().filter_map(|&i| self.points.get(i)))
    }

    fn roc_of<'a>(&self, class: u32, points: impl Iterator<Item = &'a RankPoint>) -> RocCurve {
        let (p, n) = self.totals();
        let len = points.size_hint().0;
        let mut curve = RocCurve {
            thresholds: Vec::with_capacity(len),
            fpr: Vec::with_capacity(len),
            tpr: Vec::with_capacity(len),
            auc: self.areas(class).roc_auc,
        };
        for q in points {
            curve.thresholds.push(q.threshold);
            curve.fpr.push(safe_div(q.false_positives, n));
            curve.tpr.push(safe_div(q.true_positives, p));
        }
        curve
    }

    fn pr_of<'a>(&self, class: u32, points: impl Iterator<Item = &'a RankPoint>) -> PrCurve {
        let (p, _) = self.totals();
        let len = points.size_hint().0;
        let mut curve = PrCurve {
            thresholds: Vec::with_capacity(len),
            precision: Vec::with_capacity(len),
            recall: Vec::with_capacity(len),
            average_precision: self.areas(class).average_precision,
        };
        for q in points {
            curve.thresholds.push(q.threshold);
            curve.precision.push(safe_div(
                q.true_positives,
                q.true_positives + q.false_positives,
            ));
            curve.recall.push(safe_div(q.true_positives, p));
        }
        curve
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
pub(crate) struct AreaAccumulator {
    tp: u64,
    fp: u64,
    /// Twice the ROC area in units of (one positive × one negative).
    twice_area: u128,
    /// Σ ΔTP · precision (divided by the number of positives at the end).
    ap_sum: f64,
}

impl AreaAccumulator {
    /// An accumulator that has already seen groups adding up to these totals (the
    /// score-ordered bootstrap pass accumulates them in blocks, [`super::score_ordered`]).
    pub(crate) fn from_totals(tp: u64, fp: u64, twice_area: u128, ap_sum: f64) -> Self {
        Self {
            tp,
            fp,
            twice_area,
            ap_sum,
        }
    }

    #[inline]
    fn push(&mut self, pos: u64, neg: u64) {
        let tp0 = self.tp;
        self.tp += pos;
        self.fp += neg;
        self.twice_area += u128::from(neg) * u128::from(tp0 + self.tp);
        // Branch-free: a group without positives adds exactly 0.0 (the `max` only
        // avoids 0/0 before the first weighted row).
        let precision = self.tp as f64 / (self.tp + self.fp).max(1) as f64;
        self.ap_sum += pos as f64 * precision;
    }

    pub(crate) fn finish(self, class: u32) -> RankingAreas {
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
    fn thinned_curves_from_the_counts_equal_thinned_full_curves() {
        let scores: Vec<f64> = (0..300).map(|i| f64::from(i % 53) / 52.0).collect();
        let ranked = RankedScores::new("s", &scores).unwrap();
        let counts = ranked.counts(|i| i % 4 == 1, Weights::Unit);
        assert_eq!(counts.len(), 53);
        for max in [2, 10, 53, 1000] {
            assert_eq!(
                counts.roc_curve_thinned(1, max),
                counts.roc_curve(1).thinned(max)
            );
            assert_eq!(
                counts.pr_curve_thinned(1, max),
                counts.pr_curve(1).thinned(max)
            );
        }
        assert_eq!(
            counts.areas(1),
            ranked.areas(|i| i % 4 == 1, Weights::Unit, 1)
        );
    }

    #[test]
    fn thresholds_are_the_scores() {
        let scores = [0.25, -3.5, 1e-300, 0.25, 7.0, -0.0];
        let ranked = RankedScores::new("s", &scores).unwrap();
        assert_eq!(ranked.thresholds(), &[7.0, 0.25, 1e-300, 0.0, -3.5]);
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
