//! The Models cell: every model with its role (champion, challenger) and the pipeline
//! that feeds it; Run shows each model's first predictions on the test set.

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
                        view! {
                            <h3>{format!("{} on {}: {} rows in {}", p.model, p.dataset, p.rows, super::seconds(p.millis))}</h3>
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
    view! {
        <Show
            when=move || ui.nb.with(|n| !n.models.is_empty())
            fallback=|| view! { <p class="hint">"No model yet: add an .onnx file (the first is the champion, the next ones challengers)."</p> }
        >
            {models}
        </Show>
        {output}
    }
}
