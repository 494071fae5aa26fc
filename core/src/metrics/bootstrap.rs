//! Seeded bootstrap confidence intervals for every metric.
//!
//! Method: the non-parametric percentile bootstrap (Efron & Tibshirani 1993, §13.3).
//! Each of `replicates` resamples draws `n` rows uniformly *with replacement*; the
//! draw is represented as a count per row ([`Weights::Counts`]), so a replicate is
//! one more pass over the already-sorted rows, never a copy or a re-sort. A metric's
//! interval is `[q(α/2), q(1 − α/2)]` of its replicate values, `α = 1 − confidence`,
//! with numpy's default ("linear") percentile interpolation. Replicates in which the
//! metric is undefined (e.g. a resample with no positive row for ROC-AUC) are left
//! out and counted in [`Interval::undefined_replicates`]: the interval is
//! conditional on the metric being defined.
//!
//! Randomness: [`SplitMix64`] (Steele, Lea & Flood 2014), implemented here so the
//! same seed gives the same intervals on every platform (wasm32 and x86_64), and
//! Lemire's unbiased bounded draw (2019) for row indices. Replicate `r` draws from
//! its own stream seeded by [`replicate_seed`], so a caller may compute replicates
//! in parallel ([`resample_counts`]) and get the same intervals.

use serde::Serialize;

use super::calibration::{BinStrategy, ReliabilityDiagram, reliability_diagram};
use super::{
    ClassificationMetrics, EvalError, Metric, PreparedClassification, PreparedRegression,
    RankedScores, RegressionMetrics, Undefined, Weights,
};

/// SplitMix64: a 64-bit state advanced by a Weyl sequence and mixed by a
/// finaliser. Deterministic and platform-independent.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.state)
    }

    /// A uniform integer in `0..bound` (Lemire's multiply-and-reject; `bound > 0`).
    #[inline]
    pub fn below(&mut self, bound: u64) -> u64 {
        let mut m = u128::from(self.next_u64()) * u128::from(bound);
        let mut low = m as u64;
        if low < bound {
            let threshold = bound.wrapping_neg() % bound;
            while low < threshold {
                m = u128::from(self.next_u64()) * u128::from(bound);
                low = m as u64;
            }
        }
        (m >> 64) as u64
    }

    /// A uniform float in `[0, 1)` with 53 random bits.
    #[inline]
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// SplitMix64's finaliser (a bijective 64-bit mixer).
#[inline]
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// How to bootstrap.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BootstrapConfig {
    pub replicates: u32,
    pub seed: u64,
    /// E.g. 0.95 for a 95 % interval.
    pub confidence: f64,
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        Self {
            replicates: 1000,
            seed: 0,
            confidence: 0.95,
        }
    }
}

/// A metric's point estimate and percentile interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interval {
    pub metric: String,
    pub estimate: Metric,
    pub lower: Metric,
    pub upper: Metric,
    pub defined_replicates: u32,
    pub undefined_replicates: u32,
}

