//! Carrying out the declared checks on the inputs given.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::config::{Bound, CheckConfig, CheckKind, Comparison, GateConfig};
use super::{CheckResult, GATE_VERSION, GateReport, Status};
use crate::metrics::Metric;
use crate::report::EvalReport;
use crate::report::export::format;
use crate::report::metric_names::FACT_METRICS;
use crate::report::types::MetricRow;

/// What the gate binds its verdict to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Provenance {
    /// sha256 of the model file's bytes.
    pub model_sha256: Option<String>,
    /// The fitted pipeline's canonical fingerprint (the one logs and reports carry).
    pub pipeline_sha256: Option<String>,
    /// sha256 of the pipeline file's bytes (a blessing refuses any other file).
    pub pipeline_file_sha256: Option<String>,
    /// sha256 of the evaluation data file's bytes.
    pub data_sha256: Option<String>,
    /// The code version given (e.g. a git commit).
    pub code_version: Option<String>,
    pub lockstep_version: String,
    /// sha256 of the gate file's text.
    pub gate_config_sha256: Option<String>,
    /// The evaluation's settings: bootstrap and split seeds, threshold, …, as text.
    pub settings: Vec<String>,
}

/// Everything the checks read; any may be missing.
#[derive(Debug, Clone, Copy, Default)]
pub struct GateInputs<'a> {
    /// The evaluation of the candidate on the blackbox split.
    pub report: Option<&'a EvalReport>,
    /// The same report's JSON, whose named sections (`slices`, `behaviour`, …) the
    /// `report_section` checks read.
    pub report_json: Option<&'a Value>,
    /// The champion comparison report.
    pub comparison: Option<&'a Value>,
    /// `lockstep skew --format json`'s report.
    pub skew: Option<&'a Value>,
}

/// Runs every check of `config`.
pub fn run_gate(
    config: &GateConfig,
    inputs: &GateInputs<'_>,
    provenance: &Provenance,
) -> GateReport {
    let checks: Vec<CheckResult> = config
        .checks
        .iter()
        .map(|c| run_check(c, inputs, provenance))
        .collect();
    let verdict = checks
        .iter()
        .map(|c| c.status)
        .max()
        .unwrap_or(Status::Fail);
    GateReport {
        gate_version: GATE_VERSION.to_owned(),
        name: config.name.clone(),
        verdict,
        checks,
        provenance: provenance.clone(),
    }
}

/// A check's outcome before `required` decides between FAIL and WARN.
enum Outcome {
    Holds(String),
    Fails(String),
    /// The input is missing or unreadable.
    Missing(String),
}

fn run_check(check: &CheckConfig, inputs: &GateInputs<'_>, provenance: &Provenance) -> CheckResult {
    let outcome = match &check.kind {
        CheckKind::BeatsBaselines {
            metric,
            bound,
            baselines,
        } => beats_baselines(inputs.report, metric, *bound, baselines),
        CheckKind::Threshold {
            metric,
            bound,
            op,
            value,
        } => threshold(inputs.report, metric, *bound, *op, *value),
        CheckKind::Calibration {
            max_ece,
            metric,
            bound,
        } => threshold(inputs.report, metric, *bound, Comparison::AtMost, *max_ece),
        CheckKind::ReportSection { section } => match inputs.report_json {
            None => Outcome::Missing(format!(
                "no evaluation report to read section `{section}` from"
            )),
            Some(json) => match json.get(section) {
                None | Some(Value::Null) => {
                    Outcome::Missing(format!("the evaluation report has no `{section}` section"))
                }
                Some(value) => verdict_outcome(&format!("section `{section}`"), value),
            },
        },
        CheckKind::Comparison => match inputs.comparison {
            None => Outcome::Missing("no champion comparison report given".to_owned()),
            Some(value) => verdict_outcome("the comparison report", value),
        },
        CheckKind::Skew => skew(inputs.skew, provenance),
        CheckKind::Reproducibility => reproducibility(provenance),
    };
    let (status, evidence) = match outcome {
        Outcome::Holds(e) => (Status::Pass, e),
        Outcome::Fails(e) => (fail_or_warn(check.required), e),
        Outcome::Missing(e) => (fail_or_warn(check.required), format!("missing input: {e}")),
    };
    CheckResult {
        name: check.display_name(),
        kind: check.kind_name().to_owned(),
        required: check.required,
        status,
        evidence,
    }
}

