//! Fitting ordinal encode (`OrdinalEncoder`).

use super::FittedStep;
use crate::transform::input::{Categories, CategoryOrder};

/// The sorted distinct training categories (no nulls by now).
pub(crate) fn fit_ordinal(
    categories: &Categories,
    order: CategoryOrder,
    unknown_value: f64,
) -> FittedStep {
    let counts = categories.counts();
    let mut seen: Vec<String> = categories
        .dictionary
        .iter()
        .zip(&counts)
        .filter(|(_, c)| **c > 0)
        .map(|(d, _)| d.clone())
        .collect();
    order.sort(&mut seen);
    FittedStep::Ordinal {
        categories: seen,
        unknown_value,
    }
}
