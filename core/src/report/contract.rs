//! The metric contract: one optimizing metric and satisficing lines with
//! thresholds, checked against a report's point estimates and the caller's
//! measured facts.
//!
//! ```toml
//! optimizing = "f1"
//! satisficing = [
//!     "f1 >= 0.8",
//!     "ece <= 0.05",
//!     { metric = "latency_ms_per_row", op = "<=", threshold = 1 },
//!     "model_size_mb <= 50",
//! ]
//! ```
//!
//! A line passes when the metric's point estimate satisfies the comparison. A line
//! fails, with a reason, when it does not, when the metric is undefined (e.g.
//! ROC-AUC of a single-class input), when it was not computed for this evaluation
//! (e.g. ECE without probabilities), or when a measured fact
//! (`latency_ms_per_row`, `model_size_mb`) was not supplied. The verdict passes
//! when every satisficing line passes; the optimizing metric is reported, not
//! judged.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::metric_names;
use crate::metrics::{Metric, Undefined};

/// A comparison of a contract line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ContractOp {
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = "<")]
    Lt,
}

impl ContractOp {
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Ge => ">=",
            Self::Gt => ">",
            Self::Le => "<=",
            Self::Lt => "<",
        }
    }

    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Self::Ge => value >= threshold,
            Self::Gt => value > threshold,
            Self::Le => value <= threshold,
            Self::Lt => value < threshold,
        }
    }
}

/// One satisficing line: `metric op threshold`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "LineSpec")]
pub struct ContractLine {
    pub metric: String,
    pub op: ContractOp,
    pub threshold: f64,
}

impl fmt::Display for ContractLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.metric, self.op.symbol(), self.threshold)
    }
}

/// A line as written: `"f1 >= 0.8"` or `{ metric, op, threshold }`.
#[derive(Deserialize)]
#[serde(untagged)]
enum LineSpec {
    Text(String),
    Fields {
        metric: String,
        op: ContractOp,
        threshold: f64,
    },
}

impl TryFrom<LineSpec> for ContractLine {
    type Error = ContractError;

    fn try_from(spec: LineSpec) -> Result<Self, Self::Error> {
        match spec {
            LineSpec::Text(text) => text.parse(),
            LineSpec::Fields {
                metric,
                op,
                threshold,
            } if threshold.is_finite() => Ok(Self {
                metric,
                op,
                threshold,
            }),
            LineSpec::Fields {
                metric,
                op,
                threshold,
            } => Err(ContractError::BadLine {
                text: format!("{metric} {} {threshold}", op.symbol()),
            }),
        }
    }
}

impl std::str::FromStr for ContractLine {
    type Err = ContractError;

    /// Parses `metric op threshold`, e.g. `ece <= 0.05`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || ContractError::BadLine {
            text: text.to_owned(),
        };
        let parts: Vec<&str> = text.split_whitespace().collect();
        // `slice:NAME metric op threshold` keeps `slice:NAME metric` as the metric.
        let (metric, op, threshold) = match parts.as_slice() {
            [metric, op, threshold] => ((*metric).to_owned(), *op, *threshold),
            [slice, metric, op, threshold] if slice.starts_with("slice:") && slice.len() > 6 => {
                (format!("{slice} {metric}"), *op, *threshold)
            }
            _ => return Err(bad()),
        };
        let op = match op {
            ">=" => ContractOp::Ge,
            ">" => ContractOp::Gt,
            "<=" => ContractOp::Le,
            "<" => ContractOp::Lt,
            _ => return Err(bad()),
        };
        let threshold: f64 = threshold.parse().map_err(|_| bad())?;
        if !threshold.is_finite() {
            return Err(bad());
        }
        Ok(Self {
            metric,
            op,
            threshold,
        })
    }
}

/// `slice:NAME metric` → `(NAME, metric)`: a floor on one slice of the report's
/// `slices` section.
pub fn split_slice(name: &str) -> Option<(&str, &str)> {
    name.strip_prefix("slice:")?.split_once(' ')
}

/// The contract as written by the user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricContract {
    /// The metric to improve; its direction follows the metric (F1 up, ECE down).
    pub optimizing: String,
    #[serde(default)]
    pub satisficing: Vec<ContractLine>,
}

/// Why a contract could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ContractError {
    #[error(
        "contract line `{text}` is not `metric op threshold` (op one of >=, >, <=, <; e.g. `f1 >= 0.8`)"
    )]
    BadLine { text: String },
    #[error("the contract is not valid TOML: {message}")]
    Toml { message: String },
    #[error("the contract is not valid JSON: {message}")]
    Json { message: String },
    #[error("unknown metric `{name}` in the contract (known: {})", known.join(", "))]
    UnknownMetric { name: String, known: Vec<String> },
}

impl MetricContract {
    /// Reads a TOML contract and checks its metric names.
    pub fn from_toml(text: &str) -> Result<Self, ContractError> {
        let contract: Self = super::SettingsFormat::Toml
            .read(text)
            .map_err(|message| ContractError::Toml { message })?;
        contract.validate()?;
        Ok(contract)
    }

