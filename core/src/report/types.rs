//! The evaluation report: plain data, serialisable to JSON and described by the
//! JSON Schema at `docs/schema/eval-report.schema.json`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::config::{MeasuredFacts, TaskKind};
use super::contract::ContractResult;
use super::fingerprint::Fingerprints;
use crate::metrics::Metric;
use crate::metrics::bootstrap::BootstrapMethod;
use crate::metrics::calibration::BinStrategy;

/// The report format's version. Bump the major part when a field changes meaning
/// or disappears, the minor part when one is added.
pub const SCHEMA_VERSION: &str = "1.3.0";

/// Everything one evaluation found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EvalReport {
    /// [`SCHEMA_VERSION`] of the code that wrote the report.
    pub schema_version: String,
    pub task: TaskKind,
    pub rows: u64,
    pub inputs: ReportInputs,
    pub bootstrap: BootstrapSummary,
    /// Headline metrics, each with its interval and its baselines.
    pub metrics: Vec<MetricRow>,
    /// The baselines that were computed, with what each one is.
    pub baselines: Vec<BaselineInfo>,
    pub confusion: Option<ConfusionReport>,
    /// Classification: one-vs-rest metrics of every class.
    pub per_class: Vec<ClassReport>,
    /// Reliability of the model's probabilities on all rows, equal-width bins.
    pub reliability: Option<ReliabilityReport>,
    /// The same with equal-mass bins (quantiles of the probabilities), unless the
    /// config turns it off. Since 1.1.0.
    #[serde(default)]
    pub reliability_equal_mass: Option<ReliabilityReport>,
    /// Recalibrators fitted on the eyeball part, reported on the blackbox part.
    pub calibration: Option<CalibrationReport>,
    pub roc: Option<CurveReport>,
    pub pr: Option<CurveReport>,
    pub threshold_sweep: Option<SweepReport>,
    /// The thresholds that reach the requested precision / coverage.
    pub threshold_targets: Vec<ThresholdChoice>,
    pub split: SplitCounts,
    pub contract: Option<ContractResult>,
    pub facts: MeasuredFacts,
    pub fingerprints: Fingerprints,
    /// Anything a reader must know: parts that were skipped and why.
    pub notes: Vec<String>,
    /// Named slices' metrics and the slice finder's results, when asked for
    /// (`--slices`). Since 1.2.0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slices: Option<crate::slices::SlicesReport>,
    /// Behavioural tests of the model (`lockstep eval --behaviour`), when they ran.
    /// Since 1.2.0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behaviour: Option<crate::behaviour::BehaviourReport>,
}

impl EvalReport {
    /// The verdict `lockstep eval` exits with: the contract holds (or none was given)
    /// and no behavioural test exceeds its maximum fail rate.
    pub fn passed(&self) -> bool {
        self.contract.as_ref().is_none_or(|c| c.passed)
            && self.behaviour.as_ref().is_none_or(|b| b.passed)
    }
}

/// The columns and choices the evaluation used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReportInputs {
    pub label_column: String,
    pub prediction_kind: PredictionKind,
    pub prediction_columns: Vec<String>,
    /// Class names, class `c` is `classes[c]` (binary: the positive class last).
    pub classes: Vec<String>,
    pub positive_label: Option<String>,
    /// The decision threshold of a binary score.
    pub threshold: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PredictionKind {
    /// Predicted classes (classification) or values (regression).
    Labels,
    /// One positive-class probability column (binary).
    Score,
    /// One probability column per class.
    Probabilities,
}

/// How the intervals were made.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BootstrapSummary {
    pub replicates: u32,
    pub seed: u64,
    pub confidence: f64,
    /// How the replicates were drawn: `poisson` or `multinomial`. Since 1.2.0;
    /// reports before it used `multinomial`.
    #[serde(default = "multinomial")]
    pub method: BootstrapMethod,
}

fn multinomial() -> BootstrapMethod {
    BootstrapMethod::Multinomial
}