fn fail_or_warn(required: bool) -> Status {
    if required { Status::Fail } else { Status::Warn }
}

fn metric_row<'r>(report: &'r EvalReport, metric: &str) -> Option<&'r MetricRow> {
    report.metrics.iter().find(|m| m.name == metric)
}

fn bound_of(row: &MetricRow, bound: Bound) -> Metric {
    match bound {
        Bound::Estimate => row.estimate,
        Bound::Lower => row.lower,
        Bound::Upper => row.upper,
    }
}

fn beats_baselines(
    report: Option<&EvalReport>,
    metric: &str,
    bound: Bound,
    wanted: &[String],
) -> Outcome {
    let Some(report) = report else {
        return Outcome::Missing("no evaluation report".to_owned());
    };
    let Some(row) = metric_row(report, metric) else {
        return Outcome::Missing(format!("the report has no metric `{metric}`"));
    };
    let Some(model) = bound_of(row, bound).value() else {
        return Outcome::Missing(format!("{metric}'s {} is undefined", bound.label()));
    };
    let mut compared = Vec::new();
    let mut losses = Vec::new();
    for b in &row.baselines {
        let name = serde_json::to_value(b.baseline)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        if !wanted.is_empty() && !wanted.contains(&name) {
            continue;
        }
        let Some(v) = b.value.value() else { continue };
        let beats = if row.higher_is_better {
            model > v
        } else {
            model < v
        };
        let text = format!("{} {}", b.baseline.label(), format::number(v));
        if beats {
            compared.push(text);
        } else {
            losses.push(text);
        }
    }
    for w in wanted {
        let found = row.baselines.iter().any(|b| {
            serde_json::to_value(b.baseline)
                .ok()
                .and_then(|v| v.as_str().map(|s| s == w))
                .unwrap_or(false)
                && b.value.value().is_some()
        });
        if !found {
            return Outcome::Missing(format!("baseline `{w}` was not computed for {metric}"));
        }
    }
    if compared.is_empty() && losses.is_empty() {
        return Outcome::Missing(format!("no baseline was computed for {metric}"));
    }
    let head = format!(
        "{metric} {} {} on {} blackbox rows",
        bound.label(),
        format::number(model),
        report.rows
    );
    if losses.is_empty() {
        Outcome::Holds(format!("{head}; beats {}", compared.join(", ")))
    } else {
        Outcome::Fails(format!("{head}; does not beat {}", losses.join(", ")))
    }
}

fn threshold(
    report: Option<&EvalReport>,
    metric: &str,
    bound: Bound,
    op: Comparison,
    limit: f64,
) -> Outcome {
    let Some(report) = report else {
        return Outcome::Missing("no evaluation report".to_owned());
    };
    let measured = if FACT_METRICS.contains(&metric) {
        if bound != Bound::Estimate {
            return Outcome::Missing(format!(
                "`{metric}` is a measured fact with no interval: use bound = \"estimate\""
            ));
        }
        let fact = match metric {
            "latency_ms_per_row" => report.facts.latency_ms_per_row,
            _ => report.facts.model_size_mb,
        };
        match fact {
            Some(v) => v,
            None => return Outcome::Missing(format!("`{metric}` was not measured or given")),
        }
    } else {
        let Some(row) = metric_row(report, metric) else {
            return Outcome::Missing(format!("the report has no metric `{metric}`"));
        };
        match bound_of(row, bound).value() {
            Some(v) => v,
            None => {
                return Outcome::Missing(format!("{metric}'s {} is undefined", bound.label()));
            }
        }
    };
    let text = format!(
        "{metric} {} = {}, required {} {}",
        bound.label(),
        format::number(measured),
        op.symbol(),
        format::number(limit)
    );
    if op.holds(measured, limit) {
        Outcome::Holds(text)
    } else {
        Outcome::Fails(text)
    }
}

