//! Binary and multiclass classification from labels and per-class probabilities.
//!
//! Definitions follow scikit-learn 1.9 (`accuracy_score`,
//! `balanced_accuracy_score`, `precision_recall_fscore_support` with
//! `zero_division=nan`, `roc_auc_score` (one-vs-rest for multiclass),
//! `average_precision_score`, `log_loss`, `brier_score_loss`, `confusion_matrix`):
//!
//! * A metric that divides by zero is [`Metric::Undefined`] with its reason, and
//!   macro / weighted averages skip undefined members exactly as scikit-learn's
//!   `_nanaverage` does. F1 is `2·TP / (2·TP + FP + FN)`, so it is 0 (not undefined)
//!   when precision alone is undefined.
//! * Log loss clips every probability to `[ε, 1 − ε]` with `ε = f64::EPSILON`
//!   (scikit-learn ≥ 1.5 removed the `eps` argument and clips with the dtype's
//!   machine epsilon); rows are *not* renormalised (scikit-learn only warns).
//! * Brier score: binary `mean((y − p)²)`; with 3 or more classes
//!   `mean(Σ_c (y_c − p_c)²)` (scikit-learn's `scale_by_half="auto"`).
//!
//! [`PreparedClassification`] validates the input, derives the predicted class and
//! sorts each score column once ([`RankedScores`]); [`PreparedClassification::metrics`]
//! then evaluates with any [`Weights`], which is how the bootstrap reuses the sorts.

use serde::Serialize;

use super::metric_value::Sum;
use super::ranking::RankingAreas;
use super::{EvalError, Metric, RankedScores, Undefined, Weights};

/// The model's probabilities.
#[derive(Debug, Clone, Copy)]
pub enum ClassScores<'a> {
    /// Two classes: `positive[row]` is the probability of class 1 (class 0 has
    /// `1 − p`). A row is predicted class 1 when `p >= threshold`, the rule of
    /// [`super::binary::evaluate`]; note that scikit-learn's `predict` (an argmax)
    /// sends an exact tie `p = 0.5` to class 0.
    Binary { positive: &'a [f64], threshold: f64 },
    /// One probability column per class (`columns[c][row]`); the predicted class is
    /// the first one with the highest probability (numpy's `argmax`).
    PerClass(&'a [&'a [f64]]),
}

/// Labels (class indices `0..n_classes`) and the model's probabilities.
#[derive(Debug, Clone, Copy)]
pub struct ClassificationInput<'a> {
    pub labels: &'a [u32],
    pub scores: ClassScores<'a>,
}

/// A k×k confusion matrix: `counts[true * classes + predicted]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassConfusion {
    pub classes: usize,
    pub counts: Vec<u64>,
}

impl ClassConfusion {
    pub fn get(&self, actual: usize, predicted: usize) -> u64 {
        self.counts
            .get(actual * self.classes + predicted)
            .copied()
            .unwrap_or(0)
    }

    /// Rows labelled `class`.
    pub fn support(&self, class: usize) -> u64 {
        (0..self.classes).map(|p| self.get(class, p)).sum()
    }

    /// Rows predicted `class`.
    pub fn predicted(&self, class: usize) -> u64 {
        (0..self.classes).map(|a| self.get(a, class)).sum()
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// Metrics of one class against the rest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassMetrics {
    pub class: u32,
    /// Rows labelled with this class.
    pub support: u64,
    /// Rows predicted as this class.
    pub predicted: u64,
    pub precision: Metric,
    pub recall: Metric,
    pub f1: Metric,
    /// One-vs-rest ROC-AUC of this class's probability. `None` where it is not
    /// computed: class 0 of a binary input (its ranking mirrors class 1's).
    pub roc_auc: Option<Metric>,
    /// One-vs-rest average precision; `None` as for `roc_auc`.
    pub average_precision: Option<Metric>,
}

/// Precision, recall and F1 averaged over classes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AveragedMetrics {
    pub precision: Metric,
    pub recall: Metric,
    pub f1: Metric,
}

