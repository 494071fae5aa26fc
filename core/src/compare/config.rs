//! What a comparison decides, declared before looking: [`CompareConfig`], read from
//! TOML or JSON (`lockstep compare --config`).
//!
//! ```toml
//! positive_label = "1"          # binary tasks; inferred for 0/1, false/true
//! threshold = 0.5               # decision threshold of both models' scores
//!
//! [bootstrap]                   # paired: the same resampled rows for both models
//! replicates = 1000
//! seed = 0
//! confidence = 0.95
//!
//! [[decision]]                  # interval-based, per metric
//! metric = "roc_auc"
//! test = "superiority"          # lower bound of the improvement > margin (default 0)
//! interval = "delong"           # roc_auc only; default "bootstrap"
//!
//! [[decision]]
//! metric = "log_loss"           # lower is better: the improvement is champion − challenger
//! test = "non_inferiority"      # lower bound of the improvement ≥ −margin
//! margin = 0.01
//!
//! [[satisficing]]               # must hold for the challenger (its interval bound)
//! metric = "recall"
//! min = 0.8
//!
//! [[threshold_check]]           # point estimates, as TFMA / MLflow check them
//! metric = "accuracy"
//! lower_bound = 0.8             # TFMA value_threshold.lower_bound, MLflow `threshold`
//! min_absolute_change = 0.0     # MLflow min_absolute_change, TFMA change_threshold.absolute
//! min_relative_change = 0.01    # MLflow min_relative_change, TFMA change_threshold.relative
//! ```
//!
//! Without any `decision`, `satisficing` or `threshold`, the default decision is
//! non-inferiority with margin 0 on the headline metric (`roc_auc` when both
//! models give probabilities, else `accuracy`; `rmse` for regression): the
//! challenger is accepted unless it is shown worse.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::report::config::{BootstrapSettings, SettingsFormat, TaskKind};

/// Superiority or non-inferiority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionTest {
    /// The improvement's lower bound is above `margin` (default 0).
    Superiority,
    /// The improvement's lower bound is at least `−margin`.
    NonInferiority,
}

/// Which interval a decision reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IntervalSource {
    /// The paired percentile bootstrap of the difference.
    #[default]
    Bootstrap,
    /// DeLong's asymptotic interval (`roc_auc` of a binary task only).
    Delong,
}

/// One interval-based decision on a metric's improvement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub metric: String,
    pub test: DecisionTest,
    /// In the metric's units, ≥ 0.
    #[serde(default)]
    pub margin: f64,
    #[serde(default)]
    pub interval: IntervalSource,
}

/// A bound the challenger's own metric must respect, read on its interval: `min`
/// against the lower bound, `max` against the upper bound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Satisficing {
    pub metric: String,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
}

/// Point-estimate checks as TFMA's `MetricThreshold` and MLflow's
/// `MetricThreshold` make them (no interval). See docs/compare.md for the mapping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PointThreshold {
    pub metric: String,
    /// The challenger's value must be ≥ this.
    #[serde(default)]
    pub lower_bound: Option<f64>,
    /// The challenger's value must be ≤ this.
    #[serde(default)]
    pub upper_bound: Option<f64>,
    /// The improvement (challenger − champion, sign-flipped for lower-is-better
    /// metrics) must be ≥ this.
    #[serde(default)]
    pub min_absolute_change: Option<f64>,
    /// The improvement divided by |champion| must be ≥ this.
    #[serde(default)]
    pub min_relative_change: Option<f64>,
}

/// Everything a comparison needs besides the two models' predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareConfig {
    #[serde(default)]
    pub task: Option<TaskKind>,
    #[serde(default)]
    pub positive_label: Option<String>,
    #[serde(default = "default_threshold")]
    pub threshold: f64,
    #[serde(default)]
    pub bootstrap: BootstrapSettings,
    /// Bins of the reliability diagrams behind `ece` / `mce`.
    #[serde(default = "default_bins")]
    pub calibration_bins: usize,
    #[serde(default = "default_true")]
    pub equal_mass_bins: bool,
    #[serde(default, rename = "decision")]
    pub decisions: Vec<Decision>,
    #[serde(default)]
    pub satisficing: Vec<Satisficing>,
    #[serde(default, rename = "threshold_check")]
    pub thresholds: Vec<PointThreshold>,
    /// Most points kept in each ROC curve.
    #[serde(default = "default_max_points")]
    pub max_curve_points: usize,
}

fn default_threshold() -> f64 {
    0.5
}

fn default_bins() -> usize {
    10
}

fn default_true() -> bool {
    true
}

fn default_max_points() -> usize {
    101
}

impl Default for CompareConfig {
    fn default() -> Self {
        Self {
            task: None,
            positive_label: None,
            threshold: default_threshold(),
            bootstrap: BootstrapSettings::default(),
            calibration_bins: default_bins(),
            equal_mass_bins: true,
            decisions: Vec::new(),
            satisficing: Vec::new(),
            thresholds: Vec::new(),
            max_curve_points: default_max_points(),
        }
    }
}

/// Why a compare config could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompareConfigError {
    #[error("the compare config is not valid TOML: {message}")]
    Toml { message: String },
    #[error("the compare config is not valid JSON: {message}")]
    Json { message: String },
}

impl CompareConfig {
    /// Reads a TOML or JSON config; every field is optional.
    pub fn from_settings(text: &str, format: SettingsFormat) -> Result<Self, CompareConfigError> {
        format.read(text).map_err(|message| match format {
            SettingsFormat::Toml => CompareConfigError::Toml { message },
            SettingsFormat::Json => CompareConfigError::Json { message },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_parses() {
        let text = r#"
positive_label = "1"
[bootstrap]
replicates = 200
[[decision]]
metric = "roc_auc"
test = "superiority"
interval = "delong"
[[decision]]
metric = "log_loss"
test = "non_inferiority"
margin = 0.01
[[satisficing]]
metric = "recall"
min = 0.8
[[threshold_check]]
metric = "accuracy"
lower_bound = 0.8
min_relative_change = 0.01
"#;
        let c = CompareConfig::from_settings(text, SettingsFormat::Toml).unwrap();
        assert_eq!(c.bootstrap.replicates, 200);
        assert_eq!(c.bootstrap.confidence, 0.95);
        assert_eq!(c.decisions.len(), 2);
        assert_eq!(c.decisions[0].interval, IntervalSource::Delong);
        assert_eq!(c.decisions[1].margin, 0.01);
        assert_eq!(c.thresholds[0].lower_bound, Some(0.8));
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = CompareConfig::from_settings(
            "[[decision]]\nmetric = \"f1\"\ntest = \"superiority\"\nmargn = 1\n",
            SettingsFormat::Toml,
        )
        .unwrap_err();
        assert!(err.to_string().contains("margn"), "{err}");
    }
}
