//! Fitting standardize (`StandardScaler`) and min_max (`MinMaxScaler`).

use super::FittedStep;
use crate::transform::TransformError;

/// Population mean and standard deviation of `values` (no nulls), summed in row
/// order. A constant column gets a scale of 1, as in scikit-learn.
pub(crate) fn fit_standardize(
    values: &[f64],
    with_mean: bool,
    with_std: bool,
    column: &str,
) -> Result<FittedStep, TransformError> {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    let (min, max) = range(values);
    let std = var.sqrt();
    let scale = if !with_std || min == max || std == 0.0 {
        1.0
    } else {
        std
    };
    let mean = if with_mean { mean } else { 0.0 };
    finite(column, "standardize", "mean", mean)?;
    finite(column, "standardize", "scale", scale)?;
    Ok(FittedStep::Standardize { mean, scale })
}

/// `MinMaxScaler(feature_range=(min, max))`: `scale = (max - min) / (data_max -
/// data_min)` (a zero range counts as 1), `offset = min - data_min * scale`.
pub(crate) fn fit_min_max(
    values: &[f64],
    min: f64,
    max: f64,
    column: &str,
) -> Result<FittedStep, TransformError> {
    let (data_min, data_max) = range(values);
    let data_range = data_max - data_min;
    let data_range = if data_range == 0.0 { 1.0 } else { data_range };
    let scale = (max - min) / data_range;
    let offset = min - data_min * scale;
    finite(column, "min_max", "scale", scale)?;
    finite(column, "min_max", "offset", offset)?;
    Ok(FittedStep::MinMax {
        data_min,
        data_max,
        scale,
        offset,
    })
}

fn range(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (if x < lo { x } else { lo }, if x > hi { x } else { hi })
        })
}

pub(super) fn finite(
    column: &str,
    step: &'static str,
    statistic: &'static str,
    value: f64,
) -> Result<(), TransformError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(TransformError::NonFiniteStatistic {
            column: column.to_owned(),
            step,
            statistic,
            value,
        })
    }
}
