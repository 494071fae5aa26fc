//! The metric names a report uses and a contract may name, with their direction.
//!
//! Binary tasks report `precision`, `recall` and `f1` of the positive class;
//! multiclass tasks report their macro and weighted averages. `ece` and `mce` are
//! the expected and maximum calibration errors of the reliability diagram with
//! equal-width bins (binary: of the positive-class probability; multiclass: of the
//! top-label confidence); `ece_equal_mass` and `mce_equal_mass` are the same over
//! equal-mass bins (quantiles of the probabilities).

/// Classification metric names.
pub const CLASSIFICATION_METRICS: &[&str] = &[
    "accuracy",
    "balanced_accuracy",
    "precision",
    "recall",
    "f1",
    "precision_macro",
    "recall_macro",
    "f1_macro",
    "precision_weighted",
    "recall_weighted",
    "f1_weighted",
    "roc_auc",
    "roc_auc_weighted",
    "average_precision",
    "average_precision_weighted",
    "log_loss",
    "brier_score",
    "ece",
    "mce",
    "ece_equal_mass",
    "mce_equal_mass",
];

/// Regression metric names.
pub const REGRESSION_METRICS: &[&str] = &["mae", "rmse", "r2", "mape", "median_absolute_error"];

/// Facts the caller measures and supplies (never computed from the table).
pub const FACT_METRICS: &[&str] = &["latency_ms_per_row", "model_size_mb"];

const LOWER_IS_BETTER: &[&str] = &[
    "log_loss",
    "brier_score",
    "ece",
    "mce",
    "ece_equal_mass",
    "mce_equal_mass",
    "mae",
    "rmse",
    "mape",
    "median_absolute_error",
    "latency_ms_per_row",
    "model_size_mb",
];

/// Every name a contract may use, in a stable order.
pub fn all_known() -> impl Iterator<Item = &'static str> {
    CLASSIFICATION_METRICS
        .iter()
        .chain(REGRESSION_METRICS)
        .chain(FACT_METRICS)
        .copied()
}

pub fn is_known(name: &str) -> bool {
    all_known().any(|k| k == name)
}

/// Whether a higher value of `name` is better.
pub fn higher_is_better(name: &str) -> bool {
    !LOWER_IS_BETTER.contains(&name)
}