    /// Reads a JSON contract and checks its metric names.
    pub fn from_json(text: &str) -> Result<Self, ContractError> {
        let contract: Self = serde_json::from_str(text).map_err(|e| ContractError::Json {
            message: e.to_string(),
        })?;
        contract.validate()?;
        Ok(contract)
    }

    /// Every metric named must be known ([`metric_names::all_known`]).
    pub fn validate(&self) -> Result<(), ContractError> {
        let names = std::iter::once(self.optimizing.as_str())
            .chain(self.satisficing.iter().map(|l| l.metric.as_str()));
        for name in names {
            let name = split_slice(name).map_or(name, |(_, metric)| metric);
            if !metric_names::is_known(name) {
                return Err(ContractError::UnknownMetric {
                    name: name.to_owned(),
                    known: metric_names::all_known().map(str::to_owned).collect(),
                });
            }
        }
        Ok(())
    }
}

/// What the report knows about one metric name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lookup {
    Value(f64),
    Undefined(Undefined),
    /// The metric exists but was not computed for this evaluation.
    NotComputed,
    /// A fact the caller did not supply.
    NotMeasured,
}

impl From<Metric> for Lookup {
    fn from(m: Metric) -> Self {
        match m {
            Metric::Value(v) => Self::Value(v),
            Metric::Undefined(u) => Self::Undefined(u),
        }
    }
}

/// The state of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    Pass,
    Fail,
    /// The metric has no value here (a typed reason is in `reason`).
    Undefined,
    /// The metric does not apply to this evaluation.
    NotComputed,
    /// A measured fact was not supplied by the caller.
    NotMeasured,
}

/// One checked line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LineResult {
    pub metric: String,
    pub op: ContractOp,
    pub threshold: f64,
    pub value: Option<f64>,
    pub status: LineStatus,
    pub passed: bool,
    /// One sentence a person can read: why it passed or failed.
    pub reason: String,
}

/// Whether a higher or a lower value is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Goal {
    Maximize,
    Minimize,
}

/// The optimizing metric's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OptimizingResult {
    pub metric: String,
    pub goal: Goal,
    pub value: Option<f64>,
    pub reason: String,
}

/// The contract checked against a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ContractResult {
    pub optimizing: OptimizingResult,
    pub lines: Vec<LineResult>,
    /// True when every satisficing line passes.
    pub passed: bool,
}

fn describe_missing(metric: &str, found: Lookup) -> (LineStatus, String) {
    match found {
        Lookup::Value(_) => (LineStatus::Fail, String::new()),
        Lookup::Undefined(reason) => (
            LineStatus::Undefined,
            format!(
                "{metric} is undefined for this data ({})",
                undefined_text(reason)
            ),
        ),
        Lookup::NotComputed if split_slice(metric).is_some() => (
            LineStatus::NotComputed,
            format!(
                "{metric} was not computed: name that slice in the slices file (`--slices`) and \
                 check the metric applies to this evaluation"
            ),
        ),
        Lookup::NotComputed => (
            LineStatus::NotComputed,
            format!(
                "{metric} was not computed for this evaluation (it needs another task or probability scores)"
            ),
        ),
        Lookup::NotMeasured => (
            LineStatus::NotMeasured,
            format!("{metric} was not measured: supply it as a measured fact"),
        ),
    }
}

/// A sentence for an undefined reason.
pub fn undefined_text(reason: Undefined) -> String {
    match reason {
        Undefined::EmptyInput => "no rows".to_owned(),
        Undefined::SingleClass => "every label belongs to one class".to_owned(),
        Undefined::NoActualPositive { class } => format!("no row is labelled class {class}"),
        Undefined::NoPredictedPositive { class } => format!("no row is predicted class {class}"),
        Undefined::NeitherLabelledNorPredicted { class } => {
            format!("class {class} is neither labelled nor predicted")
        }
        Undefined::ConstantTarget => "the target is constant".to_owned(),
        Undefined::NothingCovered => "no row reaches the threshold".to_owned(),
        Undefined::NoHits => "the sweep has no hit".to_owned(),
        Undefined::NotProbabilities => "the scores are not probabilities".to_owned(),
        Undefined::NoDefinedMember => "no member of the average has a value".to_owned(),
    }
}

