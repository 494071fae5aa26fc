//! Reliability-diagram data with equal-width and equal-mass bins, ECE and MCE.
//!
//! Binning is scikit-learn's `calibration_curve`: edges `linspace(0, 1, B + 1)`
//! (equal width) or `percentile(p, linspace(0, 100, B + 1))` with numpy's linear
//! interpolation (equal mass, recomputed from the weighted multiset in a bootstrap
//! replicate); a probability equal to an inner edge falls in the lower bin
//! (`searchsorted(edges[1:-1], p)`, side left).
//!
//! ECE = Σ_b (n_b / n) · |observed_b − mean predicted_b| over non-empty bins;
//! MCE = max_b |observed_b − mean predicted_b| over non-empty bins.

use serde::{Deserialize, Serialize};

use crate::metrics::metric_value::Sum;
use crate::metrics::{EvalError, Metric, RankedScores, Undefined, Weights};

/// How the probability axis is cut into bins.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum BinStrategy {
    /// Bins of equal width on [0, 1] (scikit-learn's `strategy="uniform"`).
    #[default]
    EqualWidth,
    /// Bins holding equal numbers of rows, cut at the quantiles of the probabilities
    /// (`strategy="quantile"`).
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
    let bin_of = |p: f64| match strategy {
        BinStrategy::EqualWidth => equal_width_bin(inner, bins, p),
        BinStrategy::EqualMass => inner.partition_point(|&e| e < p),
    };
    let mut count = vec![0u64; bins];
    let mut positive = vec![0u64; bins];
    let mut predicted = vec![Sum::default(); bins];
    for (row, &p) in probabilities.iter().enumerate() {
        // Branch-free: a row with count 0 (a third of a bootstrap's, at random) adds 0.
        let w = weights.get(row);
        let b = bin_of(p);
        count[b] += w;
        predicted[b].add(w as f64 * p);
        // Branch-free: the outcome is as good as random.
        positive[b] += w * u64::from(is_positive(row));
    }
    let predicted: Vec<f64> = predicted.into_iter().map(Sum::value).collect();
    Ok(diagram_from_bins(
        strategy, &edges, &count, &positive, &predicted,
    ))
}

/// The diagram, ECE and MCE from each bin's (weighted) row count, positive count and
/// sum of predicted probabilities; `edges` has one more entry than the bins.
/// [`reliability_diagram`] and the score-ordered bootstrap pass
/// ([`crate::metrics::score_ordered`]) both end here.
pub(crate) fn diagram_from_bins(
    strategy: BinStrategy,
    edges: &[f64],
    count: &[u64],
    positive: &[u64],
    predicted: &[f64],
) -> ReliabilityDiagram {
    let bins = count.len();
    let total: u64 = count.iter().sum();
    let mut ece = Sum::default();
    let mut mce: Option<f64> = None;
    let bins_out = (0..bins)
        .map(|b| {
            let n = count[b] as f64;
            let mean_predicted = Metric::ratio(predicted[b], n, Undefined::EmptyInput);
            let observed_frequency = Metric::ratio(positive[b] as f64, n, Undefined::EmptyInput);
            if let (Some(o), Some(m)) = (observed_frequency.value(), mean_predicted.value()) {
                let gap = (o - m).abs();
                ece.add(n / total as f64 * gap);
                mce = Some(mce.map_or(gap, |x: f64| x.max(gap)));
            }
            ReliabilityBin {
                lower: edges.get(b).copied().unwrap_or(0.0),
                upper: edges.get(b + 1).copied().unwrap_or(1.0),
                count: count[b],
                mean_predicted,
                observed_frequency,
            }
        })
        .collect();
    let empty = Metric::Undefined(Undefined::EmptyInput);
    ReliabilityDiagram {
        strategy,
        bins: bins_out,
        expected_calibration_error: if total == 0 {
            empty
        } else {
            Metric::Value(ece.value())
        },
        maximum_calibration_error: mce.map_or(empty, Metric::Value),
    }
}

/// `inner.partition_point(|&e| e < p)` for the equal-width edges `i / bins`: the bin
/// is read from `p · bins` and moved at most a step to agree with the edges exactly
/// (a value equal to an edge belongs to the lower bin), without a binary search's
/// unpredictable branches.
#[inline]
pub(crate) fn equal_width_bin(inner: &[f64], bins: usize, p: f64) -> usize {
    let mut b = ((p * bins as f64).ceil() as usize)
        .saturating_sub(1)
        .min(inner.len());
    while b > 0 && inner.get(b - 1).is_some_and(|&e| e >= p) {
        b -= 1;
    }
    while inner.get(b).is_some_and(|&e| e < p) {
        b += 1;
    }
    b
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
pub(crate) fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let d = b - a;
    if t >= 0.5 {
        b - d * (1.0 - t)
    } else {
        a + d * t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn equal_width_bins_agree_with_the_binary_search() {
        for bins in [1, 3, 7, 10, 13, 100] {
            let step = 1.0 / bins as f64;
            let edges: Vec<f64> = (0..=bins)
                .map(|i| if i == bins { 1.0 } else { i as f64 * step })
                .collect();
            let inner = &edges[1..bins];
            let mut probes = vec![0.0, 1.0, f64::MIN_POSITIVE, 1.0 - f64::EPSILON];
            for &e in inner {
                probes.extend([e, e.next_down(), e.next_up()]);
            }
            probes.extend((0..1000).map(|i| f64::from(i) / 999.0));
            for p in probes {
                assert_eq!(
                    equal_width_bin(inner, bins, p),
                    inner.partition_point(|&e| e < p),
                    "{bins} bins, p = {p:e}"
                );
            }
        }
    }

    #[test]
    fn an_edge_value_falls_in_the_lower_bin() {
        let p = [0.5, 0.5, 0.75];
        let ranked = RankedScores::new("p", &p).unwrap();
        let d = reliability_diagram(
            &p,
            &ranked,
            |i| i == 2,
            2,
            BinStrategy::EqualWidth,
            Weights::Unit,
        )
        .unwrap();
        assert_eq!(d.bins[0].count, 2);
        assert_eq!(d.bins[1].count, 1);
        // |0 − 0.5|·2/3 + |1 − 0.75|·1/3
        assert_eq!(
            d.expected_calibration_error,
            Metric::Value(0.5 * 2.0 / 3.0 + 0.25 / 3.0)
        );
        assert_eq!(d.maximum_calibration_error, Metric::Value(0.5));
    }
}
