//! The Gate cell: `gate.toml` over the Evaluate cell's model, evaluated on the
//! blackbox rows by core's `gate::evaluate_blackbox` (what `lockstep gate --data`
//! runs), with the Skew cell's report when it ran — the readiness verdict, each check
//! PASS / WARN / FAIL (or missing input) with its evidence, and the CLI's files.

use leptos::prelude::*;
use lockstep_core::gate::GateReport;

use super::{Output, Ui};
use crate::download::ObjectUrl;
use crate::notebook::CellInputs;
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
    let config = move || {
        ui.nb.with(|n| match n.cell(id).map(|c| &c.inputs) {
            Some(CellInputs::Gate(g)) => g.config.clone(),
            _ => String::new(),
        })
    };
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
            <label class="stack">
                "Gate checks (gate.toml, as lockstep gate --config reads it)"
                <textarea
                    rows="10"
                    spellcheck="false"
                    data-testid="gate-config"
                    prop:value=config
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        ui.edit(id, |i| {
                            if let CellInputs::Gate(g) = i {
                                g.config = v;
                            }
                        });
                    }
                ></textarea>
            </label>
        </details>
        {output}
    }
}

#[component]
fn GateResult(output: std::sync::Arc<GateOutput>) -> impl IntoView {
    let g = &output.gated;
    let mut files = vec![
        (
            "json",
            "Gate report (JSON)",
            "application/json",
            "gate.json",
            g.json.clone(),
        ),
        (
            "md",
            "Gate report (Markdown)",
            "text/markdown",
            "gate.md",
            g.markdown.clone(),
        ),
        (
            "html",
            "Gate report (HTML)",
            "text/html",
            "gate.html",
            g.html.clone(),
        ),
        (
            "junit",
            "Gate report (JUnit XML)",
            "application/xml",
            "gate.junit.xml",
            g.junit.clone(),
        ),
    ];
    if let Some(b) = &g.blessing {
        files.push((
            "blessing",
            "Blessing (JSON)",
            "application/json",
            "blessing.json",
            b.clone(),
        ));
    }
    let mut urls = Vec::new();
    let downloads = files
        .into_iter()
        .filter_map(|(key, name, mime, file, text)| {
            let url = ObjectUrl::for_text(&text, mime).ok()?;
            let href = url.url().to_owned();
            urls.push(url);
            Some(view! {
                <a class="button" href=href download=file data-testid=format!("gate-download-{key}")>{name}</a>
            })
        })
        .collect_view();
    on_cleanup(move || drop(urls));
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
        <p class=if pass { "verdict pass" } else { "verdict fail" } data-testid="gate-verdict">
            {output.verdict.clone()}
        </p>
        <div class="scroll">
            <table class="checks" data-testid="gate-checks">
                <thead>
                    <tr>
                        <th>"check"</th>
                        <th>"required"</th>
                        <th>"result"</th>
                        <th>"evidence"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <div class="row downloads">{downloads}</div>
    }
}
