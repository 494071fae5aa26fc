//! DeLong's test for the difference of two correlated ROC-AUCs (DeLong, DeLong &
//! Clarke-Pearson, 1988), computed with the O(n log n) algorithm of Sun & Xu (2014).
//!
//! Sun & Xu read every structural component from midranks: with `m` positives and
//! `n` negatives, a positive row's component is `V10 = (T_z − T_x) / n` and a negative
//! row's `V01 = 1 − (T_z − T_y) / m`, where `T_z` is the row's midrank among all rows,
//! `T_x` among the positives and `T_y` among the negatives. Those differences are
//! counts a walk of the ranking already has: `T_z − T_x` is the number of negatives
//! scored below the positive plus half of those tied with it, and `m − (T_z − T_y)`
//! the number of positives scored above the negative plus half the tied ones. So the
//! components come from one pass over the sort [`RankedScores`] already holds (the
//! one the metrics used), group by group of tied scores: O(n) after the sort.
//!
//! The AUC is the mean of `V10`; the variance of the difference (challenger −
//! champion) is `var(V10ᵇ − V10ᵃ) / m + var(V01ᵇ − V01ᵃ) / n` with sample variances
//! (`ddof = 1`, numpy's `cov`); `z = Δ / se`, the two-sided p-value `2·P[Z > |z|]`,
//! and the interval `Δ ± Φ⁻¹((1 + confidence) / 2) · se`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::metrics::normal::{normal_quantile, normal_sf};
use crate::metrics::{RankedScores, Undefined};

/// DeLong's test of challenger − champion ROC-AUC.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeLong {
    pub positives: u64,
    pub negatives: u64,
    pub champion_auc: f64,
    pub challenger_auc: f64,
    /// Challenger − champion.
    pub difference: f64,
    /// Standard error of the difference.
    pub std_error: f64,
    /// `difference / std_error`; `None` when the standard error is 0 (then the
    /// p-value is 1 for a zero difference and 0 otherwise).
    pub z: Option<f64>,
    /// Two-sided p-value.
    pub p_value: f64,
    pub confidence: f64,
    pub lower: f64,
    pub upper: f64,
}

/// Per-row structural components of one ranking: `V10` for positive rows, `V01`
/// for negative rows (see the module docs).
pub fn components(
    ranked: &RankedScores,
    is_positive: impl Fn(usize) -> bool,
    positives: u64,
    negatives: u64,
) -> Vec<f64> {
    let mut out = vec![0.0; ranked.len()];
    let order = ranked.order();
    let (m, n) = (positives as f64, negatives as f64);
    let (mut pos_above, mut neg_above) = (0u64, 0u64);
    let mut start = 0usize;
    for &end in ranked.group_ends() {
        let group = order.get(start..end as usize).unwrap_or(&[]);
        let pos_here = group.iter().filter(|&&r| is_positive(r as usize)).count() as u64;
        let neg_here = group.len() as u64 - pos_here;
        let neg_below = negatives.saturating_sub(neg_above + neg_here);
        let v10 = (neg_below as f64 + 0.5 * neg_here as f64) / n;
        let v01 = (pos_above as f64 + 0.5 * pos_here as f64) / m;
        for &r in group {
            let r = r as usize;
            if let Some(slot) = out.get_mut(r) {
                *slot = if is_positive(r) { v10 } else { v01 };
            }
        }
        pos_above += pos_here;
        neg_above += neg_here;
        start = end as usize;
    }
    out
}

/// Sample variance (`ddof = 1`) of `values`, two passes (mean, then squares).
fn variance(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let (mut count, mut sum) = (0u64, 0.0);
    for v in values.clone() {
        count += 1;
        sum += v;
    }
    let mean = sum / count as f64;
    let squares: f64 = values.map(|v| (v - mean) * (v - mean)).sum();
    squares / (count as f64 - 1.0)
}

