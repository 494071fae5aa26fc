//! The finder's statistics: Welch's t-test (one-sided: is the slice's loss higher
//! than the rest's?), Student's t distribution through the regularized incomplete
//! beta function, Benjamini–Hochberg, and the effect size.

use super::bitset::Moments;

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7, 9 terms; ~15 significant digits).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The continued fraction of the incomplete beta function (modified Lentz).
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=300 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// The regularized incomplete beta function `I_x(a, b)`.
pub fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

/// `P(T > t)` for Student's t with `df` degrees of freedom.
pub fn t_upper_tail(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if t.is_infinite() {
        return if t > 0.0 { 0.0 } else { 1.0 };
    }
    let tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t));
    if t > 0.0 { tail } else { 1.0 - tail }
}

/// Welch's t-test of a slice's loss against the rest's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Welch {
    pub t: f64,
    pub df: f64,
    /// One-sided: the chance of a t this large if the slice's mean loss were not higher.
    pub p_value: f64,
}

/// Welch's test of `slice` against `rest`, one-sided (slice higher). `None` when either
/// side has fewer than two rows; a zero variance on both sides gives p = 0 when the
/// slice's mean is higher, else 1.
pub fn welch(slice: &Moments, rest: &Moments) -> Option<Welch> {
    if slice.count < 2 || rest.count < 2 {
        return None;
    }
    let (n1, n2) = (slice.count as f64, rest.count as f64);
    let (v1, v2) = (slice.variance() / n1, rest.variance() / n2);
    let diff = slice.mean() - rest.mean();
    let se2 = v1 + v2;
    if se2 <= 0.0 {
        let p = if diff > 0.0 { 0.0 } else { 1.0 };
        let t = if diff > 0.0 {
            f64::INFINITY
        } else if diff < 0.0 {
            f64::NEG_INFINITY
        } else {
            0.0
        };
        return Some(Welch {
            t,
            df: n1 + n2 - 2.0,
            p_value: p,
        });
    }
    let t = diff / se2.sqrt();
    let df = se2 * se2 / (v1 * v1 / (n1 - 1.0) + v2 * v2 / (n2 - 1.0));
    Some(Welch {
        t,
        df,
        p_value: t_upper_tail(t, df),
    })
}

/// The effect size of Slice Finder (Chung et al., ICDE 2019): the difference of the
/// mean losses over `sqrt((s₁² + s₂²) / 2)`; 0 when both variances are 0.
pub fn effect_size(slice: &Moments, rest: &Moments) -> f64 {
    let scale = ((slice.variance() + rest.variance()) / 2.0).sqrt();
    let diff = slice.mean() - rest.mean();
    if scale > 0.0 {
        diff / scale
    } else if diff == 0.0 {
        0.0
    } else {
        diff.signum() * f64::INFINITY
    }
}

/// Benjamini–Hochberg at level `q`: which of `p_values` are discoveries. Missing
/// p-values (`NaN`) count among the tests and are never discoveries.
pub fn benjamini_hochberg(p_values: &[f64], q: f64) -> Vec<bool> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (p_values[a], p_values[b]);
        pa.partial_cmp(&pb)
            .unwrap_or_else(|| pa.is_nan().cmp(&pb.is_nan()))
            .then(a.cmp(&b))
    });
    let mut cutoff = 0;
    for (rank, &i) in order.iter().enumerate() {
        let p = p_values[i];
        if p <= q * (rank + 1) as f64 / m as f64 {
            cutoff = rank + 1;
        }
    }
    let mut out = vec![false; m];
    for &i in &order[..cutoff] {
        out[i] = true;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_tail_matches_closed_forms() {
        // df = 1 is Cauchy: P(T > t) = 1/2 − atan(t)/π.
        for t in [-3.0_f64, -0.5, 0.0, 0.7, 2.0, 10.0] {
            let expected = 0.5 - f64::atan(t) / std::f64::consts::PI;
            assert!((t_upper_tail(t, 1.0) - expected).abs() < 1e-12, "t = {t}");
        }
        // df = 2: P(T > t) = 1/2 − t / (2 sqrt(2 + t²)).
        for t in [-1.0_f64, 0.3, 4.0] {
            let expected = 0.5 - t / (2.0 * (2.0 + t * t).sqrt());
            assert!((t_upper_tail(t, 2.0) - expected).abs() < 1e-12, "t = {t}");
        }
    }

    #[test]
    fn benjamini_hochberg_step_up() {
        // m = 5, q = 0.05: thresholds 0.01, 0.02, 0.03, 0.04, 0.05. The largest rank
        // under its threshold is 3 (0.029 ≤ 0.03), so the three smallest are found even
        // though 0.021 > 0.02.
        let p = [0.029, 0.5, 0.001, 0.021, 0.2];
        assert_eq!(
            benjamini_hochberg(&p, 0.05),
            [true, false, true, true, false]
        );
        assert_eq!(benjamini_hochberg(&[f64::NAN, 0.9], 0.05), [false, false]);
    }
}
