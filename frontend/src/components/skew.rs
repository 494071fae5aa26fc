//! The Skew cell: the serving logs (data sets with the role `serving log`) replayed
//! through a model and its pipeline — the very `lockstep_core::skew::Replayer` that
//! `lockstep skew` runs — with a training set for distribution skew.

use leptos::prelude::*;

use super::{Output, Ui};
use crate::download::ObjectUrl;
use crate::notebook::{CellInputs, Role, SkewInputs};
use crate::protocol::Skewed;

#[component]
pub fn SkewCell(id: u32) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let inputs = move || {
        ui.nb.with(|n| match n.cell(id).map(|c| &c.inputs) {
            Some(CellInputs::Skew(s)) => s.clone(),
            _ => SkewInputs::default(),
        })
    };
    let edit = move |f: Box<dyn FnOnce(&mut SkewInputs)>| {
        ui.edit(id, |i| {
            if let CellInputs::Skew(s) = i {
                f(s);
            }
        });
    };
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
            <label>
                "Model replayed"
                <select
                    data-testid="skew-model"
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        edit(Box::new(move |s| s.model = v));
                    }
                >
                    {move || {
                        let chosen = inputs().model;
                        ui.nb.with(|n| {
                            n.models
                                .iter()
                                .map(|m| {
                                    let selected = m.name == chosen;
                                    view! { <option value=m.name.clone() selected=selected>{format!("{}: {}", m.role.key(), m.name)}</option> }
                                })
                                .collect_view()
                        })
                    }}
                </select>
            </label>
            <label>
                "Training data for distribution skew"
                <select
                    data-testid="skew-training"
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        edit(Box::new(move |s| s.training = v));
                    }
                >
                    <option value="" selected=move || inputs().training.is_empty()>"none"</option>
                    {move || {
                        let chosen = inputs().training;
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
            <label class="stack">
                "Skew settings (skew.toml; empty for the defaults)"
                <textarea
                    rows="4"
                    spellcheck="false"
                    data-testid="skew-config"
                    prop:value=move || inputs().config
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        edit(Box::new(move |s| s.config = v));
                    }
                ></textarea>
            </label>
        </details>
        {output}
    }
}

#[component]
fn SkewResult(skewed: std::sync::Arc<Skewed>) -> impl IntoView {
    let exports = [
        (
            "json",
            "Skew report (JSON)",
            "application/json",
            "skew-report.json",
            &skewed.json,
        ),
        (
            "md",
            "Skew report (Markdown)",
            "text/markdown",
            "skew-report.md",
            &skewed.markdown,
        ),
        (
            "junit",
            "Skew report (JUnit XML)",
            "application/xml",
            "skew-report.xml",
            &skewed.junit,
        ),
    ];
    let mut urls = Vec::new();
    let downloads = exports
        .into_iter()
        .filter_map(|(key, name, mime, file, text)| {
            let url = ObjectUrl::for_text(text, mime).ok()?;
            let href = url.url().to_owned();
            urls.push(url);
            Some(view! {
                <a class="button" href=href download=file data-testid=format!("skew-download-{key}")>
                    {name}
                </a>
            })
        })
        .collect_view();
    on_cleanup(move || drop(urls));
    let rows = skewed
        .checks
        .iter()
        .map(|c| {
            let (class, result) = if c.passed {
                ("pass", "pass")
            } else {
                ("fail", "FAIL")
            };
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
        <p class=if skewed.passed { "verdict pass" } else { "verdict fail" } data-testid="skew-verdict">
            {skewed.verdict.clone()}
        </p>
        <div class="row downloads">{downloads}</div>
        <div class="scroll">
            <table class="checks" data-testid="skew-checks">
                <thead>
                    <tr>
                        <th>"result"</th>
                        <th>"check"</th>
                        <th>"subject"</th>
                        <th>"finding"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
