//! Random and zero-rule baselines with exact analytic expected values.
//!
//! Random strategies predict each row's class independently: class `c` with
//! probability `q_c` — `1/k` for [`RandomStrategy::Uniform`], the label share
//! `π_c = n_c / n` for [`RandomStrategy::LabelDistribution`] (scikit-learn's
//! `DummyClassifier(strategy="stratified")`). For class `c`, the number of true
//! positives is `X ~ Binomial(n_c, q_c)` and of false positives
//! `Y ~ Binomial(n − n_c, q_c)`, independent.
//!
//! **What "expected" means here**: the expectation *of the per-draw metric* (the
//! average a long simulation converges to), not the metric of the expected counts.
//! Each is computed exactly (up to floating-point rounding):
//!
//! * accuracy: `E = Σ_c π_c q_c`; balanced accuracy: mean of `q_c` over classes
//!   that occur.
//! * recall_c = X / n_c: `E = q_c` (defined when `n_c ≥ 1`).
//! * precision_c = X / (X + Y) is undefined when class `c` is never predicted
//!   (probability `(1 − q_c)^n`, reported). Given the number `M` of rows predicted
//!   `c`, `X` is hypergeometric with mean `M·π_c`, so `E[precision_c | M ≥ 1] = π_c`
//!   exactly — and the same holds conditional on any event about the predicted
//!   counts, e.g. "every class predicted at least once" for the macro average.
//! * F1_c = 2X / (n_c + X + Y). Writing `1/a = ∫₀¹ t^(a−1) dt` and using the
//!   binomial generating functions gives
//!   `E[F1_c] = 2·n_c·q_c · E[1 / (n_c + 1 + J)]` with `J ~ Binomial(n − 1, q_c)`,
//!   summed over the binomial's support (terms below 1e-20 of the mode dropped).
//!   [`ClassBaseline::f1_of_expected_counts`] (`2π_c q_c / (π_c + q_c)`) is given
//!   beside it for contrast; it is *not* the expectation.
//! * macro averages are means over the classes with `n_c ≥ 1` of the per-class
//!   expectations (exact by linearity: recall and F1 are always defined there;
//!   precision conditional on every such class being predicted); weighted averages
//!   weight them by `π_c`.
//!
//! The zero rule predicts the majority class (the first on ties, like
//! `DummyClassifier(strategy="most_frequent")`) for classification and the mean of
//! the targets for regression; its metrics are deterministic.

use serde::Serialize;

use super::{EvalError, Metric, RegressionMetrics, Undefined};

/// How a random baseline draws classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RandomStrategy {
    Uniform,
    LabelDistribution,
}

/// Expected metrics of one class.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClassBaseline {
    pub class: u32,
    /// Probability that a row is predicted as this class.
    pub prediction_rate: f64,
    pub precision: Metric,
    /// Probability that precision is undefined (the class is never predicted).
    pub precision_undefined_probability: f64,
    pub recall: Metric,
    pub f1: Metric,
    pub f1_of_expected_counts: Metric,
}

/// Expected metrics of a baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaselineMetrics {
    pub accuracy: Metric,
    pub balanced_accuracy: Metric,
    pub per_class: Vec<ClassBaseline>,
    pub precision_macro: Metric,
    pub recall_macro: Metric,
    pub f1_macro: Metric,
    pub precision_weighted: Metric,
    pub recall_weighted: Metric,
    pub f1_weighted: Metric,
}

/// Class counts from labels `0..classes`.
pub fn class_counts(labels: &[u32], classes: usize) -> Result<Vec<u64>, EvalError> {
    let mut counts = vec![0u64; classes];
    for (row, &label) in labels.iter().enumerate() {
        match counts.get_mut(label as usize) {
            Some(c) => *c += 1,
            None => {
                return Err(EvalError::LabelOutOfRange {
                    row,
                    label,
                    classes,
                });
            }
        }
    }
    Ok(counts)
}

/// `E[1 / (a + J)]` for `J ~ Binomial(m, q)`, `a ≥ 1`.
fn expected_reciprocal(a: f64, m: u64, q: f64) -> f64 {
    if q <= 0.0 {
        return 1.0 / a;
    }
    if q >= 1.0 {
        return 1.0 / (a + m as f64);
    }
    // Unnormalised pmf from the mode outwards; normalised by the sum of the terms kept.
    let mode = (((m + 1) as f64 * q).floor() as u64).min(m);
    let odds = q / (1.0 - q);
    let (mut weight_sum, mut value_sum) = (1.0, 1.0 / (a + mode as f64));
    let mut w = 1.0;
    let mut j = mode;
    while j < m {
        w *= (m - j) as f64 / (j + 1) as f64 * odds;
        j += 1;
        if w < 1e-20 {
            break;
        }
        weight_sum += w;
        value_sum += w / (a + j as f64);
    }
    let mut w = 1.0;
    let mut j = mode;
    while j > 0 {
        w *= j as f64 / (m - j + 1) as f64 / odds;
        j -= 1;
        if w < 1e-20 {
            break;
        }
        weight_sum += w;
        value_sum += w / (a + j as f64);
    }
    value_sum / weight_sum
}

