//! Per-row loss, chosen by the task: log loss for probabilities, 0/1 error for
//! predicted classes, squared error for regression.

use crate::report::classification::ClassData;

/// Probabilities are clipped to [1e-15, 1 − 1e-15], as scikit-learn's `log_loss`.
const EPS: f64 = 1e-15;

/// The classification loss of every row and its name.
pub(crate) fn classification(data: &ClassData) -> (Vec<f64>, &'static str) {
    let n = data.labels.len();
    let binary = data.binary();
    if data.probabilistic {
        let losses = (0..n)
            .map(|r| {
                let y = data.labels[r] as usize;
                let p = if binary {
                    let p = data.columns.first().map_or(0.5, |c| c[r]);
                    if y == 1 { p } else { 1.0 - p }
                } else {
                    data.columns.get(y).map_or(0.0, |c| c[r])
                };
                -p.clamp(EPS, 1.0 - EPS).ln()
            })
            .collect();
        (losses, "log_loss")
    } else {
        let losses = (0..n)
            .map(|r| {
                let predicted = if binary {
                    u32::from(data.columns.first().is_some_and(|c| c[r] >= 0.5))
                } else {
                    data.columns
                        .iter()
                        .position(|c| c[r] >= 0.5)
                        .map_or(u32::MAX, |c| c as u32)
                };
                f64::from(u8::from(predicted != data.labels[r]))
            })
            .collect();
        (losses, "zero_one")
    }
}

/// Squared errors.
pub(crate) fn regression(targets: &[f64], predictions: &[f64]) -> (Vec<f64>, &'static str) {
    (
        targets
            .iter()
            .zip(predictions)
            .map(|(t, p)| (t - p) * (t - p))
            .collect(),
        "squared_error",
    )
}
