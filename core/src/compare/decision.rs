//! The declared checks ([`super::config`]) against the comparison's numbers, and the
//! verdict: the challenger is accepted when every check passes.
//!
//! Every decision reads the *improvement*: the difference challenger − champion for
//! a metric where higher is better, champion − challenger where lower is better, so
//! that "> 0" always means "the challenger is better". Its interval is the paired
//! bootstrap's (or DeLong's for `roc_auc` when asked), sign-flipped accordingly.

use super::config::{CompareConfig, Decision, DecisionTest, IntervalSource, PointThreshold};
use super::delong::DeLong;
use super::types::{CheckKind, CheckResult, MetricComparison, Verdict};
use crate::metrics::Metric;
use crate::report::contract::undefined_text;
use crate::report::export::format::{difference, number, percent};

/// The improvement's lower bound and its interval, from the metric's difference.
fn improvement_bounds(m: &MetricComparison) -> Result<(f64, f64, f64), String> {
    let d = &m.difference;
    let defined = |x: Metric| {
        x.value().ok_or_else(|| match x {
            Metric::Undefined(reason) => undefined_text(reason),
            Metric::Value(_) => String::new(),
        })
    };
    let (estimate, lower, upper) = (defined(d.estimate)?, defined(d.lower)?, defined(d.upper)?);
    Ok(if m.higher_is_better {
        (estimate, lower, upper)
    } else {
        (-estimate, -upper, -lower)
    })
}

fn decision(
    d: &Decision,
    m: &MetricComparison,
    delong: Option<&DeLong>,
    confidence: f64,
    default: bool,
) -> CheckResult {
    let bounds = match (d.interval, delong) {
        (IntervalSource::Delong, Some(t)) => Ok((t.difference, t.lower, t.upper)),
        (IntervalSource::Delong, None) => Err("DeLong's test was not computed".to_owned()),
        (IntervalSource::Bootstrap, _) => improvement_bounds(m),
    };
    let direction = if m.higher_is_better {
        "challenger − champion"
    } else {
        "champion − challenger, lower is better"
    };
    let (passed, reason) = match bounds {
        Err(why) => (
            false,
            format!("{}: the improvement is undefined ({why})", d.metric),
        ),
        Ok((estimate, lower, upper)) => {
            let (passed, rule) = match d.test {
                DecisionTest::Superiority => (
                    lower > d.margin,
                    format!("lower bound > {}", number(d.margin)),
                ),
                DecisionTest::NonInferiority => (
                    lower >= -d.margin,
                    format!("lower bound ≥ −{}", number(d.margin)),
                ),
            };
            (
                passed,
                format!(
                    "{}: improvement {} ({direction}), {} interval [{}, {}]{}; {rule}: {}",
                    d.metric,
                    difference(estimate),
                    percent(confidence),
                    difference(lower),
                    difference(upper),
                    if d.interval == IntervalSource::Delong {
                        " (DeLong)"
                    } else {
                        ""
                    },
                    if passed { "holds" } else { "fails" }
                ),
            )
        }
    };
    CheckResult {
        kind: d.test.into(),
        metric: d.metric.clone(),
        interval: Some(d.interval),
        passed,
        default,
        reason,
    }
}

fn satisficing(
    metric: &str,
    min: Option<f64>,
    max: Option<f64>,
    m: &MetricComparison,
) -> CheckResult {
    let c = &m.challenger;
    let mut passed = true;
    let mut parts = Vec::new();
    if let Some(min) = min {
        match c.lower {
            Metric::Value(lo) => {
                parts.push(format!("lower bound {} ≥ {}", difference(lo), number(min)));
                passed &= lo >= min;
            }
            Metric::Undefined(r) => {
                parts.push(format!("lower bound undefined ({})", undefined_text(r)));
                passed = false;
            }
        }
    }
    if let Some(max) = max {
        match c.upper {
            Metric::Value(hi) => {
                parts.push(format!("upper bound {} ≤ {}", difference(hi), number(max)));
                passed &= hi <= max;
            }
            Metric::Undefined(r) => {
                parts.push(format!("upper bound undefined ({})", undefined_text(r)));
                passed = false;
            }
        }
    }
    CheckResult {
        kind: CheckKind::Satisficing,
        metric: metric.to_owned(),
        interval: Some(IntervalSource::Bootstrap),
        passed,
        default: false,
        reason: format!(
            "{metric} of the challenger: {}; {}",
            if parts.is_empty() {
                "no bound given".to_owned()
            } else {
                parts.join(", ")
            },
            if passed { "holds" } else { "fails" }
        ),
    }
}

