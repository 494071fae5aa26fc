//! Platt scaling, fitted like scikit-learn's `_sigmoid_calibration`.
//!
//! Same objective: Platt's smoothed targets `(N₊ + 1)/(N₊ + 2)` and `1/(N₋ + 2)`,
//! `p = 1 / (1 + exp(a·s + b))`, inputs divided by max |s| when it is ≥ 30 (and `a`
//! rescaled back). Minimised with Newton's method and a backtracking (Armijo) line
//! search to a far tighter optimum than scikit-learn's L-BFGS (`gtol = 1e-6`).

use serde::Serialize;

use crate::metrics::EvalError;
use crate::metrics::metric_value::Sum;

/// Platt scaling: `p = 1 / (1 + exp(a·score + b))`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PlattScaling {
    pub a: f64,
    pub b: f64,
    /// Newton iterations used.
    pub iterations: u32,
}

// `libm` rather than std's `exp` / `ln_1p`, which call the platform's math library:
// one implementation gives the same bits on wasm32 and x86_64, so the web app's report
// equals the CLI's.
#[inline]
fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + libm::log1p(libm::exp(-z))
    } else {
        libm::log1p(libm::exp(z))
    }
}

#[inline]
fn sigmoid_neg(z: f64) -> f64 {
    // 1 / (1 + exp(z)), stable for both signs.
    if z >= 0.0 {
        let e = libm::exp(-z);
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + libm::exp(z))
    }
}

impl PlattScaling {
    /// Fits on `scores` with outcomes `is_positive(row)`.
    pub fn fit(scores: &[f64], is_positive: impl Fn(usize) -> bool) -> Result<Self, EvalError> {
        if scores.is_empty() {
            return Err(EvalError::Empty {
                input: "scores",
                what: "Platt scaling",
            });
        }
        if let Some((row, &value)) = scores.iter().enumerate().find(|(_, s)| !s.is_finite()) {
            return Err(EvalError::NonFinite {
                input: "scores",
                row,
                value,
            });
        }
        let max_abs = scores.iter().fold(0.0f64, |m, s| m.max(s.abs()));
        let scale = if max_abs >= 30.0 { max_abs } else { 1.0 };
        let prior1 = (0..scores.len()).filter(|&i| is_positive(i)).count() as f64;
        let prior0 = scores.len() as f64 - prior1;
        let t_pos = (prior1 + 1.0) / (prior1 + 2.0);
        let t_neg = 1.0 / (prior0 + 2.0);
        let target = |i: usize| if is_positive(i) { t_pos } else { t_neg };
        let loss = |a: f64, b: f64| {
            let mut s = Sum::default();
            for (i, &f) in scores.iter().enumerate() {
                let z = a * (f / scale) + b;
                s.add(softplus(z) - (1.0 - target(i)) * z);
            }
            s.value()
        };
        let (mut a, mut b) = (0.0, libm::log((prior0 + 1.0) / (prior1 + 1.0)));
        let mut current = loss(a, b);
        let mut iterations = 0;
        while iterations < 100 {
            iterations += 1;
            let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (
                Sum::default(),
                Sum::default(),
                Sum::default(),
                Sum::default(),
                Sum::default(),
            );
            for (i, &f) in scores.iter().enumerate() {
                let f = f / scale;
                let p = sigmoid_neg(a * f + b);
                let g = target(i) - p;
                let h = p * (1.0 - p);
                ga.add(g * f);
                gb.add(g);
                haa.add(h * f * f);
                hab.add(h * f);
                hbb.add(h);
            }
            let (ga, gb) = (ga.value(), gb.value());
            // A tiny ridge keeps the system solvable when every score is equal.
            let (haa, hab, hbb) = (haa.value() + 1e-12, hab.value(), hbb.value() + 1e-12);
            let det = haa * hbb - hab * hab;
            if det <= 0.0 || !det.is_finite() {
                break;
            }
            let da = -(hbb * ga - hab * gb) / det;
            let db = -(haa * gb - hab * ga) / det;
            let slope = ga * da + gb * db;
            let mut t = 1.0;
            let mut accepted = false;
            while t > 1e-12 {
                let candidate = loss(a + t * da, b + t * db);
                if candidate <= current + 1e-4 * t * slope {
                    a += t * da;
                    b += t * db;
                    current = candidate;
                    accepted = true;
                    break;
                }
                t /= 2.0;
            }
            let converged = (t * da).abs() <= 1e-14 * (1.0 + a.abs())
                && (t * db).abs() <= 1e-14 * (1.0 + b.abs());
            if !accepted || converged {
                break;
            }
        }
        Ok(Self {
            a: a / scale,
            b,
            iterations,
        })
    }

    /// The calibrated probability of `score`.
    pub fn predict(&self, score: f64) -> f64 {
        sigmoid_neg(self.a * score + self.b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platt_is_monotone_and_centred() {
        let scores = [-2.0, -1.0, 0.0, 1.0, 2.0, -0.5, 0.5, 1.5];
        let labels = [0, 0, 1, 1, 1, 0, 0, 1];
        let platt = PlattScaling::fit(&scores, |i| labels[i] == 1).unwrap();
        assert!(platt.a < 0.0, "higher scores must mean higher probability");
        assert!(platt.predict(2.0) > platt.predict(-2.0));
    }

    #[test]
    fn empty_input_is_an_error() {
        assert!(PlattScaling::fit(&[], |_| true).is_err());
    }
}
