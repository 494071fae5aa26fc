//! The Gate cell: `gate.toml` over the Evaluate cell's model, evaluated on the
//! blackbox rows by core's `gate::evaluate_blackbox` (what `lockstep gate --data`
//! runs), with the Skew cell's report when it ran — the readiness verdict, each check
//! PASS / WARN / FAIL (or missing input) with its evidence, and the CLI's files.

use leptos::prelude::*;
use lockstep_core::gate::GateReport;

use super::kit::{
    Download, cell_state, checks_table, downloads, engine_line, settings_box, verdict_line,
};
use super::{Output, Ui};
use crate::protocol::Gated;
use crate::view::gate::{GateRow, rows, verdict};

/// A gate reply with its report read back.
#[derive(Debug)]
pub struct GateOutput {
    pub gated: Gated,
    pub report: GateReport,
    pub rows: Vec<GateRow>,
    pub verdict: String,
}

impl GateOutput {
    pub fn read(gated: Gated) -> Result<Self, String> {
        let report = lockstep_core::gate::export::from_json(&gated.json)
            .map_err(|e| format!("cannot read the gate report: {e}"))?;
        Ok(Self {
            rows: rows(&report),
            verdict: verdict(&report),
            report,
            gated,
        })
    }
}

#[component]
pub fn GateCell(id: u32) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let state = cell_state!(ui, id, Gate);
    let output = move || {
        ui.outputs.with(|o| match o.get(&id) {
            Some(Output::Gated(g)) => Some(view! { <GateResult output=g.clone() /> }),
            _ => None,
        })
    };
    view! {
        <p class="hint">
            "Judges the Evaluate cell's model on the blackbox rows of its data, and the Skew cell's report when it ran, as lockstep gate does."
        </p>
        <details>
            <summary>"gate.toml"</summary>
            {settings_box(
                "Gate checks (gate.toml, as lockstep gate --config reads it)",
                "gate-config",
                "10",
                None,
                move || state.get().config,
                move |v| state.edit(|g| g.config = v),
            )}
        </details>
        {output}
    }
}

#[component]
fn GateResult(output: std::sync::Arc<GateOutput>) -> impl IntoView {
    let g = &output.gated;
    let mut files = vec![
        Download::new(
            "json",
            "Gate report (JSON)",
            "application/json",
            "gate.json",
            &g.json,
        ),
        Download::new(
            "md",
            "Gate report (Markdown)",
            "text/markdown",
            "gate.md",
            &g.markdown,
        ),
        Download::new(
            "html",
            "Gate report (HTML)",
            "text/html",
            "gate.html",
            &g.html,
        ),
        Download::new(
            "junit",
            "Gate report (JUnit XML)",
            "application/xml",
            "gate.junit.xml",
            &g.junit,
        ),
    ];
    if let Some(b) = &g.blessing {
        files.push(Download::new(
            "blessing",
            "Blessing (JSON)",
            "application/json",
            "blessing.json",
            b,
        ));
    }
    let downloads = downloads("gate", &files);
    let pass = output.report.verdict != lockstep_core::gate::Status::Fail;
    let rows = output
        .rows
        .iter()
        .map(|r| {
            let class = match r.status {
                "PASS" => "pass",
                "WARN" => "warn",
                _ => "fail",
            };
            view! {
                <tr class=class>
                    <th scope="row" class="text">{r.name.clone()}</th>
                    <td>{if r.required { "required" } else { "optional" }}</td>
                    <td>{r.status}{r.missing.then_some(" (missing)")}</td>
                    <td class="text">{r.evidence.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {verdict_line(pass, "gate-verdict", output.verdict.clone())}
        {engine_line("gate-engine", output.gated.engine.clone())}
        {checks_table("gate-checks", &["check", "required", "result", "evidence"], rows)}
        {downloads}
    }
}