/// Bootstraps any statistic of `rows` rows. `statistic` is called once with
/// [`Weights::Unit`] for the estimate (which also fixes the metric names, in
/// order) and once per replicate with the resample's counts.
pub fn bootstrap<F>(
    rows: usize,
    config: &BootstrapConfig,
    mut statistic: F,
) -> Result<Vec<Interval>, EvalError>
where
    F: FnMut(Weights<'_>) -> Vec<(String, Metric)>,
{
    if !(config.confidence > 0.0 && config.confidence < 1.0) {
        return Err(EvalError::InvalidParameter {
            parameter: "confidence",
            value: config.confidence,
            expected: "strictly between 0 and 1",
        });
    }
    if config.replicates == 0 {
        return Err(EvalError::InvalidParameter {
            parameter: "replicates",
            value: 0.0,
            expected: "at least 1",
        });
    }
    let estimate = statistic(Weights::Unit);
    let mut samples: Vec<Vec<f64>> =
        vec![Vec::with_capacity(config.replicates as usize); estimate.len()];
    let mut undefined = vec![0u32; estimate.len()];
    let mut counts = vec![0u32; rows];
    for replicate in 0..config.replicates {
        resample_counts(config.seed, replicate, &mut counts);
        let values = statistic(Weights::Counts(&counts));
        for (i, (_, metric)) in values.iter().enumerate().take(estimate.len()) {
            match metric.value() {
                Some(v) => samples[i].push(v),
                None => undefined[i] += 1,
            }
        }
    }
    let alpha = 1.0 - config.confidence;
    Ok(estimate
        .into_iter()
        .zip(samples)
        .zip(undefined)
        .map(|(((metric, estimate), mut values), undefined_replicates)| {
            values.sort_unstable_by(f64::total_cmp);
            let none = Metric::Undefined(Undefined::NoDefinedMember);
            Interval {
                metric,
                estimate,
                lower: percentile(&values, alpha / 2.0).map_or(none, Metric::Value),
                upper: percentile(&values, 1.0 - alpha / 2.0).map_or(none, Metric::Value),
                defined_replicates: values.len() as u32,
                undefined_replicates,
            }
        })
        .collect())
}

/// The seed of replicate `replicate`'s own stream: `mix64(seed ^ mix64(replicate + 1))`.
pub fn replicate_seed(seed: u64, replicate: u32) -> u64 {
    mix64(seed ^ mix64(u64::from(replicate) + 1))
}

/// Fills `counts` (one entry per row, `counts.len()` rows) with the multiplicities
/// of replicate `replicate`: `n` draws of `below(n)` from
/// `SplitMix64::new(replicate_seed(seed, replicate))`. Each replicate has its own
/// stream, so replicates may run in any order or in parallel with identical results.
pub fn resample_counts(seed: u64, replicate: u32, counts: &mut [u32]) {
    counts.fill(0);
    let n = counts.len() as u64;
    let mut rng = SplitMix64::new(replicate_seed(seed, replicate));
    for _ in 0..n {
        if let Some(c) = counts.get_mut(rng.below(n) as usize) {
            *c += 1;
        }
    }
}

/// numpy's `quantile(sorted, q)`, method "linear".
pub(crate) fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    let last = n.checked_sub(1)?;
    let v = last as f64 * q;
    let lo = (v.floor() as usize).min(last);
    let hi = (lo + 1).min(last);
    let (a, b) = (sorted[lo], sorted[hi]);
    let t = v - v.floor();
    let d = b - a;
    Some(if t >= 0.5 {
        b - d * (1.0 - t)
    } else {
        a + d * t
    })
}

impl ClassificationMetrics {
    /// Every scalar metric with a stable name (`precision[2]` is class 2's).
    pub fn named_values(&self) -> Vec<(String, Metric)> {
        let mut out = vec![
            ("accuracy".to_owned(), self.accuracy),
            ("balanced_accuracy".to_owned(), self.balanced_accuracy),
            ("precision_macro".to_owned(), self.macro_average.precision),
            ("recall_macro".to_owned(), self.macro_average.recall),
            ("f1_macro".to_owned(), self.macro_average.f1),
            ("precision_micro".to_owned(), self.micro_average.precision),
            ("recall_micro".to_owned(), self.micro_average.recall),
            ("f1_micro".to_owned(), self.micro_average.f1),
            (
                "precision_weighted".to_owned(),
                self.weighted_average.precision,
            ),
            ("recall_weighted".to_owned(), self.weighted_average.recall),
            ("f1_weighted".to_owned(), self.weighted_average.f1),
            ("roc_auc".to_owned(), self.roc_auc),
            ("roc_auc_weighted".to_owned(), self.roc_auc_weighted),
            ("average_precision".to_owned(), self.average_precision),
            (
                "average_precision_weighted".to_owned(),
                self.average_precision_weighted,
            ),
            ("log_loss".to_owned(), self.log_loss),
            ("brier_score".to_owned(), self.brier_score),
        ];
        for m in &self.per_class {
            let c = m.class;
            out.push((format!("precision[{c}]"), m.precision));
            out.push((format!("recall[{c}]"), m.recall));
            out.push((format!("f1[{c}]"), m.f1));
            if let Some(auc) = m.roc_auc {
                out.push((format!("roc_auc[{c}]"), auc));
            }
            if let Some(ap) = m.average_precision {
                out.push((format!("average_precision[{c}]"), ap));
            }
        }
        out
    }
}

impl RegressionMetrics {
    /// Every metric with a stable name.
    pub fn named_values(&self) -> Vec<(String, Metric)> {
        vec![
            ("mae".to_owned(), self.mae),
            ("rmse".to_owned(), self.rmse),
            ("r2".to_owned(), self.r2),
            ("mape".to_owned(), self.mape),
            (
                "median_absolute_error".to_owned(),
                self.median_absolute_error,
            ),
        ]
    }
}

impl ReliabilityDiagram {
    /// ECE and MCE with stable names.
    pub fn named_values(&self) -> Vec<(String, Metric)> {
        vec![
            (
                "expected_calibration_error".to_owned(),
                self.expected_calibration_error,
            ),
            (
                "maximum_calibration_error".to_owned(),
                self.maximum_calibration_error,
            ),
        ]
    }
}

