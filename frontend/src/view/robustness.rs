//! The Robustness cell: behavioural tests (CheckList's perturbation, invariance and
//! directional expectation) on a model, through core's one evaluation request and
//! [`lockstep_core::report::attach_behaviour`] — the calls `lockstep eval --model …
//! --behaviour tests.toml` makes, so the page's fail rates are the CLI's.

use lockstep_core::behaviour::{BehaviourReport, BehaviourSpec};
use lockstep_core::report::{attach_behaviour, evaluate_request, export};

use super::eval::{EvalPicks, request_error, request_of as request};

/// The tests' results and the evaluation report that carries them.
#[derive(Debug, Clone, PartialEq)]
pub struct Robustness {
    pub behaviour: BehaviourReport,
    /// The whole report as JSON, as `lockstep eval --behaviour --format json` writes it.
    pub report_json: String,
}

/// Reads the tests: the TOML of `lockstep eval --behaviour` (empty: the default suite).
pub fn parse_spec(text: &str) -> Result<BehaviourSpec, String> {
    BehaviourSpec::from_toml(text).map_err(|e| format!("invalid behavioural tests: {e}"))
}

/// Evaluates the picks (a model) and runs the tests of `spec_text` on them.
pub fn run(
    picks: &EvalPicks<'_>,
    spec_text: &str,
    now: &dyn Fn() -> f64,
) -> Result<Robustness, String> {
    let spec = parse_spec(spec_text)?;
    let request = request(picks)?;
    let mut report = evaluate_request(&picks.dataset.table, &request, now)
        .map_err(|e| request_error(picks, e))?;
    attach_behaviour(&mut report, &picks.dataset.table, &request, &spec)
        .map_err(|e| request_error(picks, e))?;
    let report_json = export::json(&report).map_err(|e| e.to_string())?;
    let behaviour = report
        .behaviour
        .ok_or("the behavioural tests gave no result")?;
    Ok(Robustness {
        behaviour,
        report_json,
    })
}
