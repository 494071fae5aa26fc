//! The Models cell: every model with its role (champion, challenger) and the pipeline
//! that feeds it; Run shows each model's first predictions on the test set. Its Engine
//! control picks the backend the model runs of the Evaluate, Slices, Compare, Gate,
//! Diagnose and Error analysis cells go to (`crate::gpu`; the Robustness cell's many
//! perturbed runs stay on the CPU engine); with `gpu` or
//! `auto`, Run also shows each model's parity on WebGPU with the CPU engine, every row
//! compared under the model's tolerance tier.

use leptos::prelude::*;

use super::{Output, Ui};
use crate::notebook::ModelRole;
use crate::protocol::Command;

#[component]
pub fn ModelsCell(id: u32) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let models = move || {
        ui.nb.with(|n| {
            let pipelines: Vec<String> = n.pipelines.iter().map(|p| p.name.clone()).collect();
            n.models
                .iter()
                .map(|m| {
                    let name = m.name.clone();
                    let role = m.role;
                    let current = m.pipeline.clone();
                    let pipeline = m.pipeline.clone();
                    let (n1, n2) = (name.clone(), name.clone());
                    view! {
                        <div class="item" data-testid="model-item">
                            <p>
                                <strong>{m.name.clone()}</strong>
                                {format!(" — {} bytes, by {}; ", m.bytes, m.producer)}
                                <code title=m.sha256.clone()>{format!("sha256 {}…", &m.sha256[..12.min(m.sha256.len())])}</code>
                            </p>
                            <div class="row">
                                <label>
                                    {format!("Role of {} ", m.name)}
                                    <select on:change=move |ev| {
                                        let role = if event_target_value(&ev) == "challenger" { ModelRole::Challenger } else { ModelRole::Champion };
                                        ui.change(Command::SetModel { name: n1.clone(), role, pipeline: pipeline.clone() });
                                    }>
                                        <option value="champion" selected=role == ModelRole::Champion>"champion"</option>
                                        <option value="challenger" selected=role == ModelRole::Challenger>"challenger"</option>
                                    </select>
                                </label>
                                <label>
                                    {format!("Pipeline of {} ", m.name)}
                                    <select on:change=move |ev| {
                                        let v = event_target_value(&ev);
                                        ui.change(Command::SetModel { name: n2.clone(), role, pipeline: (!v.is_empty()).then_some(v) });
                                    }>
                                        <option value="" selected=current.is_none()>"none: the data's columns"</option>
                                        {pipelines
                                            .iter()
                                            .map(|p| view! { <option value=p.clone() selected=current.as_ref() == Some(p)>{p.clone()}</option> })
                                            .collect_view()}
                                    </select>
                                </label>
                            </div>
                            <p class="hint">{format!("inputs: {}", m.inputs.join("; "))}</p>
                            <p class="hint">{format!("outputs: {}", m.outputs.join("; "))}</p>
                        </div>
                    }
                })
                .collect_view()
        })
    };
    let output = move || {
        ui.outputs.with(|o| match o.get(&id) {
            Some(Output::Predicted(all)) => Some(
                all.iter()
                    .map(|p| {
                        let parity = p.parity.clone().map(|(line, rows)| {
                            view! {
                                <p data-testid="parity">{format!("Parity of {}: {line}", p.model)}</p>
                                <table class="numbers" data-testid="parity-table">
                                    <thead><tr><th>"output"</th><th>"verdict"</th><th>"against the CPU engine"</th></tr></thead>
                                    <tbody>
                                        {rows
                                            .into_iter()
                                            .map(|r| view! { <tr>{r.into_iter().map(|v| view! { <td>{v}</td> }).collect_view()}</tr> })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            }
                        });
                        view! {
                            <h3>{format!("{} on {}: {} rows in {}", p.model, p.dataset, p.rows, super::seconds(p.millis))}</h3>
                            {parity}
                            <div class="scroll">
                                <table class="numbers" data-testid="predictions">
                                    <thead><tr>{p.headers.iter().map(|h| view! { <th>{h.clone()}</th> }).collect_view()}</tr></thead>
                                    <tbody>
                                        {p.first_rows
                                            .iter()
                                            .map(|r| view! { <tr>{r.iter().map(|v| view! { <td>{v.clone()}</td> }).collect_view()}</tr> })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }
                    })
                    .collect_view(),
            ),
            _ => None,
        })
    };
    // The engine models run on: the last one chosen here (a re-added cell shows it), else
    // the page address's `?backend=`.
    let asked = crate::gpu::chosen()
        .or_else(|| {
            web_sys::window()
                .and_then(|w| w.location().search().ok())
                .and_then(|s| crate::gpu::backend_asked(&s).ok().flatten())
        })
        .unwrap_or(crate::gpu::Backend::Core);
    view! {
        <label>
            "Engine "
            <select data-testid="backend" on:change=move |ev| {
                let name = event_target_value(&ev);
                let _ = crate::gpu::choose(&name);
                ui.change(Command::Backend(name));
            }>
                {[("core", "core: the CPU engine"), ("gpu", "gpu: WebGPU, with its parity on Run"), ("auto", "auto: the faster on a timed sample")]
                    .map(|(v, text)| view! { <option value=v selected=asked.name() == v>{text}</option> })
                    .collect_view()}
            </select>
        </label>
        <Show
            when=move || ui.nb.with(|n| !n.models.is_empty())
            fallback=|| view! { <p class="hint">"No model yet: add an .onnx file (the first is the champion, the next ones challengers)."</p> }
        >
            {models}
        </Show>
        {output}
    }
}
