//! The standard normal distribution's tail and quantile, and the Wilson score interval
//! of a proportion built on them: one copy for every module that needs them (the
//! comparison's DeLong test, the behavioural tests' fail rates, the error analysis'
//! tag shares). In `libm`, so that wasm32 and x86_64 agree bit for bit.

/// `P[Z > z]` for a standard normal `Z`.
pub fn normal_sf(z: f64) -> f64 {
    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
}

/// The `p`-quantile of the standard normal (`p` in (0, 1); ±∞ at 0 and 1, NaN
/// outside). Acklam's rational approximation (relative error 1.15e-9) refined by
/// one Halley step on `erfc`, which brings it to a few ulps.
pub fn normal_quantile(p: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.02425;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let x = if p < LOW {
        tail(libm::sqrt(-2.0 * libm::log(p)))
    } else if p > 1.0 - LOW {
        -tail(libm::sqrt(-2.0 * libm::log(1.0 - p)))
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    // Halley's step on F(x) − p, F(x) = erfc(−x/√2)/2.
    let e = 0.5 * libm::erfc(-x / std::f64::consts::SQRT_2) - p;
    let u = e * libm::sqrt(2.0 * std::f64::consts::PI) * libm::exp(x * x / 2.0);
    x - u / (1.0 + x * u / 2.0)
}

/// The two-sided Wilson score interval (Wilson 1927) of `successes` out of `n` at
/// `confidence` (e.g. 0.95), as statsmodels' `proportion_confint(count, nobs, alpha,
/// method="wilson")` computes it. `n = 0` gives `(0, 1)`: nothing is known.
pub fn wilson_interval(successes: u64, n: u64, confidence: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let z = normal_quantile(1.0 - (1.0 - confidence) / 2.0);
    let n = n as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    // At the edges the bound is exactly 0 (no success) or 1 (all), not a rounding of it.
    let lower = if successes == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let upper = if successes as f64 >= n {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    (lower, upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_scipy() {
        // scipy.stats.norm.ppf
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-14);
        assert!((normal_quantile(0.95) - 1.644_853_626_951_472_2).abs() < 1e-14);
        assert!((normal_quantile(0.005) + 2.575_829_303_548_900_4).abs() < 1e-13);
        assert_eq!(normal_quantile(0.5), 0.0);
        assert!(normal_quantile(1.5).is_nan());
    }

    #[test]
    fn tail_matches_scipy() {
        // scipy.stats.norm.sf(1.96) = 0.024997895148220435
        assert!((normal_sf(1.96) - 0.024_997_895_148_220_435).abs() < 1e-16);
        assert_eq!(normal_sf(0.0), 0.5);
    }

    #[test]
    fn edges_stay_within_zero_and_one() {
        assert_eq!(wilson_interval(0, 0, 0.95), (0.0, 1.0));
        let (lo, hi) = wilson_interval(0, 10, 0.95);
        assert_eq!(lo, 0.0);
        assert!(hi > 0.0 && hi < 0.35);
        let (lo, hi) = wilson_interval(10, 10, 0.95);
        assert!(lo > 0.65 && hi == 1.0);
    }
}