/// Every classification metric of one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassificationMetrics {
    /// Total weight (rows, or rows drawn in a bootstrap replicate).
    pub rows: u64,
    pub confusion: ClassConfusion,
    pub accuracy: Metric,
    /// Mean recall over the classes that occur in the labels.
    pub balanced_accuracy: Metric,
    pub per_class: Vec<ClassMetrics>,
    /// Unweighted mean over classes with a defined value.
    pub macro_average: AveragedMetrics,
    /// From the summed counts; equals accuracy when every class is counted.
    pub micro_average: AveragedMetrics,
    /// Mean weighted by support, over classes with a defined value.
    pub weighted_average: AveragedMetrics,
    /// Binary: ROC-AUC of class 1. Multiclass: one-vs-rest, macro average over the
    /// classes whose AUC is defined (scikit-learn refuses when a class is absent
    /// from the labels; here the class's own entry says why it is skipped).
    pub roc_auc: Metric,
    /// Binary: as `roc_auc`. Multiclass: one-vs-rest, weighted by support.
    pub roc_auc_weighted: Metric,
    /// Binary: average precision of class 1. Multiclass: one-vs-rest, macro.
    pub average_precision: Metric,
    /// Binary: as `average_precision`. Multiclass: weighted by support.
    pub average_precision_weighted: Metric,
    pub log_loss: Metric,
    pub brier_score: Metric,
}

/// A validated input with its predicted classes and one sort per score column.
///
/// Memory per row: 4 bytes per sorted score column (plus 16 bytes per row while
/// sorting), 4 bytes for the predicted class and 16 bytes for the per-row loss
/// terms; 10M binary rows hold about 240 MB.
#[derive(Debug)]
pub struct PreparedClassification<'a> {
    input: ClassificationInput<'a>,
    classes: usize,
    predicted: Vec<u32>,
    /// Binary: one ranking (class 1). Multiclass: one per class.
    ranked: Vec<RankedScores>,
    /// Per row: its log-loss term and its Brier term, computed once so that a
    /// bootstrap replicate costs O(1) per row whatever the number of classes.
    row_losses: Vec<[f64; 2]>,
}

fn check_probabilities(input: &'static str, column: &[f64]) -> Result<(), EvalError> {
    for (row, &value) in column.iter().enumerate() {
        if !value.is_finite() {
            return Err(EvalError::NonFinite { input, row, value });
        }
        if !(0.0..=1.0).contains(&value) {
            return Err(EvalError::ProbabilityOutOfRange { input, row, value });
        }
    }
    Ok(())
}

impl<'a> PreparedClassification<'a> {
    /// Validates `input` (lengths, label range, probabilities in `[0, 1]`), predicts
    /// and sorts. Empty inputs are accepted; their metrics are undefined.
    pub fn new(input: ClassificationInput<'a>) -> Result<Self, EvalError> {
        let n = input.labels.len();
        let check_len = |len: usize| {
            if len == n {
                Ok(())
            } else {
                Err(EvalError::LengthMismatch {
                    input: "scores",
                    actual: len,
                    reference: "labels",
                    expected: n,
                })
            }
        };
        let (classes, predicted, ranked) = match input.scores {
            ClassScores::Binary {
                positive,
                threshold,
            } => {
                check_len(positive.len())?;
                if !threshold.is_finite() {
                    return Err(EvalError::InvalidParameter {
                        parameter: "threshold",
                        value: threshold,
                        expected: "a finite number",
                    });
                }
                check_probabilities("scores", positive)?;
                let predicted = positive
                    .iter()
                    .map(|&p| u32::from(p >= threshold))
                    .collect();
                (2, predicted, vec![RankedScores::new("scores", positive)?])
            }
            ClassScores::PerClass(columns) => {
                if columns.len() < 2 {
                    return Err(EvalError::TooFewClasses {
                        classes: columns.len(),
                    });
                }
                for column in columns {
                    check_len(column.len())?;
                    check_probabilities("scores", column)?;
                }
                let mut predicted = vec![0u32; n];
                let mut best = vec![f64::NEG_INFINITY; n];
                for (c, column) in columns.iter().enumerate() {
                    for ((p, b), &v) in predicted.iter_mut().zip(best.iter_mut()).zip(*column) {
                        if v > *b {
                            *b = v;
                            *p = c as u32;
                        }
                    }
                }
                let ranked = columns
                    .iter()
                    .map(|c| RankedScores::new("scores", c))
                    .collect::<Result<_, _>>()?;
                (columns.len(), predicted, ranked)
            }
        };
        if let Some((row, &label)) = input
            .labels
            .iter()
            .enumerate()
            .find(|&(_, &l)| l as usize >= classes)
        {
            return Err(EvalError::LabelOutOfRange {
                row,
                label,
                classes,
            });
        }
        let mut prepared = Self {
            input,
            classes,
            predicted,
            ranked,
            row_losses: Vec::new(),
        };
        prepared.row_losses = prepared.compute_row_losses();
        Ok(prepared)
    }

