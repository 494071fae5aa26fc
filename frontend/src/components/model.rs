//! Step 5: load an ONNX model, see what it is, and run it on the loaded data (through
//! the pipeline when there is one).

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::transforms::picked_file;
use crate::load;
use crate::state::{LoadedModel, PageState};
use crate::view::{
    self,
    model::{ModelSummary, PredictionPreview, ValueRow},
};

/// Milliseconds from the page's high-resolution clock.
pub(super) fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

#[component]
pub fn ModelPanel() -> impl IntoView {
    let state = expect_context::<PageState>();
    let error = RwSignal::new(None::<String>);
    let dragging = RwSignal::new(false);

    let load = move |file: web_sys::File| {
        spawn_local(async move {
            let loaded = load::read_file(&file)
                .await
                .and_then(|bytes| LoadedModel::from_bytes(file.name(), &bytes));
            match loaded {
                Ok(model) => {
                    state.model.set(Some(model));
                    error.set(None);
                }
                Err(message) => {
                    state.model.set(None);
                    error.set(Some(format!("{}: {message}", file.name())));
                }
            }
        });
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(file) = ev
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0))
        {
            load(file);
        }
    };
    let prediction = Memo::new(move |_| {
        let model = state.model.get()?;
        state.dataset.with(|d| {
            let d = d.as_ref()?;
            state.pipeline.with(|p| {
                let pipeline = p.as_ref().map(|p| p.pipeline.as_ref());
                Some(view::model::predict(
                    model.engine(),
                    model.class_labels.as_deref(),
                    &d.table,
                    pipeline,
                    &now_ms,
                ))
            })
        })
    });

    view! {
        <section class="card" data-testid="model">
            <h2>"5. Model"</h2>
            <label
                class="drop"
                class:dragging=move || dragging.get()
                on:dragover=move |ev| {
                    ev.prevent_default();
                    dragging.set(true);
                }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop
            >
                "Drop an .onnx model here, or pick one "
                <input
                    type="file"
                    accept=".onnx"
                    data-testid="model-file"
                    on:change=move |ev| {
                        if let Some(file) = picked_file(&ev) {
                            load(file);
                        }
                    }
                />
            </label>
            {move || {
                error.get().map(|e| view! { <p class="error" role="alert" data-testid="model-error">{e}</p> })
            }}
            {move || {
                state
                    .model
                    .get()
                    .map(|m| {
                        let summary = view::model::summarize(&m.model);
                        view! { <ModelInfo name=m.name bytes=m.bytes summary /> }
                    })
            }}
            <Show when=move || state.model.with(Option::is_some)>
                <p class="summary" data-testid="model-input-source">
                    {move || {
                        state
                            .pipeline
                            .with(|p| match p {
                                Some(p) => {
                                    format!(
                                        "Input: the {} features of pipeline {}.",
                                        p.pipeline.feature_names().len(),
                                        p.pipeline.fingerprint().get(..12).unwrap_or_default(),
                                    )
                                }
                                None => "Input: the table's columns.".to_owned(),
                            })
                    }}
                </p>
            </Show>
            {move || match prediction.get() {
                None => ().into_any(),
                Some(Err(message)) => {
                    view! { <p class="error" role="alert" data-testid="prediction-error">{message}</p> }
                        .into_any()
                }
                Some(Ok(preview)) => view! { <PredictionTable preview /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn ValueTable(testid: &'static str, rows: Vec<ValueRow>) -> impl IntoView {
    view! {
        <table data-testid=testid>
            <thead>
                <tr>
                    <th>"Name"</th>
                    <th>"Type"</th>
                    <th>"Shape"</th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|r| {
                        view! {
                            <tr>
                                <td>{r.name}</td>
                                <td>{r.dtype}</td>
                                <td>{r.shape}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// Producer, opsets, inputs, outputs and ops.
#[component]
fn ModelInfo(name: String, bytes: usize, summary: ModelSummary) -> impl IntoView {
    view! {
        <div class="report" data-testid="model-info">
            <p class="summary">
                {format!("{name}: {bytes} bytes, produced by ")}
                <span data-testid="model-producer">{summary.producer}</span>
                "; opsets "
                <span data-testid="model-opsets">{summary.opsets.join(", ")}</span>
            </p>
            <div class="results">
                <div>
                    <h3>"Inputs"</h3>
                    <ValueTable testid="model-inputs" rows=summary.inputs />
                </div>
                <div>
                    <h3>"Outputs"</h3>
                    <ValueTable testid="model-outputs" rows=summary.outputs />
                </div>
                <div>
                    <h3>"Ops"</h3>
                    <table data-testid="model-ops">
                        <thead>
                            <tr>
                                <th>"Op"</th>
                                <th>"Domain"</th>
                                <th>"Nodes"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {summary
                                .ops
                                .into_iter()
                                .map(|o| {
                                    view! {
                                        <tr>
                                            <td>{o.op_type}</td>
                                            <td>{o.domain}</td>
                                            <td>{o.count}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            </div>
        </div>
    }
}

/// The first rows of the predictions, with the row count and run time.
#[component]
fn PredictionTable(preview: PredictionPreview) -> impl IntoView {
    view! {
        <p class="summary">
            "Predicted " <span data-testid="prediction-rows">{preview.rows}</span> " rows in "
            <span data-testid="prediction-time">{format!("{:.1}", preview.millis)}</span> " ms; the first "
            {preview.first_rows.len()} ":"
        </p>
        <div class="scroll">
            <table class="numbers" data-testid="predictions">
                <thead>
                    <tr>{preview.headers.into_iter().map(|h| view! { <th>{h}</th> }).collect_view()}</tr>
                </thead>
                <tbody>
                    {preview
                        .first_rows
                        .into_iter()
                        .map(|row| {
                            view! { <tr>{row.into_iter().map(|v| view! { <td>{v}</td> }).collect_view()}</tr> }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
