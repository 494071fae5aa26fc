//! The Gate cell's view-model: the starting `gate.toml` and the checklist as the page
//! shows it (PASS / WARN / FAIL, or missing input, with the evidence). The gate itself
//! is core's ([`lockstep_core::gate`]), run in the worker ([`crate::host::Host::gate`]).

use lockstep_core::gate::{GateReport, Status};

/// The page's starting `gate.toml` (`lockstep gate --config` reads the same file):
/// the candidate beats its baselines, recall and calibration hold on interval bounds,
/// the serving logs replay clean (when the Skew cell ran), and the run is recorded.
pub const DEFAULT_GATE: &str = r#"name = "demo candidate"

# Beats every computed baseline on the blackbox rows (lower bound of its interval).
[[check]]
kind = "beats_baselines"
metric = "accuracy"

# "recall lower bound >= 0.5"
[[check]]
kind = "threshold"
metric = "recall"
bound = "lower"
op = ">="
value = 0.5

[[check]]
kind = "calibration"
max_ece = 0.1
bound = "upper"

# The Skew cell's report (run it first); WARN rather than FAIL without it.
[[check]]
kind = "skew"
required = false

[[check]]
kind = "reproducibility"
"#;

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateRow {
    /// `PASS`, `WARN`, `FAIL`.
    pub status: &'static str,
    /// The check's input was missing (a required one fails, an optional one warns).
    pub missing: bool,
    pub name: String,
    pub required: bool,
    pub evidence: String,
}

/// The checklist of a gate report.
pub fn rows(report: &GateReport) -> Vec<GateRow> {
    report
        .checks
        .iter()
        .map(|c| GateRow {
            status: c.status.label(),
            missing: c.status != Status::Pass && c.evidence.starts_with("missing input"),
            name: c.name.clone(),
            required: c.required,
            evidence: c.evidence.clone(),
        })
        .collect()
}

/// The verdict in words.
pub fn verdict(report: &GateReport) -> String {
    let count = |s: Status| report.checks.iter().filter(|c| c.status == s).count();
    let what = match report.verdict {
        Status::Pass => "ready: every check passes",
        Status::Warn => "ready with warnings: no check fails",
        Status::Fail => "not ready: a check fails",
    };
    format!(
        "{} — {what} ({} pass, {} warn, {} fail)",
        report.verdict.label(),
        count(Status::Pass),
        count(Status::Warn),
        count(Status::Fail)
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_default_gate_file_reads_as_the_cli_reads_it() {
        let config = lockstep_core::gate::GateConfig::from_toml(DEFAULT_GATE).unwrap();
        assert_eq!(config.checks.len(), 5);
        assert_eq!(config.name.as_deref(), Some("demo candidate"));
    }
}
