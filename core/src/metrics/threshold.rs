//! Confidence-threshold sweeps: per threshold, precision, recall, coverage and
//! accuracy on the covered rows; and the threshold that reaches a target.
//!
//! A sweep walks one [`RankedScores`] (no new sort), or reads the [`RankCounts`] of a
//! walk already made for the ROC and PR curves ([`ThresholdSweep::from_counts`], which
//! builds only the points it keeps). At threshold `t` the rows with
//! `score >= t` are *covered* (acted on: predicted positive, or answered by the
//! model rather than deferred). Each row also has a *hit* flag:
//!
//! * [`ThresholdSweep::positive_class`]: score = probability of the positive class,
//!   hit = the row is labelled positive. `precision` and `recall` are then the
//!   classifier's precision and recall at `t`; `coverage` is the share of rows
//!   flagged positive; `accuracy` is the accuracy of the thresholded classifier
//!   over all rows.
//! * [`ThresholdSweep::confidence`]: score = the model's top-label confidence, hit =
//!   its prediction is correct. `precision` is the accuracy on the covered rows,
//!   `recall` the share of all correct predictions kept, `coverage` the share of
//!   rows answered.
//!
//! In both, `accuracy_on_covered == precision` (hits among covered rows); it is
//! repeated under its selective-prediction name.

use serde::Serialize;

use super::ranking::{RankPoint, thinned_indices};
use super::{Metric, RankCounts, RankedScores, Undefined, Weights};

/// What the hit flag means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepKind {
    PositiveClass,
    Confidence,
}

/// The sweep at one threshold (every distinct score is a threshold).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SweepPoint {
    pub threshold: f64,
    pub covered: u64,
    pub hits_covered: u64,
    pub coverage: f64,
    pub precision: Metric,
    pub recall: Metric,
    pub accuracy_on_covered: Metric,
    /// Positive-class sweeps: accuracy of `score >= t` as a classifier over all rows.
    /// Confidence sweeps: `None`.
    pub accuracy: Option<f64>,
}

/// A full sweep, highest threshold first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThresholdSweep {
    pub kind: SweepKind,
    pub rows: u64,
    pub hits: u64,
    pub points: Vec<SweepPoint>,
}

/// The goal a threshold must reach.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdTarget {
    /// The lowest threshold (most coverage) whose precision is at least this.
    Precision(f64),
    /// The highest threshold (least coverage, so the most confident rows) whose
    /// coverage is at least this.
    Coverage(f64),
}

impl ThresholdSweep {
    /// Sweep a positive-class score; `is_positive(row)` is the label.
    pub fn positive_class(
        ranked: &RankedScores,
        is_positive: impl Fn(usize) -> bool,
        weights: Weights<'_>,
    ) -> Self {
        Self::build(SweepKind::PositiveClass, ranked, is_positive, weights)
    }

    /// Sweep a confidence score; `is_correct(row)` says whether the prediction is right.
    pub fn confidence(
        ranked: &RankedScores,
        is_correct: impl Fn(usize) -> bool,
        weights: Weights<'_>,
    ) -> Self {
        Self::build(SweepKind::Confidence, ranked, is_correct, weights)
    }

    fn build(
        kind: SweepKind,
        ranked: &RankedScores,
        hit: impl Fn(usize) -> bool,
        weights: Weights<'_>,
    ) -> Self {
        let counts = ranked.counts(hit, weights);
        Self::from_counts(kind, &counts, usize::MAX)
    }

    /// The sweep read from a walk's counts (hit = the counts' positive outcome), with at
    /// most `max_points` points (evenly spread, first and last kept): equal to the full
    /// sweep's [`Self::thinned`], without building the full sweep.
    pub fn from_counts(kind: SweepKind, counts: &RankCounts, max_points: usize) -> Self {
        let (hits, misses) = counts.totals();
        let all = counts.points();
        let point = |p: &RankPoint| sweep_point(kind, p, hits, misses);
        let points = if all.len() <= max_points {
            all.iter().map(point).collect()
        } else {
            thinned_indices(all.len(), max_points)
                .into_iter()
                .filter_map(|i| all.get(i))
                .map(point)
                .collect()
        };
        Self {
            kind,
            rows: hits + misses,
            hits,
            points,
        }
    }

    /// The point of a walk's counts that reaches `target`, as [`Self::find`] finds it in
    /// the full sweep.
    pub fn find_in_counts(
        kind: SweepKind,
        counts: &RankCounts,
        target: ThresholdTarget,
    ) -> Option<SweepPoint> {
        let (hits, misses) = counts.totals();
        let point = |i: usize| {
            counts
                .points()
                .get(i)
                .map(|p| sweep_point(kind, p, hits, misses))
        };
        let index = target_index(counts.len(), target, point)?;
        point(index)
    }

