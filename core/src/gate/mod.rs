//! The readiness gate: one verdict for a model candidate from declared checks
//! (`gate.toml`, [`config`]), each PASS / WARN / FAIL with its evidence, and the
//! blessing ([`blessing`]) that binds the model, pipeline and data fingerprints to it.
//!
//! # Data flow
//!
//! ```text
//! gate.toml ──GateConfig::from_toml──▶ checks ─┐
//! EvalReport (blackbox split) + its JSON ──────┤
//! comparison report JSON, skew report JSON ────┼──run_gate──▶ GateReport ──export──▶ JSON / MD / HTML / JUnit
//! Provenance (fingerprints, versions) ─────────┘                 │
//!                                                                └──Blessing::new──▶ blessing.json
//! blessing.json + model bytes + pipeline bytes ──verify──▶ Ok / BlessingError
//! ```
//!
//! **Missing inputs.** A required check whose input is absent (no report, no such
//! metric, no skew report, no `slices` section, …) is FAIL, never a silent pass; an
//! optional one (`required = false`) is WARN. The verdict is FAIL when any check
//! fails, WARN when none fails but one warns, else PASS.
//!
//! Slice floors, behavioural tests and the champion comparison are read
//! generically ([`checks::read_verdict`]): a named section of the report's JSON, or a
//! JSON file, holding `passed`, a `verdict` / `status` word, or a list of items that
//! each carry one.

pub mod blessing;
pub mod checks;
pub mod config;
pub mod export;
pub mod run;
pub mod schema;

use serde::{Deserialize, Serialize};

pub use blessing::{Blessing, BlessingError, verify};
pub use checks::{GateInputs, Provenance, run_gate};
pub use config::{Bound, CheckConfig, CheckKind, Comparison, GateConfig, GateConfigError};
pub use run::{BlackboxEvaluation, GateRunError, evaluate_blackbox, evaluate_blackbox_async};

/// The gate report format's version.
pub const GATE_VERSION: &str = "1.0.0";

/// A check's (or the gate's) outcome.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Self::Pass => "PASS",
            Self::Warn => "WARN",
            Self::Fail => "FAIL",
        }
    }
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CheckResult {
    pub name: String,
    pub kind: String,
    pub required: bool,
    pub status: Status,
    /// What was measured and against what, in words.
    pub evidence: String,
}

/// The gate's verdict and every check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GateReport {
    pub gate_version: String,
    pub name: Option<String>,
    pub verdict: Status,
    pub checks: Vec<CheckResult>,
    pub provenance: Provenance,
}
