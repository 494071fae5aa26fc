//! `post_transform` of the ai.onnx.ml classifiers and regressors, written to match
//! ONNX Runtime's float formulas (ml_common.h). `exp` and `log` come from the `libm`
//! crate, not the platform's C library, so that wasm32 and native give the same bits
//! (`core/tests/onnx_wasm.rs`); the same holds for the Sigmoid, Tanh and Softmax ops.

use crate::onnx::error::OpError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PostTransform {
    None,
    Logistic,
    Softmax,
    SoftmaxZero,
    Probit,
}

impl PostTransform {
    pub(crate) fn parse(s: &str) -> Result<Self, OpError> {
        Ok(match s {
            "NONE" => Self::None,
            "LOGISTIC" => Self::Logistic,
            "SOFTMAX" => Self::Softmax,
            "SOFTMAX_ZERO" => Self::SoftmaxZero,
            "PROBIT" => Self::Probit,
            other => {
                return Err(OpError::bad_attr(
                    "post_transform",
                    format!(
                        "`{other}` is not one of NONE, LOGISTIC, SOFTMAX, SOFTMAX_ZERO, PROBIT"
                    ),
                ));
            }
        })
    }

    /// Applies the transform to one row of scores (two or more values).
    pub(crate) fn apply_row(self, row: &mut [f32]) {
        match self {
            Self::None => {}
            Self::Logistic => row.iter_mut().for_each(|v| *v = logistic(*v)),
            Self::Softmax => softmax(row),
            Self::SoftmaxZero => softmax_zero(row),
            Self::Probit => row.iter_mut().for_each(|v| *v = probit(*v)),
        }
    }
}

/// `1 / (1 + e^-|x|)`, mirrored for negative x (ONNX Runtime's `ComputeLogistic`).
pub(crate) fn logistic(x: f32) -> f32 {
    let v = 1.0 / (1.0 + libm::expf(-x.abs()));
    if x < 0.0 { 1.0 - v } else { v }
}

/// Softmax with the maximum subtracted first.
pub(crate) fn softmax(row: &mut [f32]) {
    let max = row.iter().copied().fold(-f32::MAX, f32::max);
    let mut sum = 0.0f32;
    for v in row.iter_mut() {
        *v = libm::expf(*v - max);
        sum += *v;
    }
    for v in row.iter_mut() {
        *v /= sum;
    }
}

/// Softmax that leaves (near-)zero scores at zero weight, as ONNX Runtime's
/// `ComputeSoftmaxZero`.
pub(crate) fn softmax_zero(row: &mut [f32]) {
    let max = row.iter().copied().fold(-f32::MAX, f32::max);
    let exp_neg_max = libm::expf(-max);
    let mut sum = 0.0f32;
    for v in row.iter_mut() {
        if *v > 0.000_000_1 || *v < -0.000_000_1 {
            *v = libm::expf(*v - max);
            sum += *v;
        } else {
            *v *= exp_neg_max;
        }
    }
    for v in row.iter_mut() {
        *v /= sum;
    }
}

/// Inverse error function approximation used by ONNX Runtime (Winitzki, a = 0.147).
fn erf_inv(x: f32) -> f32 {
    let sgn = if x < 0.0 { -1.0f32 } else { 1.0 };
    let x = (1.0 - x) * (1.0 + x);
    let log = libm::logf(x);
    let v = 2.0 / (std::f32::consts::PI * 0.147) + 0.5 * log;
    let v2 = 1.0 / 0.147 * log;
    let v3 = -v + (v * v - v2).sqrt();
    sgn * v3.sqrt()
}

/// `sqrt(2) * erfinv(2x - 1)`: the probit of a probability.
pub(crate) fn probit(x: f32) -> f32 {
    std::f32::consts::SQRT_2 * erf_inv(2.0 * x - 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logistic_is_symmetric_and_bounded() {
        assert_eq!(logistic(0.0), 0.5);
        assert!((logistic(2.0) + logistic(-2.0) - 1.0).abs() < 1e-7);
        assert_eq!(logistic(200.0), 1.0);
        assert_eq!(logistic(-200.0), 0.0);
    }

    #[test]
    fn softmax_sums_to_one_and_survives_large_scores() {
        let mut row = [1000.0f32, 1001.0, 999.0];
        softmax(&mut row);
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(row[1] > row[0] && row[0] > row[2]);
    }

    #[test]
    fn probit_of_half_is_zero_and_monotone() {
        assert!(probit(0.5).abs() < 1e-6);
        assert!(probit(0.9) > probit(0.6));
        assert!((probit(0.975) - 1.96).abs() < 0.01);
    }
}