    /// Log loss clips to `[ε, 1 − ε]` (scikit-learn 1.9, `ε = f64::EPSILON`); the
    /// Brier term is `(y − p)²` for binary inputs and `Σ_c (y_c − p_c)²` otherwise.
    fn compute_row_losses(&self) -> Vec<[f64; 2]> {
        let eps = f64::EPSILON;
        self.input
            .labels
            .iter()
            .enumerate()
            .map(|(row, &label)| {
                let p_true = self.probability(row, label as usize);
                // libm: the same bits on wasm32 and x86_64 (std's `ln` is the platform's).
                let loss = -libm::log(p_true.clamp(eps, 1.0 - eps));
                let squares = match self.input.scores {
                    ClassScores::Binary { positive, .. } => {
                        let d = f64::from(label) - positive[row];
                        d * d
                    }
                    ClassScores::PerClass(columns) => columns
                        .iter()
                        .enumerate()
                        .map(|(c, column)| {
                            let y = if c == label as usize { 1.0 } else { 0.0 };
                            let d = y - column[row];
                            d * d
                        })
                        .sum(),
                };
                [loss, squares]
            })
            .collect()
    }

    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Binary inputs: the positive-class probabilities and the decision threshold.
    pub(crate) fn binary_scores(&self) -> Option<(&'a [f64], f64)> {
        match self.input.scores {
            ClassScores::Binary {
                positive,
                threshold,
            } => Some((positive, threshold)),
            ClassScores::PerClass(_) => None,
        }
    }

    /// Per row: its log-loss term and its Brier term.
    pub(crate) fn row_losses(&self) -> &[[f64; 2]] {
        &self.row_losses
    }

    pub fn rows(&self) -> usize {
        self.input.labels.len()
    }

    pub fn labels(&self) -> &'a [u32] {
        self.input.labels
    }

    /// The predicted class of every row.
    pub fn predicted(&self) -> &[u32] {
        &self.predicted
    }

    /// The sort of class `class`'s scores (binary: only class 1, at index 0).
    pub fn ranked(&self, class: usize) -> Option<&RankedScores> {
        match self.input.scores {
            ClassScores::Binary { .. } => self.ranked.first().filter(|_| class == 1),
            ClassScores::PerClass(_) => self.ranked.get(class),
        }
    }

    /// The probability of class `class` in row `row`.
    ///
    /// # Panics
    /// When `row >= self.rows()` or `class >= self.classes()`, like slice indexing.
    #[inline]
    pub fn probability(&self, row: usize, class: usize) -> f64 {
        match self.input.scores {
            ClassScores::Binary { positive, .. } => {
                let p = positive[row];
                if class == 1 { p } else { 1.0 - p }
            }
            ClassScores::PerClass(columns) => columns[class][row],
        }
    }

    /// The probability the model gives its own prediction (top-label confidence).
    #[inline]
    pub fn confidence(&self, row: usize) -> f64 {
        self.probability(row, self.predicted[row] as usize)
    }

    /// Every metric, with each row counted `weights.get(row)` times.
    pub fn metrics(&self, weights: Weights<'_>) -> ClassificationMetrics {
        let k = self.classes;
        let labels = self.input.labels;
        let mut counts = vec![0u64; k * k];
        let mut log_loss = Sum::default();
        let mut brier = Sum::default();
        for (row, ((&label, &pred), &[loss, squares])) in labels
            .iter()
            .zip(&self.predicted)
            .zip(&self.row_losses)
            .enumerate()
        {
            // Branch-free: a bootstrap drops about a third of the rows (count 0) at
            // random, and adding 0 (the losses are clipped, so finite) changes nothing.
            let w = weights.get(row);
            counts[label as usize * k + pred as usize] += w;
            let wf = w as f64;
            log_loss.add(wf * loss);
            brier.add(wf * squares);
        }
        let confusion = ClassConfusion { classes: k, counts };
        let areas: Vec<Option<RankingAreas>> = (0..k)
            .map(|c| {
                self.ranked(c)
                    .map(|ranked| ranked.areas(|row| labels[row] as usize == c, weights, c as u32))
            })
            .collect();
        ClassificationMetrics::from_parts(confusion, log_loss.value(), brier.value(), &areas)
    }
}