/// Checks `contract` with `lookup` giving each metric's point estimate or fact.
pub fn check(contract: &MetricContract, lookup: impl Fn(&str) -> Lookup) -> ContractResult {
    let goal = if metric_names::higher_is_better(&contract.optimizing) {
        Goal::Maximize
    } else {
        Goal::Minimize
    };
    let found = lookup(&contract.optimizing);
    let optimizing = match found {
        Lookup::Value(v) => OptimizingResult {
            metric: contract.optimizing.clone(),
            goal,
            value: Some(v),
            reason: format!(
                "{} = {} ({})",
                contract.optimizing,
                format_value(v),
                if goal == Goal::Maximize {
                    "higher is better"
                } else {
                    "lower is better"
                }
            ),
        },
        other => OptimizingResult {
            metric: contract.optimizing.clone(),
            goal,
            value: None,
            reason: describe_missing(&contract.optimizing, other).1,
        },
    };
    let lines: Vec<LineResult> = contract
        .satisficing
        .iter()
        .map(|line| {
            let found = lookup(&line.metric);
            let (value, status, reason) = match found {
                Lookup::Value(v) => {
                    let passed = line.op.holds(v, line.threshold);
                    let verb = if passed { "meets" } else { "misses" };
                    (
                        Some(v),
                        if passed {
                            LineStatus::Pass
                        } else {
                            LineStatus::Fail
                        },
                        format!(
                            "{} = {} {verb} {} {}",
                            line.metric,
                            format_value(v),
                            line.op.symbol(),
                            line.threshold
                        ),
                    )
                }
                other => {
                    let (status, reason) = describe_missing(&line.metric, other);
                    (None, status, reason)
                }
            };
            LineResult {
                metric: line.metric.clone(),
                op: line.op,
                threshold: line.threshold,
                value,
                passed: status == LineStatus::Pass,
                status,
                reason,
            }
        })
        .collect();
    ContractResult {
        optimizing,
        passed: lines.iter().all(|l| l.passed),
        lines,
    }
}

/// A value with at most 4 decimals and no trailing zeros (`0.8`, `0.8312`, `12`).
pub fn format_value(v: f64) -> String {
    let text = format!("{v:.4}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    };
    if text == "-0" { "0".to_owned() } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOML: &str = r#"
optimizing = "f1"
satisficing = [
    "f1 >= 0.8",
    "ece <= 0.05",
    { metric = "latency_ms_per_row", op = "<=", threshold = 1 },
    "model_size_mb <= 50",
    "roc_auc > 0.7",
]
"#;

    #[test]
    fn toml_and_json_read_the_same_contract() {
        let toml = MetricContract::from_toml(TOML).unwrap();
        let json = MetricContract::from_json(
            r#"{"optimizing": "f1", "satisficing": ["f1 >= 0.8", "ece <= 0.05",
               {"metric": "latency_ms_per_row", "op": "<=", "threshold": 1},
               "model_size_mb <= 50", "roc_auc > 0.7"]}"#,
        )
        .unwrap();
        assert_eq!(toml, json);
        assert_eq!(toml.satisficing[2].to_string(), "latency_ms_per_row <= 1");
    }

    #[test]
    fn every_line_passes_fails_or_says_why() {
        let contract = MetricContract::from_toml(TOML).unwrap();
        let result = check(&contract, |name| match name {
            "f1" => Lookup::Value(0.8312),
            "ece" => Lookup::Value(0.07),
            "latency_ms_per_row" => Lookup::Value(0.25),
            "roc_auc" => Lookup::Undefined(Undefined::SingleClass),
            _ => Lookup::NotMeasured,
        });
        let statuses: Vec<LineStatus> = result.lines.iter().map(|l| l.status).collect();
        assert_eq!(
            statuses,
            [
                LineStatus::Pass,
                LineStatus::Fail,
                LineStatus::Pass,
                LineStatus::NotMeasured,
                LineStatus::Undefined
            ]
        );
        assert!(!result.passed);
        assert_eq!(result.lines[0].reason, "f1 = 0.8312 meets >= 0.8");
        assert_eq!(result.lines[1].reason, "ece = 0.07 misses <= 0.05");
        assert_eq!(
            result.lines[3].reason,
            "model_size_mb was not measured: supply it as a measured fact"
        );
        assert_eq!(
            result.lines[4].reason,
            "roc_auc is undefined for this data (every label belongs to one class)"
        );
        assert_eq!(result.optimizing.goal, Goal::Maximize);
        assert_eq!(result.optimizing.value, Some(0.8312));
    }

    #[test]
    fn all_lines_passing_pass_the_verdict() {
        let contract =
            MetricContract::from_toml("optimizing = \"ece\"\nsatisficing = [\"accuracy > 0.5\"]")
                .unwrap();
        let result = check(&contract, |_| Lookup::Value(0.75));
        assert!(result.passed);
        assert_eq!(result.optimizing.goal, Goal::Minimize);
    }

    #[test]
    fn unknown_metrics_list_the_known_ones() {
        let err = MetricContract::from_toml("optimizing = \"f2\"").unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("unknown metric `f2` in the contract (known: accuracy, "),
            "{text}"
        );
        assert!(text.contains("latency_ms_per_row, model_size_mb"), "{text}");
    }

    #[test]
    fn malformed_lines_and_documents_are_explained() {
        let err = MetricContract::from_toml("optimizing = \"f1\"\nsatisficing = [\"f1 => 0.8\"]")
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("contract line `f1 => 0.8` is not `metric op threshold`"),
            "{err}"
        );
        let err = MetricContract::from_toml(
            "optimizing = \"f1\"\nsatisficing = [{ metric = \"f1\", op = \">=\", threshold = nan }]",
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("`satisficing[0].threshold` = NaN: settings take finite numbers only"),
            "{err}"
        );
        let err = MetricContract::from_toml("optimising = \"f1\"").unwrap_err();
        assert!(matches!(err, ContractError::Toml { .. }), "{err}");
    }
}
