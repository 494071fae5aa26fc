//! Seeded bootstrap confidence intervals for every metric.
//!
//! Method: the non-parametric percentile bootstrap (Efron & Tibshirani 1993, §13.3).
//! A replicate is represented as a count per row ([`Weights::Counts`]), so it is one
//! more pass over the already-sorted rows, never a copy or a re-sort. Two resampling
//! schemes ([`BootstrapMethod`]):
//!
//! * **Poisson** (the default; TFMA's and Hanley & MacGibbon's "Poisson bootstrap",
//!   Chamandy et al. 2012): row `i`'s count is an independent Poisson(1) draw, made in
//!   row order from one uniform per row ([`poisson1`]: the inverse CDF on a table of 20
//!   64-bit thresholds). Counts are written sequentially, with no scattered writes, and
//!   the resample size varies around `n` (every metric here is a weighted mean or
//!   ratio, so it is defined for any total). As `n` grows it is the same bootstrap as
//!   the multinomial one (the counts of `n` draws with replacement are
//!   Multinomial(n, 1/n), whose margins tend to Poisson(1)).
//! * **Multinomial** (the classic one): `n` uniform draws of a row index with
//!   replacement (Lemire's unbiased bounded draw, 2019), one scattered increment each.
//!
//! A metric's interval is `[q(α/2), q(1 − α/2)]` of its replicate values,
//! `α = 1 − confidence`, with numpy's default ("linear") percentile interpolation.
//! Replicates in which the metric is undefined (e.g. a resample with no positive row
//! for ROC-AUC) are left out and counted in [`Interval::undefined_replicates`]: the
//! interval is conditional on the metric being defined.
//!
//! Randomness: [`SplitMix64`] (Steele, Lea & Flood 2014), implemented here so the
//! same seed gives the same intervals on every platform (wasm32 and x86_64).
//! Replicate `r` draws from its own stream seeded by [`replicate_seed`], so replicates
//! run in any order: [`bootstrap_parallel`] spreads them over threads natively (one
//! counts buffer per thread) with results identical to [`bootstrap`]'s whatever the
//! thread count. The unit of that split is a [`ReplicateRange`] (a contiguous range of
//! replicates and their values, [`replicate_range`]), merged in order by
//! [`intervals_from_ranges`]: threads compute ranges natively, and the page's engine
//! workers compute ranges of the report's headline bootstrap
//! (`report::ReplicateJob`), with the same intervals bit for bit. `scripts/fixtures/gen_eval_metrics.py` re-implements both schemes in
//! Python and scores each resample with scikit-learn.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
        self.state = self.state.wrapping_add(SPLITMIX64_GAMMA);
        mix64(self.state)
    }

    /// Moves the stream `n` outputs ahead, as `n` calls of [`Self::next_u64`] would.
    #[inline]
    pub fn skip(&mut self, n: u64) {
        self.state = self.state.wrapping_add(n.wrapping_mul(SPLITMIX64_GAMMA));
    }

    /// Output `index` (0-based) of the stream seeded with `seed`, without the ones
    /// before it: the state is a Weyl sequence, `seed + (index + 1)·γ`.
    #[inline]
    pub fn at(seed: u64, index: u64) -> u64 {
        mix64(seed.wrapping_add(index.wrapping_add(1).wrapping_mul(SPLITMIX64_GAMMA)))
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

/// SplitMix64's increment γ (the golden ratio in 64-bit fixed point).
const SPLITMIX64_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's finaliser (a bijective 64-bit mixer).
#[inline]
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// How a replicate's row counts are drawn (see the module docs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BootstrapMethod {
    /// Each row's count is an independent Poisson(1) draw, in row order.
    #[default]
    Poisson,
    /// `n` draws of a row index with replacement (counts ~ Multinomial(n, 1/n)).
    Multinomial,
}

impl BootstrapMethod {
    /// The name used in settings and reports (`poisson`, `multinomial`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Poisson => "poisson",
            Self::Multinomial => "multinomial",
        }
    }
}