impl ClassificationMetrics {
    /// Every metric from what one weighted pass gathers: the confusion matrix, the
    /// (weighted) sums of the per-row log-loss and Brier terms, and each class's
    /// ranking areas (`None` where the class is not ranked, as class 0 of a binary
    /// input). [`PreparedClassification::metrics`] and the score-ordered bootstrap
    /// pass ([`super::score_ordered`]) both end here.
    pub(crate) fn from_parts(
        confusion: ClassConfusion,
        log_loss_sum: f64,
        brier_sum: f64,
        areas: &[Option<RankingAreas>],
    ) -> Self {
        let k = confusion.classes;
        let total = confusion.total();
        let per_row = |sum: f64| {
            if total == 0 {
                Metric::Undefined(Undefined::EmptyInput)
            } else {
                Metric::Value(sum / total as f64)
            }
        };

        let mut per_class: Vec<ClassMetrics> =
            (0..k).map(|c| class_metrics(&confusion, c)).collect();
        for (m, areas) in per_class.iter_mut().zip(areas) {
            if let Some(areas) = areas {
                m.roc_auc = Some(areas.roc_auc);
                m.average_precision = Some(areas.average_precision);
            }
        }

        let diagonal: u64 = (0..k).map(|c| confusion.get(c, c)).sum();
        let accuracy = Metric::ratio(diagonal as f64, total as f64, Undefined::EmptyInput);
        let balanced_accuracy = if total == 0 {
            Undefined::EmptyInput.into()
        } else {
            let recalls: Vec<f64> = per_class.iter().filter_map(|m| m.recall.value()).collect();
            Metric::Value(recalls.iter().sum::<f64>() / recalls.len() as f64)
        };
        let supports: Vec<f64> = per_class.iter().map(|m| m.support as f64).collect();
        let average = |get: &dyn Fn(&ClassMetrics) -> Metric, weighted: bool| {
            let values: Vec<Metric> = per_class.iter().map(get).collect();
            nan_average(&values, weighted.then_some(supports.as_slice()), total)
        };
        let averaged = |weighted: bool| AveragedMetrics {
            precision: average(&|m| m.precision, weighted),
            recall: average(&|m| m.recall, weighted),
            f1: average(&|m| m.f1, weighted),
        };
        let macro_average = averaged(false);
        let weighted_average = averaged(true);
        let micro = Metric::ratio(diagonal as f64, total as f64, Undefined::EmptyInput);
        let micro_average = AveragedMetrics {
            precision: micro,
            recall: micro,
            f1: micro,
        };
        let ranking = |get: &dyn Fn(&ClassMetrics) -> Option<Metric>, weighted: bool| {
            if k == 2 {
                // Binary: the positive class's own value.
                return per_class
                    .get(1)
                    .and_then(get)
                    .unwrap_or(Undefined::EmptyInput.into());
            }
            // Keep one entry per class so that `supports` stays aligned.
            let values: Vec<Metric> = per_class
                .iter()
                .map(|m| get(m).unwrap_or(Undefined::NoDefinedMember.into()))
                .collect();
            nan_average(&values, weighted.then_some(supports.as_slice()), total)
        };
        ClassificationMetrics {
            rows: total,
            accuracy,
            balanced_accuracy,
            roc_auc: ranking(&|m| m.roc_auc, false),
            roc_auc_weighted: ranking(&|m| m.roc_auc, true),
            average_precision: ranking(&|m| m.average_precision, false),
            average_precision_weighted: ranking(&|m| m.average_precision, true),
            log_loss: per_row(log_loss_sum),
            brier_score: per_row(brier_sum),
            macro_average,
            micro_average,
            weighted_average,
            per_class,
            confusion,
        }
    }
}

fn class_metrics(confusion: &ClassConfusion, c: usize) -> ClassMetrics {
    let tp = confusion.get(c, c);
    let support = confusion.support(c);
    let predicted = confusion.predicted(c);
    let class = c as u32;
    let f1_denominator = (support + predicted) as f64;
    ClassMetrics {
        class,
        support,
        predicted,
        precision: Metric::ratio(
            tp as f64,
            predicted as f64,
            Undefined::NoPredictedPositive { class },
        ),
        recall: Metric::ratio(
            tp as f64,
            support as f64,
            Undefined::NoActualPositive { class },
        ),
        f1: Metric::ratio(
            2.0 * tp as f64,
            f1_denominator,
            Undefined::NeitherLabelledNorPredicted { class },
        ),
        roc_auc: None,
        average_precision: None,
    }
}

