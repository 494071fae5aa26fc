//! The Pipeline cell: the pipelines the worker holds (read from `pipeline.json` or
//! fitted here) and a spec to fit on a data set.

use leptos::prelude::*;

use super::Ui;
use crate::download::ObjectUrl;
use crate::notebook::{CellInputs, Role};
use crate::view::pipeline::list_preview;

const SPEC_PLACEHOLDER: &str = r#"[[columns]]
name = "age"
steps = [{ step = "impute", strategy = "median" }, { step = "standardize" }]"#;

#[component]
pub fn PipelineCell(id: u32) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let inputs = move || {
        ui.nb.with(|n| match n.cell(id).map(|c| &c.inputs) {
            Some(CellInputs::Pipeline { spec, training }) => (spec.clone(), training.clone()),
            _ => Default::default(),
        })
    };
    let list = move || {
        ui.nb.with(|n| {
            n.pipelines
                .iter()
                .map(|p| {
                    let download = p.fitted_json.as_ref().and_then(|json| {
                        let url = ObjectUrl::for_text(json, "application/json").ok()?;
                        let href = url.url().to_owned();
                        on_cleanup(move || drop(url));
                        Some(view! { <a class="button" href=href download="pipeline.json">"Download the fitted pipeline"</a> })
                    });
                    view! {
                        <div class="item" data-testid="pipeline-item">
                            <p>
                                <strong>{p.name.clone()}</strong>
                                {format!(" — {}; ", p.origin)}
                                <code title=p.sha256.clone()>{format!("fingerprint {}…", &p.sha256[..12.min(p.sha256.len())])}</code>
                            </p>
                            <p class="hint">{format!("reads {}: {}", p.inputs.len(), list_preview(&p.inputs))}</p>
                            <p class="hint">{format!("makes {} features: {}", p.features.len(), list_preview(&p.features))}</p>
                            {download}
                        </div>
                    }
                })
                .collect_view()
        })
    };
    let tables = move || {
        ui.nb.with(|n| {
            n.datasets
                .iter()
                .filter(|d| d.role != Role::Serving)
                .map(|d| d.name.clone())
                .collect::<Vec<_>>()
        })
    };
    view! {
        {list}
        <details>
            <summary>"Fit a spec on a data set"</summary>
            <div class="grid">
                <label>
                    "Fit on"
                    <select
                        data-testid="pipeline-training"
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            ui.edit(id, |i| {
                                if let CellInputs::Pipeline { training, .. } = i {
                                    *training = v;
                                }
                            })
                        }
                    >
                        {move || {
                            let chosen = inputs().1;
                            tables()
                                .into_iter()
                                .map(|t| view! { <option value=t.clone() selected=t == chosen>{t.clone()}</option> })
                                .collect_view()
                        }}
                    </select>
                </label>
            </div>
            <label class="stack">
                "Pipeline spec (TOML or JSON, as lockstep fit reads it)"
                <textarea
                    rows="6"
                    spellcheck="false"
                    data-testid="pipeline-spec"
                    placeholder=SPEC_PLACEHOLDER
                    prop:value=move || inputs().0
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        ui.edit(id, |i| {
                            if let CellInputs::Pipeline { spec, .. } = i {
                                *spec = v;
                            }
                        })
                    }
                ></textarea>
            </label>
            <p class="hint">"Run fits the spec; the models without a pipeline take the fitted one."</p>
        </details>
    }
}
