//! The Skew cell: the serving logs (data sets with the role `serving log`) replayed
//! through a model and its pipeline — the very `lockstep_core::skew::Replayer` that
//! `lockstep skew` runs — with a training set for distribution skew.

use leptos::prelude::*;

use super::kit::{
    Download, cell_state, checks_table, downloads, model_select, pass_fail, settings_box,
    verdict_line,
};
use super::{Output, Ui};
use crate::notebook::Role;
use crate::protocol::Skewed;

#[component]
pub fn SkewCell(id: u32) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let state = cell_state!(ui, id, Skew);
    let logs = move || {
        ui.nb.with(|n| {
            n.datasets
                .iter()
                .filter(|d| d.role == Role::Serving)
                .map(|d| d.name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        })
    };
    let output = move || {
        ui.outputs.with(|o| match o.get(&id) {
            Some(Output::Skewed(s)) => Some(view! { <SkewResult skewed=s.clone() /> }),
            _ => None,
        })
    };
    view! {
        <p class="hint" data-testid="skew-logs">
            {move || {
                let logs = logs();
                if logs.is_empty() {
                    "No serving logs yet: add the JSON Lines or Parquet logs lockstep serve writes.".to_owned()
                } else {
                    format!("Serving logs: {logs}")
                }
            }}
        </p>
        <div class="grid">
            {model_select(
                ui,
                "Model replayed",
                "skew-model".to_owned(),
                None,
                move || state.get().model,
                move |v| state.edit(move |s| s.model = v),
            )}
            <label>
                "Training data for distribution skew"
                <select
                    data-testid="skew-training"
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        state.edit(move |s| s.training = v);
                    }
                >
                    <option value="" selected=move || state.get().training.is_empty()>"none"</option>
                    {move || {
                        let chosen = state.get().training;
                        ui.nb.with(|n| {
                            n.datasets
                                .iter()
                                .filter(|d| d.role != Role::Serving)
                                .map(|d| {
                                    let selected = d.name == chosen;
                                    view! { <option value=d.name.clone() selected=selected>{d.name.clone()}</option> }
                                })
                                .collect_view()
                        })
                    }}
                </select>
            </label>
        </div>
        <details>
            <summary>"skew.toml"</summary>
            {settings_box(
                "Skew settings (skew.toml; empty for the defaults)",
                "skew-config",
                "4",
                None,
                move || state.get().config,
                move |v| state.edit(move |s| s.config = v),
            )}
        </details>
        {output}
    }
}

#[component]
fn SkewResult(skewed: std::sync::Arc<Skewed>) -> impl IntoView {
    let downloads = downloads(
        "skew",
        &[
            Download::new(
                "json",
                "Skew report (JSON)",
                "application/json",
                "skew-report.json",
                &skewed.json,
            ),
            Download::new(
                "md",
                "Skew report (Markdown)",
                "text/markdown",
                "skew-report.md",
                &skewed.markdown,
            ),
            Download::new(
                "junit",
                "Skew report (JUnit XML)",
                "application/xml",
                "skew-report.xml",
                &skewed.junit,
            ),
        ],
    );
    let rows = skewed
        .checks
        .iter()
        .map(|c| {
            let (class, result) = pass_fail(c.passed);
            view! {
                <tr class=class>
                    <td>{result}</td>
                    <td>{c.group.clone()}</td>
                    <td>{c.subject.clone()}</td>
                    <td class="text">{c.message.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {verdict_line(skewed.passed, "skew-verdict", skewed.verdict.clone())}
        {downloads}
        {checks_table("skew-checks", &["result", "check", "subject", "finding"], rows)}
    }
}