/// scikit-learn's `_nanaverage`: undefined members are skipped; with weights, the
/// defined members' weights are renormalised (all-zero weights fall back to the
/// plain mean).
fn nan_average(values: &[Metric], weights: Option<&[f64]>, total: u64) -> Metric {
    if total == 0 {
        return Undefined::EmptyInput.into();
    }
    let defined: Vec<(usize, f64)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, m)| m.value().map(|v| (i, v)))
        .collect();
    if defined.is_empty() {
        return Undefined::NoDefinedMember.into();
    }
    let mean = || defined.iter().map(|&(_, v)| v).sum::<f64>() / defined.len() as f64;
    match weights {
        None => Metric::Value(mean()),
        Some(w) => {
            let weight = |i: usize| w.get(i).copied().unwrap_or(0.0);
            let total_weight: f64 = defined.iter().map(|&(i, _)| weight(i)).sum();
            if total_weight == 0.0 {
                Metric::Value(mean())
            } else {
                let s: f64 = defined.iter().map(|&(i, v)| v * weight(i)).sum();
                Metric::Value(s / total_weight)
            }
        }
    }
}

/// Validates, sorts and evaluates in one call.
pub fn evaluate(input: ClassificationInput<'_>) -> Result<ClassificationMetrics, EvalError> {
    Ok(PreparedClassification::new(input)?.metrics(Weights::Unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_input_is_explained_not_nan() {
        let m = evaluate(ClassificationInput {
            labels: &[],
            scores: ClassScores::Binary {
                positive: &[],
                threshold: 0.5,
            },
        })
        .unwrap();
        assert_eq!(m.accuracy, Metric::Undefined(Undefined::EmptyInput));
        assert_eq!(m.log_loss, Metric::Undefined(Undefined::EmptyInput));
        assert_eq!(m.roc_auc, Metric::Undefined(Undefined::EmptyInput));
    }

    #[test]
    fn single_class_binary_explains_auc_and_precision() {
        let m = evaluate(ClassificationInput {
            labels: &[0, 0, 0],
            scores: ClassScores::Binary {
                positive: &[0.1, 0.2, 0.3],
                threshold: 0.5,
            },
        })
        .unwrap();
        assert_eq!(m.accuracy, Metric::Value(1.0));
        assert_eq!(
            m.roc_auc,
            Metric::Undefined(Undefined::NoActualPositive { class: 1 })
        );
        assert_eq!(
            m.per_class[1].precision,
            Metric::Undefined(Undefined::NoPredictedPositive { class: 1 })
        );
        assert_eq!(
            m.per_class[1].f1,
            Metric::Undefined(Undefined::NeitherLabelledNorPredicted { class: 1 })
        );
    }

    #[test]
    fn a_class_absent_from_the_labels_is_skipped_with_its_reason() {
        let c0: &[f64] = &[0.7, 0.2, 0.6, 0.1];
        let c1: &[f64] = &[0.2, 0.7, 0.3, 0.8];
        let c2: &[f64] = &[0.1, 0.1, 0.1, 0.1];
        let m = evaluate(ClassificationInput {
            labels: &[0, 1, 0, 1],
            scores: ClassScores::PerClass(&[c0, c1, c2]),
        })
        .unwrap();
        assert_eq!(
            m.per_class[2].roc_auc,
            Some(Metric::Undefined(Undefined::NoActualPositive { class: 2 }))
        );
        // Classes 0 and 1 are perfectly ranked; class 2 is left out of the mean.
        assert_eq!(m.roc_auc, Metric::Value(1.0));
        assert_eq!(m.roc_auc_weighted, Metric::Value(1.0));
        assert_eq!(m.balanced_accuracy, Metric::Value(1.0));
    }

    #[test]
    fn labels_out_of_range_name_the_row() {
        let col: &[f64] = &[0.5, 0.5];
        let err = evaluate(ClassificationInput {
            labels: &[0, 3],
            scores: ClassScores::PerClass(&[col, col]),
        })
        .unwrap_err();
        assert_eq!(
            err,
            EvalError::LabelOutOfRange {
                row: 1,
                label: 3,
                classes: 2
            }
        );
    }
}