/// DeLong's test on two rankings of the same rows. Undefined without two positives
/// and two negatives (the sample variances need them).
pub fn delong(
    champion: &RankedScores,
    challenger: &RankedScores,
    is_positive: impl Fn(usize) -> bool + Copy,
    confidence: f64,
) -> Result<DeLong, Undefined> {
    let rows = champion.len().min(challenger.len());
    let positives = (0..rows).filter(|&r| is_positive(r)).count() as u64;
    let negatives = rows as u64 - positives;
    if rows == 0 {
        return Err(Undefined::EmptyInput);
    }
    if positives < 2 {
        return Err(Undefined::NoActualPositive { class: 1 });
    }
    if negatives < 2 {
        return Err(Undefined::SingleClass);
    }
    let a = components(champion, is_positive, positives, negatives);
    let b = components(challenger, is_positive, positives, negatives);
    let mean_over_positives = |v: &[f64]| {
        (0..rows)
            .filter(|&r| is_positive(r))
            .map(|r| v[r])
            .sum::<f64>()
            / positives as f64
    };
    let champion_auc = mean_over_positives(&a);
    let challenger_auc = mean_over_positives(&b);
    let diff_where = |want: bool| {
        (0..rows)
            .filter(move |&r| is_positive(r) == want)
            .map(|r| b[r] - a[r])
    };
    let var10 = variance(diff_where(true));
    let var01 = variance(diff_where(false));
    let variance = (var10 / positives as f64 + var01 / negatives as f64).max(0.0);
    let std_error = libm::sqrt(variance);
    let difference = challenger_auc - champion_auc;
    let (z, p_value) = if std_error > 0.0 {
        let z = difference / std_error;
        (Some(z), (2.0 * normal_sf(z.abs())).min(1.0))
    } else {
        (None, if difference == 0.0 { 1.0 } else { 0.0 })
    };
    let q = normal_quantile(0.5 + confidence / 2.0);
    Ok(DeLong {
        positives,
        negatives,
        champion_auc,
        challenger_auc,
        difference,
        std_error,
        z,
        p_value,
        confidence,
        lower: difference - q * std_error,
        upper: difference + q * std_error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_average_to_the_auc_with_ties() {
        let scores = [0.9, 0.8, 0.8, 0.3, 0.3, 0.1];
        let labels = [true, true, false, true, false, false];
        let ranked = RankedScores::new("s", &scores).unwrap();
        let v = components(&ranked, |r| labels[r], 3, 3);
        let auc: f64 = (0..6).filter(|&r| labels[r]).map(|r| v[r]).sum::<f64>() / 3.0;
        let expected = ranked
            .areas(|r| labels[r], crate::metrics::Weights::Unit, 1)
            .roc_auc
            .value()
            .unwrap();
        assert!((auc - expected).abs() < 1e-15, "{auc} {expected}");
        // The mean of V01 is the AUC too.
        let auc01: f64 = (0..6).filter(|&r| !labels[r]).map(|r| v[r]).sum::<f64>() / 3.0;
        assert!((auc01 - expected).abs() < 1e-15);
    }

    #[test]
    fn the_same_ranking_has_no_difference() {
        let scores = [0.9, 0.7, 0.4, 0.2, 0.6];
        let labels = [true, false, true, false, true];
        let ranked = RankedScores::new("s", &scores).unwrap();
        let t = delong(&ranked, &ranked, |r| labels[r], 0.95).unwrap();
        assert_eq!((t.difference, t.std_error, t.p_value), (0.0, 0.0, 1.0));
        assert_eq!(t.z, None);
    }

    #[test]
    fn needs_two_of_each_class() {
        let ranked = RankedScores::new("s", &[0.1, 0.2, 0.3]).unwrap();
        let labels = [true, false, false];
        assert_eq!(
            delong(&ranked, &ranked, |r| labels[r], 0.95),
            Err(Undefined::NoActualPositive { class: 1 })
        );
    }
}
