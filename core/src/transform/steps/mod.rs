//! Fitted steps: the statistics each spec step learned from the training table, and
//! how they are applied. One family per file; numeric steps work in place on `f64`
//! values where `NaN` marks a null, encoders map categories to feature columns.

mod bucketize;
mod elementwise;
mod hashing;
mod impute;
mod one_hot;
mod ordinal;
mod scale;

use serde::{Deserialize, Serialize};

pub(crate) use bucketize::{check_boundaries, quantile_inner_edges};
pub(crate) use hashing::hash_index_sign;
pub use hashing::murmurhash3_x86_32;
pub(crate) use impute::{fit_category_fill, fit_number_fill};
pub(crate) use one_hot::{fit_one_hot, one_hot_lookup};
pub(crate) use ordinal::fit_ordinal;
pub(crate) use scale::{fit_min_max, fit_standardize};

use super::TransformError;
use super::spec::{HandleUnknown, ImputeStrategy};

/// A step with its fitted statistics. Serialized inside a
/// [`FittedPipeline`](super::FittedPipeline).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case", deny_unknown_fields)]
pub enum FittedStep {
    /// Nulls become `value`.
    ImputeNumber {
        strategy: ImputeStrategy,
        value: f64,
    },
    /// Null categories become `value`.
    ImputeCategory {
        strategy: ImputeStrategy,
        value: String,
    },
    /// `(x - mean) / scale`.
    Standardize { mean: f64, scale: f64 },
    /// `x * scale + offset`, with `scale = (max - min) / (data_max - data_min)` and
    /// `offset = min - data_min * scale`.
    MinMax {
        data_min: f64,
        data_max: f64,
        scale: f64,
        offset: f64,
    },
    /// `ln(1 + x)`.
    Log1p,
    /// `min(max(x, min), max)`.
    Clip { min: Option<f64>, max: Option<f64> },
    /// The number of `inner_edges` that are `<= x`.
    Bucketize { inner_edges: Vec<f64> },
    /// One feature per entry of `categories` (sorted), then one for `infrequent`
    /// when it is not empty.
    OneHot {
        categories: Vec<String>,
        infrequent: Vec<String>,
        handle_unknown: HandleUnknown,
    },
    /// The category's index in `categories` (sorted), or `unknown_value`.
    Ordinal {
        categories: Vec<String>,
        unknown_value: f64,
    },
    /// Signed feature hashing into `n_features` features.
    Hash {
        n_features: u32,
        alternate_sign: bool,
    },
    /// The value unchanged.
    Passthrough,
}

impl FittedStep {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::ImputeNumber { .. } | Self::ImputeCategory { .. } => "impute",
            Self::Standardize { .. } => "standardize",
            Self::MinMax { .. } => "min_max",
            Self::Log1p => "log1p",
            Self::Clip { .. } => "clip",
            Self::Bucketize { .. } => "bucketize",
            Self::OneHot { .. } => "one_hot",
            Self::Ordinal { .. } => "ordinal",
            Self::Hash { .. } => "hash",
            Self::Passthrough => "passthrough",
        }
    }

    /// Checks the invariants `fit` guarantees, for a pipeline read from JSON: every
    /// statistic finite, scales non-zero, edges increasing, hash widths in range.
    pub(crate) fn check(&self) -> Result<(), String> {
        let finite = |name: &str, x: f64| {
            if x.is_finite() {
                Ok(())
            } else {
                Err(format!("{name} is {x}"))
            }
        };
        match self {
            Self::ImputeNumber { value, .. } => finite("the fill value", *value),
            Self::Standardize { mean, scale }
            | Self::MinMax {
                scale,
                offset: mean,
                ..
            } => {
                finite("the mean or offset", *mean)?;
                finite("the scale", *scale)?;
                if *scale == 0.0 {
                    return Err("the scale is 0".to_owned());
                }
                Ok(())
            }
            Self::Clip { min, max } => {
                min.map_or(Ok(()), |m| finite("min", m))?;
                max.map_or(Ok(()), |m| finite("max", m))
            }
            Self::Bucketize { inner_edges } => {
                if inner_edges.is_empty() {
                    Ok(())
                } else {
                    bucketize::check_boundaries(inner_edges)
                }
            }
            Self::Ordinal { unknown_value, .. } => finite("unknown_value", *unknown_value),
            Self::Hash { n_features, .. } => {
                if (1..=crate::transform::MAX_HASH_FEATURES).contains(n_features) {
                    Ok(())
                } else {
                    Err(format!("n_features is {n_features}"))
                }
            }
            Self::ImputeCategory { .. } | Self::Log1p | Self::OneHot { .. } | Self::Passthrough => {
                Ok(())
            }
        }
    }

    /// How many output features an encoder step produces (numeric steps: 1).
    pub fn width(&self) -> usize {
        match self {
            Self::OneHot {
                categories,
                infrequent,
                ..
            } => categories.len() + usize::from(!infrequent.is_empty()),
            Self::Hash { n_features, .. } => *n_features as usize,
            _ => 1,
        }
    }

    /// Applies a numeric step in place. `values` are one column's values, `NaN` for
    /// null; every step but impute rejects a null, naming the row.
    pub(crate) fn apply_numeric(
        &self,
        values: &mut [f64],
        column: &str,
    ) -> Result<(), TransformError> {
        let kind = self.kind();
        if let Self::ImputeNumber { value, .. } = self {
            for x in values.iter_mut() {
                if x.is_nan() {
                    *x = *value;
                }
            }
            return Ok(());
        }
        if let Some(row) = values.iter().position(|x| x.is_nan()) {
            return Err(TransformError::NullValue {
                column: column.to_owned(),
                row: row + 1,
                step: kind,
            });
        }
        match self {
            Self::Standardize { mean, scale } => {
                for x in values.iter_mut() {
                    *x = (*x - mean) / scale;
                }
            }
            Self::MinMax { scale, offset, .. } => {
                for x in values.iter_mut() {
                    *x = *x * scale + offset;
                }
            }
            Self::Log1p => elementwise::log1p(values, column)?,
            Self::Clip { min, max } => elementwise::clip(values, *min, *max),
            Self::Bucketize { inner_edges } => {
                for x in values.iter_mut() {
                    *x = bucketize::bin_index(inner_edges, *x) as f64;
                }
            }
            Self::Passthrough => {}
            Self::ImputeNumber { .. }
            | Self::ImputeCategory { .. }
            | Self::OneHot { .. }
            | Self::Ordinal { .. }
            | Self::Hash { .. } => {
                return Err(TransformError::FittedJson {
                    message: format!("`{column}`: step `{kind}` is not a numeric step"),
                });
            }
        }
        Ok(())
    }
}