/// Reads a pass/fail verdict from a JSON value (see the module docs of
/// [`super`]): `passed: bool`; else `verdict` / `status` (`pass`, `passed`, `ok`,
/// `better`, `superior`, `non_inferior` hold; `warn` warns as a failure; anything
/// else fails); else a list (the value itself, or its `checks` / `results` / `items`
/// / `slices` / `tests`) whose items each carry one. `Err` when none is found.
pub fn read_verdict(value: &Value) -> Result<(bool, Vec<String>), String> {
    if let Some(passed) = value.get("passed").and_then(Value::as_bool) {
        let failing = list(value)
            .map(Vec::as_slice)
            .map(failing_items)
            .unwrap_or_default();
        return Ok((passed, failing));
    }
    for key in ["verdict", "status"] {
        if let Some(word) = value.get(key).and_then(Value::as_str) {
            let w = word.to_ascii_lowercase().replace(['-', ' '], "_");
            let holds = matches!(
                w.as_str(),
                "pass" | "passed" | "ok" | "better" | "superior" | "non_inferior" | "noninferior"
            );
            return Ok((
                holds,
                if holds {
                    vec![]
                } else {
                    vec![format!("{key} `{word}`")]
                },
            ));
        }
    }
    if let Some(items) = list(value) {
        let mut failing = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let (ok, _) = read_verdict(item).map_err(|e| format!("item {}: {e}", i + 1))?;
            if !ok {
                failing.push(item_name(item, i));
            }
        }
        return Ok((failing.is_empty(), failing));
    }
    Err("no `passed`, `verdict` or `status` field and no list of items".to_owned())
}

fn list(value: &Value) -> Option<&Vec<Value>> {
    if let Some(items) = value.as_array() {
        return Some(items);
    }
    ["checks", "results", "items", "slices", "tests"]
        .iter()
        .find_map(|k| value.get(*k).and_then(Value::as_array))
}

fn failing_items(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .enumerate()
        .filter(|(_, item)| matches!(read_verdict(item), Ok((false, _))))
        .map(|(i, item)| item_name(item, i))
        .collect()
}

fn item_name(item: &Value, index: usize) -> String {
    ["name", "slice", "test", "subject", "metric"]
        .iter()
        .find_map(|k| item.get(*k).and_then(Value::as_str))
        .map_or_else(|| format!("item {}", index + 1), str::to_owned)
}

fn verdict_outcome(what: &str, value: &Value) -> Outcome {
    match read_verdict(value) {
        Err(e) => Outcome::Missing(format!("cannot read a verdict from {what}: {e}")),
        Ok((true, _)) => Outcome::Holds(format!("{what} passes")),
        Ok((false, failing)) if failing.is_empty() => Outcome::Fails(format!("{what} fails")),
        Ok((false, failing)) => Outcome::Fails(format!(
            "{what} fails: {}",
            failing
                .iter()
                .map(|f| crate::excerpt::excerpt(f.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn skew(report: Option<&Value>, provenance: &Provenance) -> Outcome {
    let Some(report) = report else {
        return Outcome::Missing("no skew report given".to_owned());
    };
    let fingerprints = report.get("fingerprints");
    let expected = |key: &str| {
        fingerprints
            .and_then(|f| f.get(key))
            .and_then(Value::as_str)
    };
    for (key, ours, what) in [
        ("model_expected", &provenance.model_sha256, "model"),
        ("pipeline_expected", &provenance.pipeline_sha256, "pipeline"),
    ] {
        if let (Some(theirs), Some(ours)) = (expected(key), ours)
            && theirs != ours
        {
            return Outcome::Fails(format!(
                "the skew report is for another {what} ({theirs}, this one is {ours})"
            ));
        }
    }
    let rows = report.get("rows").and_then(Value::as_u64);
    match (verdict_outcome("the skew report", report), rows) {
        (Outcome::Holds(e), Some(rows)) => Outcome::Holds(format!("{e} ({rows} logged rows)")),
        (outcome, _) => outcome,
    }
}

fn reproducibility(p: &Provenance) -> Outcome {
    let mut missing = Vec::new();
    if p.model_sha256.is_none() {
        missing.push("model fingerprint");
    }
    if p.data_sha256.is_none() {
        missing.push("data fingerprint");
    }
    if p.settings.is_empty() {
        missing.push("settings");
    }
    let short = |d: &Option<String>| {
        d.as_deref().map_or_else(
            || "none".to_owned(),
            |d| d.get(..12).unwrap_or(d).to_owned(),
        )
    };
    let text = format!(
        "model {}, pipeline {}, data {}, Lockstep {}, code {}",
        short(&p.model_sha256),
        short(&p.pipeline_sha256),
        short(&p.data_sha256),
        p.lockstep_version,
        p.code_version.as_deref().unwrap_or("not given")
    );
    if missing.is_empty() {
        Outcome::Holds(text)
    } else {
        Outcome::Missing(format!("{} not recorded; {text}", missing.join(", ")))
    }
}
