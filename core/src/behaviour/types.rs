//! What the behavioural tests found: plain data, part of the evaluation report
//! (`EvalReport::behaviour`, since schema 1.2.0).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::metrics::Metric;

/// Every behavioural test of one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BehaviourReport {
    /// Rows of the data.
    pub rows_total: u64,
    /// Rows the tests ran on: all of them, or `sample_rows` drawn with `seed`.
    pub rows_used: u64,
    /// Whether the rows were sampled.
    pub sampled: bool,
    /// The seed of the row sample and of every random perturbation.
    pub seed: u64,
    /// The engine that ran the model (`core`, `onnxruntime`).
    pub engine: String,
    /// Whether the rows went through a fitted pipeline.
    pub pipeline: bool,
    /// The metric of the perturbation curves: `accuracy` (classification) or `mae`.
    pub metric: String,
    /// Bootstrap replicates of the curves' intervals.
    pub bootstrap_replicates: u32,
    /// Confidence of every interval (bootstrap and Wilson).
    pub confidence: f64,
    pub tests: Vec<BehaviourTest>,
    /// True when every test with a maximum fail rate stays within it.
    pub passed: bool,
    pub notes: Vec<String>,
}

/// The three test types of CheckList (Ribeiro et al., 2020).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BehaviourKind {
    Perturbation,
    Invariance,
    Directional,
}

/// A test's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BehaviourStatus {
    Pass,
    Fail,
    /// No maximum fail rate was declared: reported, not judged.
    NotJudged,
}

/// One test's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BehaviourTest {
    pub name: String,
    pub kind: BehaviourKind,
    /// What was changed and what counts as a failure, in one sentence.
    pub description: String,
    /// The score tolerance.
    pub tolerance: f64,
    /// Rows that could fail.
    pub tested_rows: u64,
    /// Rows that failed.
    pub failed_rows: u64,
    /// Rows left out: where the test cannot fail (a saturated score, a null value to
    /// shift, no other value to swap in).
    pub skipped_rows: u64,
    /// `failed_rows / tested_rows` (0 when no row was tested).
    pub fail_rate: f64,
    /// Wilson interval of the fail rate.
    pub fail_rate_lower: f64,
    pub fail_rate_upper: f64,
    pub max_fail_rate: Option<f64>,
    pub status: BehaviourStatus,
    /// Perturbations: the metric at each level (the first point is the unperturbed data).
    pub curve: Vec<CurvePoint>,
    /// Perturbations: the features, the most influential first.
    pub features: Vec<FeatureImpact>,
    /// The rows whose score moved most (against the expectation, for directional tests).
    pub worst_rows: Vec<WorstRow>,
}

/// One point of a perturbation curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CurvePoint {
    /// Noise: × std; missing: the share of cells set to null; swap: 1.
    pub level: f64,
    pub metric: Metric,
    /// Percentile-bootstrap interval of the metric.
    pub lower: Metric,
    pub upper: Metric,
    /// Share of rows whose prediction changed (label flip or score beyond the tolerance).
    pub changed: f64,
    pub changed_lower: f64,
    pub changed_upper: f64,
}

/// How much perturbing one feature alone moves the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FeatureImpact {
    pub feature: String,
    /// Share of rows whose prediction changed.
    pub changed: f64,
    /// Mean absolute change of the score.
    pub mean_abs_score_change: f64,
    /// The metric with this feature perturbed.
    pub metric: Metric,
}

/// One row that moved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WorstRow {
    /// 1-based row of the data (the header not counted).
    pub row: u64,
    /// The change that moved it most, e.g. `sex: F → M`.
    pub change: String,
    pub score_before: f64,
    pub score_after: f64,
    pub failed: bool,
}