    /// At most `max_points` points for plotting (evenly spread, first and last kept).
    pub fn thinned(&self, max_points: usize) -> Self {
        let keep = thinned_indices(self.points.len(), max_points);
        Self {
            kind: self.kind,
            rows: self.rows,
            hits: self.hits,
            points: keep
                .iter()
                .filter_map(|&i| self.points.get(i).copied())
                .collect(),
        }
    }

    /// The point that reaches `target`, or `None` when no threshold does.
    pub fn find(&self, target: ThresholdTarget) -> Option<&SweepPoint> {
        let index = target_index(self.points.len(), target, |i| self.points.get(i).copied())?;
        self.points.get(index)
    }
}

/// The sweep point of one cumulative count.
fn sweep_point(kind: SweepKind, p: &RankPoint, hits: u64, misses: u64) -> SweepPoint {
    let rows = hits + misses;
    let covered = p.true_positives + p.false_positives;
    let precision = Metric::ratio(
        p.true_positives as f64,
        covered as f64,
        Undefined::NothingCovered,
    );
    let recall = Metric::ratio(p.true_positives as f64, hits as f64, Undefined::NoHits);
    let accuracy = (kind == SweepKind::PositiveClass && rows > 0).then(|| {
        let true_negatives = misses - p.false_positives;
        (p.true_positives + true_negatives) as f64 / rows as f64
    });
    SweepPoint {
        threshold: p.threshold,
        covered,
        hits_covered: p.true_positives,
        coverage: if rows == 0 {
            0.0
        } else {
            covered as f64 / rows as f64
        },
        precision,
        recall,
        accuracy_on_covered: precision,
        accuracy,
    }
}

/// The index of the point (of `len`, highest threshold first) that reaches `target`.
fn target_index(
    len: usize,
    target: ThresholdTarget,
    point: impl Fn(usize) -> Option<SweepPoint>,
) -> Option<usize> {
    match target {
        // Points go from high to low threshold: the last qualifying one covers most.
        ThresholdTarget::Precision(goal) => (0..len)
            .rev()
            .find(|&i| point(i).is_some_and(|p| p.precision.value().is_some_and(|v| v >= goal))),
        ThresholdTarget::Coverage(goal) => {
            (0..len).find(|&i| point(i).is_some_and(|p| p.coverage >= goal))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_counts_and_targets() {
        let scores = [0.9, 0.8, 0.7, 0.6, 0.2];
        let labels = [true, true, false, true, false];
        let ranked = RankedScores::new("s", &scores).unwrap();
        let sweep = ThresholdSweep::positive_class(&ranked, |i| labels[i], Weights::Unit);
        assert_eq!(sweep.points.len(), 5);
        let at_07 = &sweep.points[2];
        assert_eq!((at_07.covered, at_07.hits_covered), (3, 2));
        assert_eq!(at_07.coverage, 0.6);
        assert_eq!(at_07.accuracy, Some(0.6));
        // Precision ≥ 0.75 first fails at 0.7 (2/3) but holds again at 0.6 (3/4).
        assert_eq!(
            sweep
                .find(ThresholdTarget::Precision(0.75))
                .map(|p| p.threshold),
            Some(0.6)
        );
        assert_eq!(
            sweep
                .find(ThresholdTarget::Coverage(0.5))
                .map(|p| p.threshold),
            Some(0.7)
        );
        assert!(sweep.find(ThresholdTarget::Precision(1.01)).is_none());
        let thin = sweep.thinned(2);
        assert_eq!(thin.points.len(), 2);
        assert_eq!(thin.points[1].coverage, 1.0);
    }

    #[test]
    fn reading_the_counts_equals_thinning_the_full_sweep() {
        let scores: Vec<f64> = (0..200).map(|i| f64::from(i % 37) / 36.0).collect();
        let hit = |i: usize| !i.is_multiple_of(3);
        let ranked = RankedScores::new("s", &scores).unwrap();
        let counts = ranked.counts(hit, Weights::Unit);
        for kind in [SweepKind::PositiveClass, SweepKind::Confidence] {
            let full = ThresholdSweep::build(kind, &ranked, hit, Weights::Unit);
            assert_eq!(full.points.len(), 37);
            for max in [2, 5, 37, 100] {
                assert_eq!(
                    ThresholdSweep::from_counts(kind, &counts, max),
                    full.thinned(max)
                );
            }
            for target in [
                ThresholdTarget::Precision(0.7),
                ThresholdTarget::Precision(1.5),
                ThresholdTarget::Coverage(0.4),
            ] {
                assert_eq!(
                    ThresholdSweep::find_in_counts(kind, &counts, target).as_ref(),
                    full.find(target)
                );
            }
        }
    }
}