/// Expected metrics of a random baseline for labels with `counts[c]` rows of class `c`.
pub fn random_baseline(counts: &[u64], strategy: RandomStrategy) -> BaselineMetrics {
    let n: u64 = counts.iter().sum();
    let k = counts.len();
    let nf = n as f64;
    let rate = |c: usize| match strategy {
        RandomStrategy::Uniform => 1.0 / k as f64,
        RandomStrategy::LabelDistribution => {
            if n == 0 {
                0.0
            } else {
                counts[c] as f64 / nf
            }
        }
    };
    let per_class: Vec<ClassBaseline> = (0..k)
        .map(|c| {
            let class = c as u32;
            let nc = counts[c];
            let q = rate(c);
            let share = if n == 0 { 0.0 } else { nc as f64 / nf };
            let no_positive = Metric::Undefined(Undefined::NoActualPositive { class });
            let (recall, f1, f1_counts) = if nc == 0 {
                (no_positive, no_positive, no_positive)
            } else {
                let f1 = 2.0 * nc as f64 * q * expected_reciprocal(nc as f64 + 1.0, n - 1, q);
                let f1_counts =
                    Metric::ratio(2.0 * share * q, share + q, Undefined::NoDefinedMember);
                (Metric::Value(q), Metric::Value(f1), f1_counts)
            };
            // libm: the same bits on wasm32 and x86_64 (std's `powf` is the platform's).
            let never = libm::pow(1.0 - q, nf);
            let precision = if never >= 1.0 {
                Undefined::NoPredictedPositive { class }.into()
            } else {
                Metric::Value(share)
            };
            ClassBaseline {
                class,
                prediction_rate: q,
                precision,
                precision_undefined_probability: never,
                recall,
                f1,
                f1_of_expected_counts: f1_counts,
            }
        })
        .collect();
    let accuracy = if n == 0 {
        Undefined::EmptyInput.into()
    } else {
        Metric::Value((0..k).map(|c| counts[c] as f64 / nf * rate(c)).sum())
    };
    finish(counts, accuracy, per_class)
}

/// The zero rule: always predict the majority class.
pub fn zero_rule(counts: &[u64]) -> BaselineMetrics {
    let n: u64 = counts.iter().sum();
    let majority = counts
        .iter()
        .enumerate()
        .fold(None, |best: Option<(usize, u64)>, (c, &v)| match best {
            Some((_, b)) if b >= v => best,
            _ => Some((c, v)),
        })
        .map_or(0, |(c, _)| c);
    let nf = n as f64;
    let per_class = (0..counts.len())
        .map(|c| {
            let class = c as u32;
            let nc = counts[c] as f64;
            let is_majority = c == majority && n > 0;
            let recall = Metric::ratio(
                if is_majority { nc } else { 0.0 },
                nc,
                Undefined::NoActualPositive { class },
            );
            let tp = if is_majority { nc } else { 0.0 };
            let predicted = if is_majority { nf } else { 0.0 };
            let f1 = Metric::ratio(
                2.0 * tp,
                nc + predicted,
                Undefined::NeitherLabelledNorPredicted { class },
            );
            ClassBaseline {
                class,
                prediction_rate: if is_majority { 1.0 } else { 0.0 },
                precision: Metric::ratio(tp, predicted, Undefined::NoPredictedPositive { class }),
                precision_undefined_probability: if is_majority { 0.0 } else { 1.0 },
                recall,
                f1,
                f1_of_expected_counts: f1,
            }
        })
        .collect();
    let accuracy = Metric::ratio(
        counts.get(majority).copied().unwrap_or(0) as f64,
        nf,
        Undefined::EmptyInput,
    );
    finish(counts, accuracy, per_class)
}

fn finish(counts: &[u64], accuracy: Metric, per_class: Vec<ClassBaseline>) -> BaselineMetrics {
    let n: u64 = counts.iter().sum();
    let present: Vec<&ClassBaseline> = per_class
        .iter()
        .filter(|b| counts[b.class as usize] > 0)
        .collect();
    let mean = |get: &dyn Fn(&ClassBaseline) -> Metric| {
        let values: Vec<f64> = present.iter().filter_map(|b| get(b).value()).collect();
        if n == 0 {
            Undefined::EmptyInput.into()
        } else if values.is_empty() {
            Undefined::NoDefinedMember.into()
        } else {
            Metric::Value(values.iter().sum::<f64>() / values.len() as f64)
        }
    };
    let weighted = |get: &dyn Fn(&ClassBaseline) -> Metric| {
        let (mut s, mut w) = (0.0, 0.0);
        for b in &present {
            if let Some(v) = get(b).value() {
                let share = counts[b.class as usize] as f64;
                s += share * v;
                w += share;
            }
        }
        if n == 0 {
            Undefined::EmptyInput.into()
        } else {
            Metric::ratio(s, w, Undefined::NoDefinedMember)
        }
    };
    BaselineMetrics {
        accuracy,
        balanced_accuracy: mean(&|b| b.recall),
        precision_macro: mean(&|b| b.precision),
        recall_macro: mean(&|b| b.recall),
        f1_macro: mean(&|b| b.f1),
        precision_weighted: weighted(&|b| b.precision),
        recall_weighted: weighted(&|b| b.recall),
        f1_weighted: weighted(&|b| b.f1),
        per_class,
    }
}

