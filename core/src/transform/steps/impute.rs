//! Fitting impute (`SimpleImputer`) for numbers and for categories.

use super::scale::finite;
use crate::transform::TransformError;
use crate::transform::input::{Categories, CategoryOrder};
use crate::transform::spec::{FillValue, ImputeStrategy};

/// The fill value for a numeric chain, from the non-null (non-`NaN`) `values`.
/// `Err(None)` means there are no training values to fit on.
pub(crate) fn fit_number_fill(
    strategy: ImputeStrategy,
    fill_value: Option<&FillValue>,
    values: &[f64],
    column: &str,
) -> Result<f64, TransformError> {
    let mut present: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if strategy != ImputeStrategy::Constant && present.is_empty() {
        return Err(TransformError::NoTrainingValues {
            column: column.to_owned(),
            step: "impute",
        });
    }
    let value = match strategy {
        ImputeStrategy::Mean => present.iter().sum::<f64>() / present.len() as f64,
        ImputeStrategy::Median => {
            present.sort_unstable_by(f64::total_cmp);
            let mid = present.len() / 2;
            if present.len() % 2 == 1 {
                present[mid]
            } else {
                (present[mid - 1] + present[mid]) / 2.0
            }
        }
        ImputeStrategy::MostFrequent => {
            present.sort_unstable_by(f64::total_cmp);
            // The first (smallest) of the longest runs of equal values.
            let mut best = (present[0], 0_usize);
            let mut start = 0;
            for i in 1..=present.len() {
                if i == present.len() || present[i] != present[start] {
                    if i - start > best.1 {
                        best = (present[start], i - start);
                    }
                    start = i;
                }
            }
            best.0
        }
        ImputeStrategy::Constant => match fill_value {
            Some(FillValue::Number(x)) => *x,
            Some(FillValue::Bool(b)) => f64::from(u8::from(*b)),
            // Checked when the spec is validated.
            Some(FillValue::Text(_)) | None => f64::NAN,
        },
    };
    finite(column, "impute", "fill value", value)?;
    Ok(value)
}

/// The fill category for a categorical chain: the most frequent category (ties go
/// to the first in sorted order) or the constant's text.
pub(crate) fn fit_category_fill(
    strategy: ImputeStrategy,
    fill_value: Option<&FillValue>,
    categories: &Categories,
    order: CategoryOrder,
    column: &str,
) -> Result<String, TransformError> {
    match strategy {
        ImputeStrategy::Constant => Ok(match fill_value {
            Some(FillValue::Text(t)) => t.clone(),
            Some(FillValue::Bool(b)) => b.to_string(),
            Some(FillValue::Number(x)) => (*x as i64).to_string(),
            None => String::new(),
        }),
        ImputeStrategy::MostFrequent => {
            let counts = categories.counts();
            let max = counts.iter().copied().max().unwrap_or(0);
            if max == 0 {
                return Err(TransformError::NoTrainingValues {
                    column: column.to_owned(),
                    step: "impute",
                });
            }
            let mut tied: Vec<String> = categories
                .dictionary
                .iter()
                .zip(&counts)
                .filter(|(_, c)| **c == max)
                .map(|(d, _)| d.clone())
                .collect();
            order.sort(&mut tied);
            Ok(tied.swap_remove(0))
        }
        ImputeStrategy::Mean | ImputeStrategy::Median => Err(TransformError::InvalidStep {
            column: column.to_owned(),
            step: 0,
            kind: "impute",
            message: "mean and median need numbers; use most_frequent or constant for categories"
                .to_owned(),
        }),
    }
}