/// A metric's point estimate, percentile interval and baselines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MetricRow {
    pub name: String,
    pub higher_is_better: bool,
    pub estimate: Metric,
    pub lower: Metric,
    pub upper: Metric,
    /// Replicates in which the metric was defined (the interval uses only these).
    pub defined_replicates: u32,
    pub undefined_replicates: u32,
    pub baselines: Vec<BaselineValue>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BaselineKind {
    /// Expected value of predicting each class with probability 1/k.
    UniformRandom,
    /// Expected value of predicting class c with its label share.
    LabelDistributionRandom,
    /// Always the majority class (classification) or the mean target (regression).
    ZeroRule,
    /// The user's rules over table columns: one rule (true → positive class), or
    /// cases (the first rule that holds gives the class, else a default class).
    Heuristic,
    /// An existing solution's predictions, read from a column.
    ExistingSolution,
    /// A figure the user typed in.
    HumanLevel,
}

impl BaselineKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::UniformRandom => "uniform random",
            Self::LabelDistributionRandom => "label-distribution random",
            Self::ZeroRule => "zero rule",
            Self::Heuristic => "heuristic",
            Self::ExistingSolution => "existing solution",
            Self::HumanLevel => "human level",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BaselineValue {
    pub baseline: BaselineKind,
    pub value: Metric,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BaselineInfo {
    pub baseline: BaselineKind,
    pub description: String,
}

/// `counts[actual][predicted]`, classes named as in [`ReportInputs::classes`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ConfusionReport {
    pub classes: Vec<String>,
    pub counts: Vec<Vec<u64>>,
}

/// One class against the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClassReport {
    pub class: String,
    /// Rows labelled with this class.
    pub support: u64,
    /// Rows predicted as this class.
    pub predicted: u64,
    pub precision: Metric,
    pub recall: Metric,
    pub f1: Metric,
    /// One-vs-rest ROC-AUC; `None` without probabilities, and for the negative
    /// class of a binary task (its ranking mirrors the positive class's).
    pub roc_auc: Option<Metric>,
}

/// One bin of a reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReliabilityBinReport {
    pub lower: f64,
    pub upper: f64,
    pub count: u64,
    pub mean_predicted: Metric,
    pub observed_frequency: Metric,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReliabilityReport {
    /// What is binned: `positive_class_probability` or `top_label_confidence`.
    pub probability: String,
    /// How the bins are cut (`equal_width` in reports before 1.1.0).
    #[serde(default)]
    pub strategy: BinStrategy,
    pub bins: Vec<ReliabilityBinReport>,
    pub ece: Metric,
    pub mce: Metric,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CalibrationReport {
    /// Rows of the eyeball part, on which the recalibrators were fitted.
    pub fit_rows: u64,
    /// Rows of the blackbox part, on which everything below is measured.
    pub report_rows: u64,
    pub before: ReliabilityReport,
    pub brier_before: Metric,
    pub methods: Vec<CalibratedReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CalibratedReport {
    /// `platt` or `isotonic`.
    pub method: String,
    pub after: ReliabilityReport,
    pub brier_after: Metric,
}

/// A thinned curve for plotting; the area is the full curve's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CurveReport {
    /// ROC: false-positive rate. PR: recall.
    pub x: Vec<f64>,
    /// ROC: true-positive rate. PR: precision.
    pub y: Vec<f64>,
    pub thresholds: Vec<f64>,
    pub area: Metric,
    /// Points of the full curve before thinning.
    pub total_points: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SweepRow {
    pub threshold: f64,
    pub coverage: f64,
    pub precision: Metric,
    pub recall: Metric,
    /// Positive-class sweeps: accuracy over all rows at this threshold.
    pub accuracy: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SweepReport {
    /// `positive_class` (score ≥ t predicts positive) or `confidence` (rows with
    /// top-label confidence ≥ t are answered).
    pub kind: String,
    pub rows: u64,
    pub hits: u64,
    /// Thinned, highest threshold first.
    pub points: Vec<SweepRow>,
    pub total_points: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Precision,
    Coverage,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ThresholdChoice {
    pub target: TargetKind,
    pub goal: f64,
    /// The sweep point that reaches the goal; `None` when no threshold does.
    pub point: Option<SweepRow>,
}

/// The eyeball / blackbox split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SplitCounts {
    /// The key column, or `None` when rows were keyed by their 1-based number.
    pub key_column: Option<String>,
    pub eyeball_fraction: f64,
    pub seed: u64,
    pub eyeball: u64,
    pub blackbox: u64,
}