fn point_threshold(t: &PointThreshold, m: &MetricComparison) -> CheckResult {
    let (champion, challenger) = (m.champion.estimate.value(), m.challenger.estimate.value());
    let mut passed = true;
    let mut parts = Vec::new();
    match challenger {
        None => {
            passed = false;
            parts.push("the challenger's value is undefined".to_owned());
        }
        Some(v) => {
            if let Some(lo) = t.lower_bound {
                passed &= v >= lo;
                parts.push(format!("value {} ≥ {}", difference(v), number(lo)));
            }
            if let Some(hi) = t.upper_bound {
                passed &= v <= hi;
                parts.push(format!("value {} ≤ {}", difference(v), number(hi)));
            }
        }
    }
    if t.min_absolute_change.is_some() || t.min_relative_change.is_some() {
        match (champion, challenger) {
            (Some(a), Some(b)) => {
                let improvement = if m.higher_is_better { b - a } else { a - b };
                if let Some(min) = t.min_absolute_change {
                    passed &= improvement >= min;
                    parts.push(format!(
                        "change {} ≥ {}",
                        difference(improvement),
                        number(min)
                    ));
                }
                if let Some(min) = t.min_relative_change {
                    if a == 0.0 {
                        passed = false;
                        parts.push(
                            "relative change undefined (the champion's value is 0)".to_owned(),
                        );
                    } else {
                        let relative = improvement / a.abs();
                        passed &= relative >= min;
                        parts.push(format!(
                            "relative change {} ≥ {}",
                            difference(relative),
                            number(min)
                        ));
                    }
                }
            }
            _ => {
                passed = false;
                parts.push("the change is undefined".to_owned());
            }
        }
    }
    CheckResult {
        kind: CheckKind::PointThreshold,
        metric: t.metric.clone(),
        interval: None,
        passed,
        default: false,
        reason: format!(
            "{} (point estimate): {}; {}",
            t.metric,
            if parts.is_empty() {
                "no threshold given".to_owned()
            } else {
                parts.join(", ")
            },
            if passed { "holds" } else { "fails" }
        ),
    }
}

/// Every declared check, or the default decision on `headline` when none is.
pub(super) fn checks(
    config: &CompareConfig,
    metrics: &[MetricComparison],
    delong: Option<&DeLong>,
    headline: &str,
) -> Vec<CheckResult> {
    let find = |name: &str| metrics.iter().find(|m| m.name == name);
    let confidence = config.bootstrap.confidence;
    let mut out = Vec::new();
    let none_declared = config.decisions.is_empty()
        && config.satisficing.is_empty()
        && config.thresholds.is_empty();
    if none_declared && let Some(m) = find(headline) {
        let d = Decision {
            metric: headline.to_owned(),
            test: DecisionTest::NonInferiority,
            margin: 0.0,
            interval: IntervalSource::Bootstrap,
        };
        out.push(decision(&d, m, delong, confidence, true));
    }
    // Names were validated before the comparison ran: each is found.
    for d in &config.decisions {
        if let Some(m) = find(&d.metric) {
            out.push(decision(d, m, delong, confidence, false));
        }
    }
    for s in &config.satisficing {
        if let Some(m) = find(&s.metric) {
            out.push(satisficing(&s.metric, s.min, s.max, m));
        }
    }
    for t in &config.thresholds {
        if let Some(m) = find(&t.metric) {
            out.push(point_threshold(t, m));
        }
    }
    out
}

/// Accepted when every check passes.
pub(super) fn verdict(checks: &[CheckResult]) -> Verdict {
    let failed: Vec<&CheckResult> = checks.iter().filter(|c| !c.passed).collect();
    if failed.is_empty() {
        Verdict {
            accepted: true,
            summary: format!(
                "challenger accepted: {} of {} checks hold",
                checks.len(),
                checks.len()
            ),
        }
    } else {
        Verdict {
            accepted: false,
            summary: format!(
                "challenger rejected: {} of {} checks fail ({})",
                failed.len(),
                checks.len(),
                failed
                    .iter()
                    .map(|c| c.metric.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}
