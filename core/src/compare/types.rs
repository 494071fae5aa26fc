//! The comparison report: plain data, serialisable to JSON and described by the
//! JSON Schema at `docs/schema/compare-report.schema.json`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::config::{DecisionTest, IntervalSource};
use super::delong::DeLong;
use super::mcnemar::McNemar;
use crate::metrics::Metric;
use crate::report::config::TaskKind;
use crate::report::fingerprint::Fingerprints;
use crate::report::types::{BootstrapSummary, CurveReport, PredictionKind};

/// The comparison report format's version. Bump the major part when a field changes
/// meaning or disappears, the minor part when one is added.
pub const COMPARE_SCHEMA_VERSION: &str = "1.2.0";

/// Champion against challenger on the same rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ComparisonReport {
    /// [`COMPARE_SCHEMA_VERSION`] of the code that wrote the report.
    pub schema_version: String,
    pub task: TaskKind,
    pub rows: u64,
    pub label_column: String,
    /// Class names (classification; binary: the positive class last).
    pub classes: Vec<String>,
    pub positive_label: Option<String>,
    /// The decision threshold of binary scores.
    pub threshold: Option<f64>,
    pub champion: ModelSide,
    pub challenger: ModelSide,
    /// Paired: every replicate resamples the same rows for both models.
    pub bootstrap: BootstrapSummary,
    /// Every metric both models have, with the difference challenger − champion.
    pub metrics: Vec<MetricComparison>,
    /// McNemar's exact test on the rows where exactly one model is right
    /// (classification).
    pub mcnemar: Option<McNemar>,
    /// DeLong's test of the ROC-AUC difference (binary, both with probabilities).
    pub delong: Option<DeLong>,
    /// Multiclass, both with probabilities: DeLong's test of each class's one-vs-rest
    /// ROC-AUC difference (since 1.2.0).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delong_per_class: Vec<ClassDeLong>,
    /// Both models' ROC curves (binary, both with probabilities).
    pub roc: Option<RocPair>,
    /// Every declared check, in the order declared (decisions, satisficing, point
    /// thresholds).
    pub checks: Vec<CheckResult>,
    pub verdict: Verdict,
    pub data_sha256: Option<String>,
    /// Anything a reader must know: parts that were skipped and why.
    pub notes: Vec<String>,
    /// The comparison within each slice, when slices were given (since 1.1.0).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slices: Vec<SliceComparison>,
    /// Simpson's paradox between the two models over the slices file's strata, one
    /// check per metric (binary classification, when slices are given; since 1.2.0).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub simpson: Vec<MetricSimpson>,
}

/// DeLong's test of one class against the rest (multiclass).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClassDeLong {
    pub class: String,
    #[serde(flatten)]
    pub test: DeLong,
}

/// Simpson's paradox for one metric: whether the model that wins overall loses in
/// every stratum of a partition, or why that cannot happen for this metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MetricSimpson {
    pub metric: crate::slices::simpson::CompareMetric,
    pub check: crate::slices::simpson::SimpsonCheck,
}

/// Champion against challenger on one slice's rows: every metric's difference with its
/// paired interval (the same resampled rows for both), and McNemar's test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SliceComparison {
    pub name: String,
    /// The rule that selects its rows.
    pub rule: String,
    pub rows: u64,
    /// Its rows' share of all rows.
    pub share: f64,
    pub metrics: Vec<MetricComparison>,
    pub mcnemar: Option<McNemar>,
    /// Why a part is missing (e.g. a slice with one class has no ROC-AUC).
    pub notes: Vec<String>,
}

/// One of the two models and where its predictions came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ModelSide {
    /// `champion` or `challenger`, or the model file's name.
    pub name: String,
    pub prediction_kind: PredictionKind,
    pub prediction_columns: Vec<String>,
    /// The model's and pipeline's fingerprints (`data_sha256` is the report's).
    pub fingerprints: Fingerprints,
    /// Measured when the model ran here.
    pub latency_ms_per_row: Option<f64>,
}

/// A point estimate and its paired-bootstrap percentile interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Estimate {
    pub estimate: Metric,
    pub lower: Metric,
    pub upper: Metric,
}

/// One metric of both models and their difference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MetricComparison {
    pub name: String,
    pub higher_is_better: bool,
    pub champion: Estimate,
    pub challenger: Estimate,
    /// Challenger − champion (whatever the metric's direction).
    pub difference: Estimate,
    /// Replicates in which the difference was defined (the interval uses only these).
    pub defined_replicates: u32,
    pub undefined_replicates: u32,
}

/// Both models' thinned ROC curves (areas of the full curves).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RocPair {
    pub champion: CurveReport,
    pub challenger: CurveReport,
}

/// What a check is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    Superiority,
    NonInferiority,
    Satisficing,
    /// A point-estimate threshold (TFMA / MLflow style).
    PointThreshold,
}

impl From<DecisionTest> for CheckKind {
    fn from(test: DecisionTest) -> Self {
        match test {
            DecisionTest::Superiority => Self::Superiority,
            DecisionTest::NonInferiority => Self::NonInferiority,
        }
    }
}

/// One declared check and its outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CheckResult {
    pub kind: CheckKind,
    pub metric: String,
    /// The interval the check read (decisions only).
    pub interval: Option<IntervalSource>,
    pub passed: bool,
    /// Whether the check comes from the default (no check was declared).
    pub default: bool,
    /// One sentence with the numbers compared.
    pub reason: String,
}

/// Accept the challenger or not, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Verdict {
    pub accepted: bool,
    pub summary: String,
}