/// `POISSON1_CDF[k] = ⌊2⁶⁴ · P(X ≤ k)⌋` for `X ~ Poisson(1)`, `k = 0..20` (computed
/// with 80-digit decimal arithmetic; the fixture script recomputes them). A draw is
/// the number of thresholds at or below one uniform `u64`, so counts above 20 (total
/// probability below 2⁻⁶²) are never drawn.
pub const POISSON1_CDF: [u64; 20] = [
    0x5e2d_58d8_b3bc_df1a,
    0xbc5a_b1b1_6779_be35,
    0xeb71_5e1d_c158_2dc2,
    0xfb23_9797_34a2_52f1,
    0xff10_25f5_9174_dc3d,
    0xffd9_0f3b_a405_5e19,
    0xfffa_8b71_fc72_c913,
    0xffff_540c_0914_b3c9,
    0xffff_ed1f_4aa8_f120,
    0xffff_fe21_6e64_1462,
    0xffff_ffd4_d85d_3183,
    0xffff_fffc_6da2_62b4,
    0xffff_ffff_ba12_d178,
    0xffff_ffff_fb07_c64c,
    0xffff_ffff_ffab_8ea5,
    0xffff_ffff_fffa_be22,
    0xffff_ffff_ffff_b11a,
    0xffff_ffff_ffff_fba1,
    0xffff_ffff_ffff_ffc5,
    0xffff_ffff_ffff_fffd,
];

