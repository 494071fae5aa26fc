//! A metric value, or the typed reason it does not exist.
//!
//! Evaluation never returns a silent NaN: where a metric divides by zero (no
//! predicted positives, a single class, an empty input, a constant target) it is
//! [`Metric::Undefined`] with an [`Undefined`] reason a report can print.

use serde::{Deserialize, Serialize};

/// Why a metric has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum Undefined {
    /// There are no rows (or, in a bootstrap replicate, no rows with weight).
    EmptyInput,
    /// Every label belongs to one class, so a ranking or balanced metric cannot be
    /// formed (ROC-AUC, average precision, balanced accuracy over absent classes).
    SingleClass,
    /// No row is labelled with `class` (recall, ROC-AUC and AP of that class divide
    /// by zero).
    NoActualPositive { class: u32 },
    /// No row is predicted as `class` (precision divides by zero).
    NoPredictedPositive { class: u32 },
    /// `class` is neither labelled nor predicted (F1 is 0/0).
    NeitherLabelledNorPredicted { class: u32 },
    /// The regression target is constant, so R² divides by zero.
    ConstantTarget,
    /// No row reaches the threshold (coverage is zero).
    NothingCovered,
    /// A threshold sweep has no hit at all (no positive label, or no correct
    /// prediction), so its recall divides by zero.
    NoHits,
    /// The scores are not probabilities in [0, 1] (e.g. logits), so a
    /// probability metric of them does not exist.
    NotProbabilities,
    /// The average has no member with a value (e.g. every class's precision is
    /// undefined).
    NoDefinedMember,
}

/// A metric value or the reason it is undefined. Serialises as
/// `{"value": 0.5}` or `{"undefined": {"reason": "single_class"}}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Value(f64),
    Undefined(Undefined),
}

impl Metric {
    /// The value, or `None` when undefined.
    pub fn value(self) -> Option<f64> {
        match self {
            Self::Value(v) => Some(v),
            Self::Undefined(_) => None,
        }
    }

    /// The reason, or `None` when defined.
    pub fn undefined(self) -> Option<Undefined> {
        match self {
            Self::Value(_) => None,
            Self::Undefined(reason) => Some(reason),
        }
    }

    /// `numerator / denominator`, undefined with `reason` when the denominator is 0.
    pub(crate) fn ratio(numerator: f64, denominator: f64, reason: Undefined) -> Self {
        if denominator == 0.0 {
            Self::Undefined(reason)
        } else {
            Self::Value(numerator / denominator)
        }
    }
}

impl From<Undefined> for Metric {
    fn from(reason: Undefined) -> Self {
        Self::Undefined(reason)
    }
}

/// Per-row weights: every row once, or the multiplicities of a bootstrap resample.
///
/// Every metric in this module accepts weights so that a bootstrap replicate is a
/// pass over the original (already sorted) rows with integer counts, never a copy
/// or a re-sort.
#[derive(Debug, Clone, Copy)]
pub enum Weights<'a> {
    /// Each row counts once.
    Unit,
    /// Row `i` counts `counts[i]` times (0 drops it).
    Counts(&'a [u32]),
}

impl Weights<'_> {
    /// The weight of row `i` (0 for a row past the end of `Counts`).
    #[inline]
    pub fn get(&self, i: usize) -> u64 {
        match self {
            Self::Unit => 1,
            Self::Counts(c) => c.get(i).map_or(0, |&w| u64::from(w)),
        }
    }
}

/// Neumaier-compensated sum: the error stays O(ε) instead of O(n·ε), so means over
/// 10M rows agree with numpy's pairwise sums far below the tests' tolerance.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sum {
    sum: f64,
    compensation: f64,
}

impl Sum {
    #[inline]
    pub(crate) fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.compensation += (self.sum - t) + x;
        } else {
            self.compensation += (x - t) + self.sum;
        }
        self.sum = t;
    }

    pub(crate) fn value(self) -> f64 {
        self.sum + self.compensation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_value_or_reason() {
        let json = |m: Metric| serde_json::to_string(&m).unwrap();
        assert_eq!(json(Metric::Value(0.5)), r#"{"value":0.5}"#);
        assert_eq!(
            json(Undefined::SingleClass.into()),
            r#"{"undefined":{"reason":"single_class"}}"#
        );
        assert_eq!(
            json(Undefined::NoActualPositive { class: 2 }.into()),
            r#"{"undefined":{"reason":"no_actual_positive","class":2}}"#
        );
    }

    #[test]
    fn compensated_sum_keeps_small_terms() {
        let mut s = Sum::default();
        s.add(1e16);
        for _ in 0..10 {
            s.add(1.0);
        }
        s.add(-1e16);
        assert_eq!(s.value(), 10.0);
    }
}
