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
/// Summed downward from the largest term `P[X = k]` (computed in logs with
/// `lgamma`), each next term by the exact ratio `P[X = j − 1] / P[X = j] =
/// j / (n − j + 1)`, until the terms stop changing the sum. The relative error is
/// that of `lgamma` at `n + 1` (about 1e-12 for a million discordant rows).
pub fn binomial_half_cdf(k: u64, n: u64) -> f64 {
    if k >= n {
        return 1.0;
    }
    // Past the middle, use the complement so that the terms decrease.
    if 2 * k >= n {
        return 1.0 - binomial_half_cdf(n - k - 1, n);
    }
    let (kf, nf) = (k as f64, n as f64);
    let log_top = libm::lgamma(nf + 1.0)
        - libm::lgamma(kf + 1.0)
        - libm::lgamma(nf - kf + 1.0)
        - nf * std::f64::consts::LN_2;
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
    libm::exp(log_top + libm::log(sum))
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