/// Intervals for ECE and MCE. Equal-mass bin edges are recomputed in every
/// replicate (from the resample's quantiles), as a fresh evaluation would.
pub fn bootstrap_calibration_error(
    probabilities: &[f64],
    ranked: &RankedScores,
    is_positive: impl Fn(usize) -> bool,
    bins: usize,
    strategy: BinStrategy,
    config: &BootstrapConfig,
) -> Result<Vec<Interval>, EvalError> {
    // Validate once; replicates then cannot fail.
    reliability_diagram(
        probabilities,
        ranked,
        &is_positive,
        bins,
        strategy,
        Weights::Unit,
    )?;
    bootstrap(probabilities.len(), config, |w| {
        reliability_diagram(probabilities, ranked, &is_positive, bins, strategy, w)
            .map_or_else(|_| Vec::new(), |d| d.named_values())
    })
}

/// Intervals for every classification metric.
pub fn bootstrap_classification(
    prepared: &PreparedClassification<'_>,
    config: &BootstrapConfig,
) -> Result<Vec<Interval>, EvalError> {
    bootstrap(prepared.rows(), config, |w| {
        prepared.metrics(w).named_values()
    })
}

/// Intervals for every regression metric.
pub fn bootstrap_regression(
    prepared: &PreparedRegression<'_>,
    config: &BootstrapConfig,
) -> Result<Vec<Interval>, EvalError> {
    bootstrap(prepared.rows(), config, |w| {
        prepared.metrics(w).named_values()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_the_reference_sequence() {
        // First outputs of the reference C implementation seeded with 1234567.
        let mut rng = SplitMix64::new(1_234_567);
        assert_eq!(rng.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next_u64(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn bounded_draws_stay_in_range_and_cover_it() {
        let mut rng = SplitMix64::new(7);
        let mut seen = [0u32; 5];
        for _ in 0..10_000 {
            seen[rng.below(5) as usize] += 1;
        }
        assert!(seen.iter().all(|&c| (1800..2200).contains(&c)), "{seen:?}");
    }

    #[test]
    fn each_replicate_has_its_own_stream() {
        let mut a = vec![0u32; 100];
        let mut b = vec![0u32; 100];
        resample_counts(5, 3, &mut a);
        resample_counts(5, 2, &mut b);
        assert_eq!(a.iter().sum::<u32>(), 100);
        assert_ne!(a, b);
        // Replicate 3 alone equals replicate 3 after others: order does not matter.
        resample_counts(5, 3, &mut b);
        assert_eq!(a, b);
    }

    #[test]
    fn percentile_is_numpys_linear() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 0.5), Some(2.5));
        assert_eq!(percentile(&v, 0.0), Some(1.0));
        assert_eq!(percentile(&v, 1.0), Some(4.0));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn same_seed_same_interval() {
        let y: Vec<f64> = (0..200).map(|i| f64::from(i % 17)).collect();
        let p: Vec<f64> = (0..200).map(|i| f64::from(i % 13)).collect();
        let prepared = PreparedRegression::new(&y, &p).unwrap();
        let config = BootstrapConfig {
            replicates: 50,
            seed: 42,
            confidence: 0.9,
        };
        let a = bootstrap_regression(&prepared, &config).unwrap();
        let b = bootstrap_regression(&prepared, &config).unwrap();
        assert_eq!(a, b);
        let mae = &a[0];
        let (lo, hi, est) = (
            mae.lower.value().unwrap(),
            mae.upper.value().unwrap(),
            mae.estimate.value().unwrap(),
        );
        assert!(lo < est && est < hi, "{lo} {est} {hi}");
    }

    #[test]
    fn calibration_error_intervals_bracket_the_estimate() {
        let mut rng = SplitMix64::new(3);
        let p: Vec<f64> = (0..2000).map(|_| rng.next_f64()).collect();
        // Outcomes drawn from p², so the scores are miscalibrated.
        let y: Vec<bool> = p.iter().map(|&p| rng.next_f64() < p * p).collect();
        let ranked = RankedScores::new("p", &p).unwrap();
        let config = BootstrapConfig {
            replicates: 100,
            seed: 8,
            confidence: 0.95,
        };
        for strategy in [BinStrategy::EqualWidth, BinStrategy::EqualMass] {
            let intervals =
                bootstrap_calibration_error(&p, &ranked, |i| y[i], 10, strategy, &config).unwrap();
            assert_eq!(intervals.len(), 2);
            let ece = &intervals[0];
            let (lo, hi, est) = (
                ece.lower.value().unwrap(),
                ece.upper.value().unwrap(),
                ece.estimate.value().unwrap(),
            );
            assert!(lo < est && est < hi, "{strategy:?}: {lo} {est} {hi}");
            assert_eq!(ece.defined_replicates, 100);
        }
    }
}