/// The regression zero rule: predict the mean target for every row.
pub fn mean_baseline(targets: &[f64]) -> Result<RegressionMetrics, EvalError> {
    let mean = if targets.is_empty() {
        0.0
    } else {
        targets.iter().sum::<f64>() / targets.len() as f64
    };
    let predictions = vec![mean; targets.len()];
    super::regression::evaluate(targets, &predictions)
}

#[cfg(test)]
mod tests {
    use super::super::bootstrap::SplitMix64;
    use super::*;

    #[test]
    fn expected_reciprocal_matches_direct_sum() {
        // J ~ Bin(3, 0.25): pmf 27/64, 27/64, 9/64, 1/64.
        let direct = (27.0 / 2.0 + 27.0 / 3.0 + 9.0 / 4.0 + 1.0 / 5.0) / 64.0;
        assert!((expected_reciprocal(2.0, 3, 0.25) - direct).abs() < 1e-15);
    }

    /// Averages the per-draw metrics of `draws` seeded simulations and compares
    /// them with the analytic expectations, within 5 standard errors.
    fn simulate(labels: &[u32], classes: usize, strategy: RandomStrategy, draws: u32) {
        let counts = class_counts(labels, classes).unwrap();
        let expected = random_baseline(&counts, strategy);
        let n = labels.len() as f64;
        let mut rng = SplitMix64::new(2024);
        let cumulative: Vec<f64> = {
            let mut acc = 0.0;
            (0..classes)
                .map(|c| {
                    acc += expected.per_class[c].prediction_rate;
                    acc
                })
                .collect()
        };
        // Running sums and sums of squares: accuracy, then per class precision, recall, F1.
        let stats = 1 + 3 * classes;
        let mut sum = vec![0.0; stats];
        let mut sq = vec![0.0; stats];
        let mut defined = vec![0u32; stats];
        let mut tp = vec![0u64; classes];
        let mut predicted = vec![0u64; classes];
        for _ in 0..draws {
            tp.fill(0);
            predicted.fill(0);
            let mut correct = 0u64;
            for &label in labels {
                let u = rng.next_f64();
                let c = cumulative.partition_point(|&x| x <= u).min(classes - 1);
                predicted[c] += 1;
                if c == label as usize {
                    tp[c] += 1;
                    correct += 1;
                }
            }
            let mut record = |i: usize, v: Option<f64>| {
                if let Some(v) = v {
                    sum[i] += v;
                    sq[i] += v * v;
                    defined[i] += 1;
                }
            };
            record(0, Some(correct as f64 / n));
            for c in 0..classes {
                let (t, p, s) = (tp[c] as f64, predicted[c] as f64, counts[c] as f64);
                record(1 + 3 * c, (p > 0.0).then(|| t / p));
                record(2 + 3 * c, (s > 0.0).then(|| t / s));
                record(3 + 3 * c, (s + p > 0.0).then(|| 2.0 * t / (s + p)));
            }
        }
        let mut targets = vec![expected.accuracy.value()];
        for b in &expected.per_class {
            targets.extend([b.precision.value(), b.recall.value(), b.f1.value()]);
        }
        for (i, target) in targets.iter().enumerate() {
            let Some(target) = *target else { continue };
            let m = f64::from(defined[i]);
            let mean = sum[i] / m;
            let se = ((sq[i] / m - mean * mean).max(0.0) / m).sqrt();
            assert!(
                (mean - target).abs() <= 5.0 * se + 1e-12,
                "{strategy:?} statistic {i}: simulated {mean} ± {se}, analytic {target}"
            );
        }
        // The F1 expectation differs measurably from the F1 of expected counts.
        let b = &expected.per_class[classes - 1];
        assert_ne!(b.f1, b.f1_of_expected_counts);
    }

    #[test]
    fn analytic_expectations_match_a_large_seeded_simulation() {
        // Imbalanced 3-class labels: 30 / 12 / 3 rows.
        let labels: Vec<u32> = (0..45)
            .map(|i| {
                if i < 30 {
                    0
                } else if i < 42 {
                    1
                } else {
                    2
                }
            })
            .collect();
        simulate(&labels, 3, RandomStrategy::Uniform, 200_000);
        simulate(&labels, 3, RandomStrategy::LabelDistribution, 200_000);
    }

    #[test]
    fn zero_rule_predicts_the_first_majority() {
        let b = zero_rule(&[5, 5, 2]);
        assert_eq!(b.accuracy, Metric::Value(5.0 / 12.0));
        assert_eq!(b.per_class[0].recall, Metric::Value(1.0));
        assert_eq!(
            b.per_class[1].precision,
            Metric::Undefined(Undefined::NoPredictedPositive { class: 1 })
        );
        assert_eq!(b.per_class[1].f1, Metric::Value(0.0));
    }
}
