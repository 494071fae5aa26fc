//! McNemar's exact test on the rows where exactly one of two classifiers is right.
//!
//! As statsmodels' `mcnemar(table, exact=True)` (its default): with `b` rows only the
//! champion gets right and `c` rows only the challenger gets right, the statistic is
//! `min(b, c)` and the two-sided p-value `min(1, 2 · P[X ≤ min(b, c)])` for
//! `X ~ Binomial(b + c, 1/2)`. Rows both get right or both get wrong carry no
//! information about which is better and do not enter the test.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The 2×2 table of correct / wrong and the exact test on its discordant cells.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct McNemar {
    pub both_correct: u64,
    /// `b`: the champion is right, the challenger wrong.
    pub champion_only_correct: u64,
    /// `c`: the challenger is right, the champion wrong.
    pub challenger_only_correct: u64,
    pub both_wrong: u64,
    /// `min(b, c)`, statsmodels' `statistic` for the exact test.
    pub statistic: u64,
    /// Two-sided exact p-value.
    pub p_value: f64,
}

/// McNemar's exact test of `champion_correct[r]` against `challenger_correct[r]`
/// (equal lengths; extra rows of the longer one are ignored).
pub fn mcnemar_exact(
    champion_correct: impl IntoIterator<Item = bool>,
    challenger_correct: impl IntoIterator<Item = bool>,
) -> McNemar {
    let mut cells = [0u64; 4];
    for (a, b) in champion_correct.into_iter().zip(challenger_correct) {
        cells[usize::from(a) * 2 + usize::from(b)] += 1;
    }
    let [
        both_wrong,
        challenger_only_correct,
        champion_only_correct,
        both_correct,
    ] = cells;
    let statistic = champion_only_correct.min(challenger_only_correct);
    let n = champion_only_correct + challenger_only_correct;
    McNemar {
        both_correct,
        champion_only_correct,
        challenger_only_correct,
        both_wrong,
        statistic,
        p_value: (2.0 * binomial_half_cdf(statistic, n)).min(1.0),
    }
}

/// `P[X ≤ k]` for `X ~ Binomial(n, 1/2)`.
///
/// Summed downward from the largest term `P[X = k]`, each next term by the exact
/// ratio `P[X = j − 1] / P[X = j] = j / (n − j + 1)`, until the terms stop changing
/// the sum. The largest term comes from Loader's saddle-point expansion (as R's and
/// scipy's binomial densities compute it): accurate to a few ulps for any `n`, where
/// `lgamma(n + 1)` differences would lose digits as `n` grows.
pub fn binomial_half_cdf(k: u64, n: u64) -> f64 {
    if k >= n {
        return 1.0;
    }
    // Past the middle, use the complement so that the terms decrease.
    if 2 * k >= n {
        return 1.0 - binomial_half_cdf(n - k - 1, n);
    }
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut j = k;
    while j > 0 {
        term *= j as f64 / (n - j + 1) as f64;
        let before = sum;
        sum += term;
        if sum == before {
            break;
        }
        j -= 1;
    }
    libm::exp(log_binomial_half_pmf(k, n) + libm::log(sum))
}

/// `ln P[X = k]` for `X ~ Binomial(n, 1/2)`, `k ≤ n` (Loader 2000, "Fast and accurate
/// computation of binomial probabilities").
fn log_binomial_half_pmf(k: u64, n: u64) -> f64 {
    let ln2 = std::f64::consts::LN_2;
    if k == 0 || k == n {
        return -(n as f64) * ln2;
    }
    let (x, nf) = (k as f64, n as f64);
    let half = nf / 2.0;
    let lc = stirling_error(nf)
        - stirling_error(x)
        - stirling_error(nf - x)
        - deviance_term(x, half)
        - deviance_term(nf - x, half);
    let lf = libm::log(2.0 * std::f64::consts::PI) + libm::log(x) + libm::log1p(-x / nf);
    lc - 0.5 * lf
}

/// `ln(n!) − ln(√(2πn) (n/e)ⁿ)` for an integer `n ≥ 1`.
fn stirling_error(n: f64) -> f64 {
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    if n <= 15.0 {
        // Small values: lgamma is exact to an ulp of a small number here.
        return libm::lgamma(n + 1.0) - (n + 0.5) * libm::log(n) + n
            - 0.5 * libm::log(2.0 * std::f64::consts::PI);
    }
    let nn = n * n;
    if n > 500.0 {
        (S0 - S1 / nn) / n
    } else if n > 80.0 {
        (S0 - (S1 - S2 / nn) / nn) / n
    } else if n > 35.0 {
        (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n
    } else {
        (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n
    }
}

/// `x ln(x / m) + m − x`, without cancellation when `x` is close to `m`.
fn deviance_term(x: f64, m: f64) -> f64 {
    if (x - m).abs() < 0.1 * (x + m) {
        let mut v = (x - m) / (x + m);
        let mut s = (x - m) * v;
        let mut ej = 2.0 * x * v;
        v *= v;
        for j in 1..1000 {
            ej *= v;
            let next = s + ej / f64::from(2 * j + 1);
            if next == s {
                return next;
            }
            s = next;
        }
        s
    } else {
        x * libm::log(x / m) + m - x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_cdf_is_exact() {
        // Binomial(4, 1/2): 1, 4, 6, 4, 1 over 16.
        assert!((binomial_half_cdf(0, 4) - 1.0 / 16.0).abs() < 1e-15);
        assert!((binomial_half_cdf(1, 4) - 5.0 / 16.0).abs() < 1e-15);
        assert!((binomial_half_cdf(2, 4) - 11.0 / 16.0).abs() < 1e-15);
        assert_eq!(binomial_half_cdf(4, 4), 1.0);
        assert_eq!(binomial_half_cdf(0, 0), 1.0);
    }

    #[test]
    fn no_discordant_rows_gives_p_one() {
        let t = mcnemar_exact([true, false], [true, false]);
        assert_eq!((t.both_correct, t.both_wrong, t.statistic), (1, 1, 0));
        assert_eq!(t.p_value, 1.0);
    }

    #[test]
    fn counts_the_cells() {
        let champion = [true, true, false, false, true];
        let challenger = [true, false, true, true, false];
        let t = mcnemar_exact(champion, challenger);
        assert_eq!(t.champion_only_correct, 2);
        assert_eq!(t.challenger_only_correct, 2);
        assert_eq!(t.both_correct, 1);
        assert_eq!(t.p_value, 1.0);
    }
}
