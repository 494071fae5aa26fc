//! `gate.toml`: the declared checks. See docs/gate.md for every kind.

use serde::{Deserialize, Serialize};

/// Which number of a metric a threshold reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    #[default]
    Estimate,
    /// The bootstrap interval's lower bound.
    Lower,
    /// The bootstrap interval's upper bound.
    Upper,
}

impl Bound {
    pub fn label(self) -> &'static str {
        match self {
            Self::Estimate => "estimate",
            Self::Lower => "lower bound",
            Self::Upper => "upper bound",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparison {
    #[serde(rename = ">=")]
    AtLeast,
    #[serde(rename = ">")]
    Above,
    #[serde(rename = "<=")]
    AtMost,
    #[serde(rename = "<")]
    Below,
}

impl Comparison {
    pub fn holds(self, measured: f64, limit: f64) -> bool {
        match self {
            Self::AtLeast => measured >= limit,
            Self::Above => measured > limit,
            Self::AtMost => measured <= limit,
            Self::Below => measured < limit,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Self::AtLeast => "≥",
            Self::Above => ">",
            Self::AtMost => "≤",
            Self::Below => "<",
        }
    }
}

/// One declared check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CheckKind {
    /// The model's metric beats every computed baseline (or those listed) on the
    /// blackbox split: its `bound` (default the lower bound) is better than each
    /// baseline's value.
    BeatsBaselines {
        metric: String,
        #[serde(default = "lower")]
        bound: Bound,
        /// Baseline kinds (`zero_rule`, `heuristic`, …); default every one computed.
        #[serde(default)]
        baselines: Vec<String>,
    },
    /// A metric of the report (its estimate or an interval bound) or a satisficing
    /// fact (`latency_ms_per_row`, `model_size_mb`) against a limit:
    /// `"recall lower bound >= 0.8"` is `metric = "recall", bound = "lower", op = ">=", value = 0.8`.
    Threshold {
        metric: String,
        #[serde(default)]
        bound: Bound,
        op: Comparison,
        value: f64,
    },
    /// Calibration within a declared ECE (`metric` default `ece`; `bound` default
    /// the estimate, `upper` for the interval's upper bound).
    Calibration {
        max_ece: f64,
        #[serde(default = "ece")]
        metric: String,
        #[serde(default)]
        bound: Bound,
    },
    /// A named section of the evaluation report's JSON (`slices`, `behaviour`, …)
    /// holds a passing verdict (read generically: `passed`, `verdict`/`status`, or
    /// a list of items that each carry one).
    ReportSection { section: String },
    /// The champion comparison report (JSON, given by path) says the candidate is
    /// better or non-inferior.
    Comparison,
    /// The `lockstep skew --format json` report passed, for this model and pipeline.
    Skew,
    /// Model, pipeline and data fingerprints, Lockstep's version and the settings
    /// are recorded (the code version when given).
    Reproducibility,
}

fn lower() -> Bound {
    Bound::Lower
}

fn ece() -> String {
    "ece".to_owned()
}

/// One `[[check]]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckConfig {
    /// A display name (default: made from the kind).
    #[serde(default)]
    pub name: Option<String>,
    /// A failing (or unmeasurable) required check is FAIL; an optional one WARN.
    #[serde(default = "yes")]
    pub required: bool,
    #[serde(flatten)]
    pub kind: CheckKind,
}

fn yes() -> bool {
    true
}

/// The whole gate file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateConfig {
    #[serde(default)]
    pub name: Option<String>,
    /// The code version (e.g. a git commit); `--code-version` overrides it.
    #[serde(default)]
    pub code_version: Option<String>,
    #[serde(rename = "check", default)]
    pub checks: Vec<CheckConfig>,
}

/// Why a gate file was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GateConfigError {
    #[error("{0}")]
    Toml(String),
    #[error("the gate declares no checks: add at least one [[check]]")]
    NoChecks,
    #[error("check {index} ({name}): `{field}` = {value} must be a finite number")]
    NotFinite {
        index: usize,
        name: String,
        field: &'static str,
        value: f64,
    },
}

impl GateConfig {
    pub fn from_toml(text: &str) -> Result<Self, GateConfigError> {
        // Each check on its own, so an error names the check (a flattened enum's
        // errors carry no position).
        // Through the one settings reader (TOML to a JSON value, then each type's one
        // deserializer; `crate::report::SettingsFormat`).
        use crate::report::{SettingsFormat, settings_from_value};
        let mut table = SettingsFormat::Toml
            .value(text)
            .map_err(GateConfigError::Toml)?;
        let checks = match table.as_object_mut().and_then(|t| t.remove("check")) {
            None => Vec::new(),
            Some(serde_json::Value::Array(items)) => items,
            Some(other) => {
                return Err(GateConfigError::Toml(format!(
                    "`check` must be an array of tables ([[check]]), found {}",
                    crate::report::config::json_type(&other)
                )));
            }
        };
        let mut config: GateConfig = settings_from_value(table).map_err(GateConfigError::Toml)?;
        for (i, item) in checks.into_iter().enumerate() {
            let check: CheckConfig = settings_from_value(item)
                .map_err(|e| GateConfigError::Toml(format!("check {}: {e}", i + 1)))?;
            config.checks.push(check);
        }
        if config.checks.is_empty() {
            return Err(GateConfigError::NoChecks);
        }
        for (i, check) in config.checks.iter().enumerate() {
            let (field, value) = match &check.kind {
                CheckKind::Threshold { value, .. } => ("value", *value),
                CheckKind::Calibration { max_ece, .. } => ("max_ece", *max_ece),
                _ => continue,
            };
            if !value.is_finite() {
                return Err(GateConfigError::NotFinite {
                    index: i + 1,
                    name: check.display_name(),
                    field,
                    value,
                });
            }
        }
        Ok(config)
    }
}

impl CheckConfig {
    /// The given name, else one made from the check.
    pub fn display_name(&self) -> String {
        if let Some(name) = &self.name {
            return name.clone();
        }
        match &self.kind {
            CheckKind::BeatsBaselines { metric, bound, .. } => {
                format!("{metric} ({}) beats every baseline", bound.label())
            }
            CheckKind::Threshold {
                metric,
                bound,
                op,
                value,
            } => format!("{metric} {} {} {value}", bound.label(), op.symbol()),
            CheckKind::Calibration {
                max_ece,
                metric,
                bound,
            } => format!("{metric} {} ≤ {max_ece}", bound.label()),
            CheckKind::ReportSection { section } => format!("report section `{section}` passes"),
            CheckKind::Comparison => "beats or is non-inferior to the champion".to_owned(),
            CheckKind::Skew => "skew / parity report clean".to_owned(),
            CheckKind::Reproducibility => "reproducibility recorded".to_owned(),
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            CheckKind::BeatsBaselines { .. } => "beats_baselines",
            CheckKind::Threshold { .. } => "threshold",
            CheckKind::Calibration { .. } => "calibration",
            CheckKind::ReportSection { .. } => "report_section",
            CheckKind::Comparison => "comparison",
            CheckKind::Skew => "skew",
            CheckKind::Reproducibility => "reproducibility",
        }
    }
}