/// A Poisson(1) draw from one uniform `u64` (inverse CDF on [`POISSON1_CDF`]).
/// Branch-free for counts up to 3 (98.1 % of draws); larger ones walk the table.
#[inline]
pub fn poisson1(u: u64) -> u32 {
    let t = &POISSON1_CDF;
    let small = u32::from(u >= t[0]) + u32::from(u >= t[1]) + u32::from(u >= t[2]);
    if u < t[3] {
        return small;
    }
    3 + t[3..].iter().take_while(|&&x| u >= x).count() as u32
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

/// Bootstraps any statistic of `rows` rows with the default method
/// ([`BootstrapMethod::Poisson`]). `statistic` is called once with
/// [`Weights::Unit`] for the estimate (which also fixes the metric names, in
/// order) and once per replicate with the resample's counts. Sequential; see
/// [`bootstrap_parallel`] for the same intervals computed on several threads.
pub fn bootstrap<F>(
    rows: usize,
    config: &BootstrapConfig,
    statistic: F,
) -> Result<Vec<Interval>, EvalError>
where
    F: FnMut(Weights<'_>) -> Vec<(String, Metric)>,
{
    bootstrap_with(rows, config, BootstrapMethod::Poisson, statistic)
}

/// [`bootstrap`] with an explicit resampling method.
pub fn bootstrap_with<F>(
    rows: usize,
    config: &BootstrapConfig,
    method: BootstrapMethod,
    mut statistic: F,
) -> Result<Vec<Interval>, EvalError>
where
    F: FnMut(Weights<'_>) -> Vec<(String, Metric)>,
{
    check_config(config)?;
    let estimate = statistic(Weights::Unit);
    let mut samples = Samples::new(estimate.len(), config.replicates);
    let mut counts = vec![0u32; rows];
    for replicate in 0..config.replicates {
        replicate_counts(method, config.seed, replicate, &mut counts);
        samples.push(&statistic(Weights::Counts(&counts)));
    }
    Ok(samples.intervals(estimate, config))
}

/// The threads [`bootstrap_parallel`] uses by default: the machine's available
/// parallelism natively, 1 on wasm32.
pub fn default_threads() -> usize {
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    }
    #[cfg(target_arch = "wasm32")]
    {
        1
    }
}

/// [`bootstrap_with`] with the replicates spread over up to `threads` threads
/// (natively; wasm32 runs them in turn). Each replicate draws from its own stream and
/// the values are gathered in replicate order, so the intervals are identical to
/// [`bootstrap_with`]'s for any thread count.
pub fn bootstrap_parallel<F>(
    rows: usize,
    config: &BootstrapConfig,
    method: BootstrapMethod,
    threads: usize,
    statistic: F,
) -> Result<Vec<Interval>, EvalError>
where
    F: Fn(Weights<'_>) -> Vec<(String, Metric)> + Sync,
{
    let threads = threads.clamp(1, config.replicates.max(1) as usize);
    if threads == 1 || cfg!(target_arch = "wasm32") {
        return bootstrap_with(rows, config, method, statistic);
    }
    check_config(config)?;
    let estimate = statistic(Weights::Unit);
    bootstrap_replicates(config, threads, estimate, |replicate, counts| {
        counts.resize(rows, 0);
        replicate_counts(method, config.seed, replicate, counts);
        statistic(Weights::Counts(counts))
    })
}

/// The percentile intervals of `estimate`'s metrics from `config.replicates`
/// replicates, `replicate(r, scratch)` computing replicate `r`'s values (with a
/// per-thread scratch buffer for its counts), spread over up to `threads` threads
/// natively (in turn on wasm32) and gathered in replicate order, so the intervals do
/// not depend on the thread count. For a statistic that draws its own resample, as
/// the score-ordered pass does ([`super::score_ordered::Draw::Poisson`]);
/// [`bootstrap_parallel`] is this with the counts drawn first.
pub fn bootstrap_replicates<F>(
    config: &BootstrapConfig,
    threads: usize,
    estimate: Vec<(String, Metric)>,
    replicate: F,
) -> Result<Vec<Interval>, EvalError>
where
    F: Fn(u32, &mut Vec<u32>) -> Vec<(String, Metric)> + Sync,
{
    check_config(config)?;
    let width = estimate.len();
    let threads = if cfg!(target_arch = "wasm32") {
        1
    } else {
        threads.clamp(1, config.replicates.max(1) as usize)
    };
    // Thread `t` computes the `t`-th contiguous range of replicates.
    let ranges = replicate_ranges(config.replicates, threads);
    let run = |range: std::ops::Range<u32>| replicate_range(range, width, &replicate);
    let parts: Vec<ReplicateRange> = if ranges.len() <= 1 {
        ranges.into_iter().map(run).collect()
    } else {
        std::thread::scope(|scope| {
            let run = &run;
            let mut ranges = ranges.into_iter();
            let first = ranges.next().unwrap_or(0..0);
            let handles: Vec<_> = ranges.map(|r| scope.spawn(move || run(r))).collect();
            let mut parts = vec![run(first)];
            // A panicking statistic panics here too, as it would sequentially.
            parts.extend(handles.into_iter().map(|h| match h.join() {
                Ok(part) => part,
                Err(payload) => std::panic::resume_unwind(payload),
            }));
            parts
        })
    };
    intervals_from_ranges(config, estimate, &parts)
}

/// The values of a contiguous range of bootstrap replicates: what one thread or one
/// Web Worker computes ([`replicate_range`]) and [`intervals_from_ranges`] merges.
/// Replicate `first + j`'s values are `values[j]`, one entry per metric of the
/// estimate (`None`: undefined in that replicate; a shorter row: the missing metrics
/// were not returned).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplicateRange {
    pub first: u32,
    pub values: Vec<Vec<Option<f64>>>,
}

/// `0..replicates` cut into at most `parts` contiguous, non-empty ranges of nearly
/// equal length, in order (none when `replicates` is 0).
pub fn replicate_ranges(replicates: u32, parts: usize) -> Vec<std::ops::Range<u32>> {
    let parts = (parts.max(1) as u64).min(u64::from(replicates).max(1));
    let per = u64::from(replicates).div_ceil(parts);
    (0..parts)
        .map(|p| {
            let start = (p * per).min(u64::from(replicates)) as u32;
            let end = ((p + 1) * per).min(u64::from(replicates)) as u32;
            start..end
        })
        .filter(|r| !r.is_empty())
        .collect()
}

/// Replicates `range` of a bootstrap, `replicate(r, scratch)` computing replicate
/// `r`'s values (`scratch`: a buffer for its counts), each cut to the estimate's
/// `width` metrics. Every replicate draws from its own stream ([`replicate_seed`]), so
/// the values do not depend on which thread or worker computes the range.
pub fn replicate_range<F>(range: std::ops::Range<u32>, width: usize, replicate: F) -> ReplicateRange
where
    F: Fn(u32, &mut Vec<u32>) -> Vec<(String, Metric)>,
{
    let mut counts = Vec::new();
    ReplicateRange {
        first: range.start,
        values: range
            .map(|r| {
                replicate(r, &mut counts)
                    .iter()
                    .take(width)
                    .map(|(_, m)| m.value())
                    .collect()
            })
            .collect(),
    }
}

/// The percentile intervals of `estimate`'s metrics from replicate ranges that
/// together are `0..config.replicates`, in order (as [`replicate_ranges`] cuts them):
/// the same intervals as one sequential run. Ranges that leave a gap, overlap or stop
/// short are an [`EvalError::InvalidParameter`] naming the first replicate out of place.
pub fn intervals_from_ranges(
    config: &BootstrapConfig,
    estimate: Vec<(String, Metric)>,
    ranges: &[ReplicateRange],
) -> Result<Vec<Interval>, EvalError> {
    check_config(config)?;
    let mut samples = Samples::new(estimate.len(), config.replicates);
    let mut next = 0u64;
    for range in ranges {
        if u64::from(range.first) != next {
            return Err(EvalError::InvalidParameter {
                parameter: "replicate range start",
                value: f64::from(range.first),
                expected: "the replicate after the previous range's last (ranges in order, from 0, without gaps or overlaps)",
            });
        }
        for values in &range.values {
            samples.push_values(values);
        }
        next += range.values.len() as u64;
    }
    if next != u64::from(config.replicates) {
        return Err(EvalError::InvalidParameter {
            parameter: "replicates in the ranges",
            value: next as f64,
            expected: "exactly the configured number of replicates",
        });
    }
    Ok(samples.intervals(estimate, config))
}

fn check_config(config: &BootstrapConfig) -> Result<(), EvalError> {
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
    Ok(())
}

/// Each metric's defined replicate values and its count of undefined ones.
struct Samples {
    values: Vec<Vec<f64>>,
    undefined: Vec<u32>,
}

impl Samples {
    fn new(width: usize, replicates: u32) -> Self {
        Self {
            values: vec![Vec::with_capacity(replicates as usize); width],
            undefined: vec![0; width],
        }
    }

    fn push(&mut self, values: &[(String, Metric)]) {
        let values: Vec<Option<f64>> = values.iter().map(|(_, m)| m.value()).collect();
        self.push_values(&values);
    }

    /// A replicate shorter than the estimate leaves its missing metrics uncounted.
    fn push_values(&mut self, values: &[Option<f64>]) {
        for ((value, samples), undefined) in
            values.iter().zip(&mut self.values).zip(&mut self.undefined)
        {
            match value {
                Some(v) => samples.push(*v),
                None => *undefined += 1,
            }
        }
    }

    fn intervals(self, estimate: Vec<(String, Metric)>, config: &BootstrapConfig) -> Vec<Interval> {
        let alpha = 1.0 - config.confidence;
        estimate
            .into_iter()
            .zip(self.values)
            .zip(self.undefined)
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
            .collect()
    }
}

/// The seed of replicate `replicate`'s own stream: `mix64(seed ^ mix64(replicate + 1))`.
pub fn replicate_seed(seed: u64, replicate: u32) -> u64 {
    mix64(seed ^ mix64(u64::from(replicate) + 1))
}

/// Fills `counts` (one entry per row) with replicate `replicate`'s counts by `method`.
pub fn replicate_counts(method: BootstrapMethod, seed: u64, replicate: u32, counts: &mut [u32]) {
    match method {
        BootstrapMethod::Poisson => poisson_counts(seed, replicate, counts),
        BootstrapMethod::Multinomial => resample_counts(seed, replicate, counts),
    }
}

/// Fills `counts` with replicate `replicate`'s Poisson(1) counts: row `i` takes
/// `poisson1` of the `i`-th output of `SplitMix64::new(replicate_seed(seed, replicate))`.
pub fn poisson_counts(seed: u64, replicate: u32, counts: &mut [u32]) {
    let mut rng = SplitMix64::new(replicate_seed(seed, replicate));
    for c in counts.iter_mut() {
        *c = poisson1(rng.next_u64());
    }
}

/// Fills `counts` (one entry per row, `counts.len()` rows) with the multiplicities
/// of multinomial replicate `replicate`: `n` draws of `below(n)` from
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

/// `labels` and `scores` with the rows in `ranked`'s order (descending score, ties in
/// row order): the order in which the report's bootstrap of a binary score column
/// numbers its rows, so that each replicate reads every array front to back.
/// (`ranked` must be the sort of `scores`; `labels` as long.)
pub fn descending_score_order<T: Copy>(
    labels: &[T],
    scores: &[f64],
    ranked: &RankedScores,
) -> (Vec<T>, Vec<f64>) {
    ranked
        .order()
        .iter()
        .filter_map(|&row| Some((*labels.get(row as usize)?, *scores.get(row as usize)?)))
        .unzip()
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

/// Intervals for ECE and MCE (Poisson bootstrap, on [`default_threads`]). Equal-mass bin edges are recomputed in every
/// replicate (from the resample's quantiles), as a fresh evaluation would.
pub fn bootstrap_calibration_error(
    probabilities: &[f64],
    ranked: &RankedScores,
    is_positive: impl Fn(usize) -> bool + Sync,
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
    let method = BootstrapMethod::Poisson;
    bootstrap_parallel(
        probabilities.len(),
        config,
        method,
        default_threads(),
        |w| {
            reliability_diagram(probabilities, ranked, &is_positive, bins, strategy, w)
                .map_or_else(|_| Vec::new(), |d| d.named_values())
        },
    )
}

/// Intervals for every classification metric (Poisson bootstrap, on [`default_threads`]).
pub fn bootstrap_classification(
    prepared: &PreparedClassification<'_>,
    config: &BootstrapConfig,
) -> Result<Vec<Interval>, EvalError> {
    let method = BootstrapMethod::Poisson;
    bootstrap_parallel(prepared.rows(), config, method, default_threads(), |w| {
        prepared.metrics(w).named_values()
    })
}

/// Intervals for every regression metric (Poisson bootstrap, on [`default_threads`]).
pub fn bootstrap_regression(
    prepared: &PreparedRegression<'_>,
    config: &BootstrapConfig,
) -> Result<Vec<Interval>, EvalError> {
    let method = BootstrapMethod::Poisson;
    bootstrap_parallel(prepared.rows(), config, method, default_threads(), |w| {
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
    fn poisson_draws_have_poisson_1_frequencies() {
        let mut counts = vec![0u32; 200_000];
        poisson_counts(9, 0, &mut counts);
        let n = counts.len() as f64;
        let mean = counts.iter().map(|&c| f64::from(c)).sum::<f64>() / n;
        let var = counts
            .iter()
            .map(|&c| (f64::from(c) - mean).powi(2))
            .sum::<f64>()
            / n;
        let zeros = counts.iter().filter(|&&c| c == 0).count() as f64 / n;
        let twos = counts.iter().filter(|&&c| c == 2).count() as f64 / n;
        // Standard errors at n = 200k are about 0.0022 (mean, var) and 0.0011 (shares).
        assert!((mean - 1.0).abs() < 0.01, "{mean}");
        assert!((var - 1.0).abs() < 0.015, "{var}");
        assert!((zeros - (-1.0f64).exp()).abs() < 0.005, "{zeros}");
        assert!((twos - (-1.0f64).exp() / 2.0).abs() < 0.005, "{twos}");
        // The inverse CDF at the table's edges.
        assert_eq!(poisson1(0), 0);
        assert_eq!(poisson1(POISSON1_CDF[0] - 1), 0);
        assert_eq!(poisson1(POISSON1_CDF[0]), 1);
        assert_eq!(poisson1(POISSON1_CDF[3]), 4);
        assert_eq!(poisson1(POISSON1_CDF[7] - 1), 7);
        assert_eq!(poisson1(u64::MAX), 20);
    }

    #[test]
    fn threads_do_not_change_the_intervals() {
        let y: Vec<f64> = (0..300).map(|i| f64::from(i % 23)).collect();
        let p: Vec<f64> = (0..300).map(|i| f64::from(i % 19)).collect();
        let prepared = PreparedRegression::new(&y, &p).unwrap();
        let config = BootstrapConfig {
            replicates: 37,
            seed: 4,
            confidence: 0.9,
        };
        for method in [BootstrapMethod::Poisson, BootstrapMethod::Multinomial] {
            let statistic = |w: Weights<'_>| prepared.metrics(w).named_values();
            let one = bootstrap_with(y.len(), &config, method, statistic).unwrap();
            for threads in [2, 3, 8, 100] {
                let many = bootstrap_parallel(y.len(), &config, method, threads, statistic);
                assert_eq!(many.unwrap(), one, "{method:?} on {threads} threads");
            }
        }
        let poisson = bootstrap(y.len(), &config, |w| prepared.metrics(w).named_values());
        let multinomial = bootstrap_with(y.len(), &config, BootstrapMethod::Multinomial, |w| {
            prepared.metrics(w).named_values()
        });
        assert_ne!(poisson.unwrap(), multinomial.unwrap());
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
