//! The Leptos views of the page: steps 1–3 (data, columns, metrics) here, the
//! transforms panel in [`transforms`], the model panel in [`model`], the evaluation
//! report in [`evaluate`] and the skew panel in [`skew`].

mod evaluate;
mod model;
mod skew;
mod transforms;

use leptos::prelude::*;
use leptos::task::spawn_local;
use lockstep_core::metrics::BinaryMetrics;

use crate::load;
use crate::state::{self, Mode, PageState};
use evaluate::EvaluatePanel;
use model::ModelPanel;
use skew::SkewPanel;
use transforms::TransformsPanel;

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let state = PageState::new();
    provide_context(state);
    view! {
        <header class="top">
            <h1>"Lockstep"</h1>
            <p class="tagline">
                "Evaluate a model in your browser. Your data is read and evaluated on this page and never uploaded."
            </p>
        </header>
        <main>
            <DataLoader />
            <Show when=move || state.dataset.with(Option::is_some)>
                <ColumnPicker />
                <MetricsPanel />
                <TransformsPanel />
                <ModelPanel />
                <EvaluatePanel />
                <SkewPanel />
            </Show>
        </main>
        <footer>"Computed by lockstep-core compiled to WebAssembly."</footer>
    }
}

/// Step 1: pick a CSV file or load the demo.
#[component]
fn DataLoader() -> impl IntoView {
    let state = expect_context::<PageState>();
    let busy = RwSignal::new(false);

    let on_file = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            match load::read_file(&file).await {
                Ok(bytes) => state.load_csv(file.name(), &bytes),
                Err(err) => state.load_error.set(Some(err)),
            }
            busy.set(false);
        });
    };
    let on_demo = move |_| {
        busy.set(true);
        spawn_local(async move {
            match load::fetch_bytes(load::DEMO_URL).await {
                Ok(bytes) => state.load_csv("breast_cancer_eval.csv (demo)".to_owned(), &bytes),
                Err(err) => state.load_error.set(Some(err)),
            }
            busy.set(false);
        });
    };

    view! {
        <section class="card">
            <h2>"1. Data"</h2>
            <div class="row">
                <label class="file">
                    "Pick a CSV file "
                    <input type="file" accept=".csv,text/csv" data-testid="file-input" on:change=on_file />
                </label>
                <span class="or">"or"</span>
                <button data-testid="load-demo" on:click=on_demo disabled=move || busy.get()>
                    "Load the demo"
                </button>
            </div>
            {move || {
                state
                    .load_error
                    .get()
                    .map(|e| view! { <p class="error" role="alert" data-testid="load-error">{e}</p> })
            }}
            {move || {
                state
                    .dataset
                    .get()
                    .map(|d| {
                        view! {
                            <p class="summary" data-testid="dataset-summary">
                                {format!(
                                    "{}: {} rows × {} columns, {} bytes",
                                    d.name,
                                    d.table.num_rows(),
                                    d.table.num_columns(),
                                    d.bytes,
                                )}
                            </p>
                        }
                    })
            }}
        </section>
    }
}

/// A `<select>` over the data set's column names.
#[component]
fn ColumnSelect(
    testid: &'static str,
    #[prop(into)] value: Signal<String>,
    #[prop(into)] on_pick: Callback<String>,
) -> impl IntoView {
    let state = expect_context::<PageState>();
    let names = move || {
        state.dataset.with(|d| {
            d.as_ref()
                .map(|d| {
                    d.table
                        .column_names()
                        .map(str::to_owned)
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    view! {
        <select
            data-testid=testid
            prop:value=move || value.get()
            on:change=move |ev| on_pick.run(event_target_value(&ev))
        >
            {move || {
                names()
                    .into_iter()
                    .map(|name| {
                        let selected = {
                            let name = name.clone();
                            move || value.get() == name
                        };
                        view! {
                            <option value=name.clone() selected=selected>
                                {name.clone()}
                            </option>
                        }
                    })
                    .collect_view()
            }}
        </select>
    }
}

/// Step 2: choose the label and the predictions.
#[component]
fn ColumnPicker() -> impl IntoView {
    let state = expect_context::<PageState>();
    let sel = state.selection;
    let mode = move || sel.with(|s| s.mode);
    view! {
        <section class="card">
            <h2>"2. Columns"</h2>
            <div class="grid">
                <label>
                    "Label column"
                    <ColumnSelect
                        testid="label-column"
                        value=Signal::derive(move || sel.with(|s| s.label.clone()))
                        on_pick=move |v| sel.update(|s| s.label = v)
                    />
                </label>
                <fieldset>
                    <legend>"Predictions come from"</legend>
                    <label>
                        <input
                            type="radio"
                            name="mode"
                            data-testid="mode-labels"
                            prop:checked=move || mode() == Mode::Labels
                            on:change=move |_| sel.update(|s| s.mode = Mode::Labels)
                        />
                        "a column of predicted classes"
                    </label>
                    <label>
                        <input
                            type="radio"
                            name="mode"
                            data-testid="mode-scores"
                            prop:checked=move || mode() == Mode::Scores
                            on:change=move |_| sel.update(|s| s.mode = Mode::Scores)
                        />
                        "a score column and a threshold"
                    </label>
                </fieldset>
                <Show
                    when=move || mode() == Mode::Labels
                    fallback=move || {
                        view! {
                            <label>
                                "Score column"
                                <ColumnSelect
                                    testid="score-column"
                                    value=Signal::derive(move || sel.with(|s| s.score.clone()))
                                    on_pick=move |v| sel.update(|s| s.score = v)
                                />
                            </label>
                            <label>
                                "Positive when score ≥ "
                                <input
                                    type="number"
                                    step="0.01"
                                    data-testid="threshold"
                                    prop:value=move || sel.with(|s| s.threshold.to_string())
                                    on:input=move |ev| {
                                        if let Ok(t) = event_target_value(&ev).parse::<f64>() {
                                            sel.update(|s| s.threshold = t);
                                        }
                                    }
                                />
                            </label>
                        }
                    }
                >
                    <label>
                        "Prediction column"
                        <ColumnSelect
                            testid="prediction-column"
                            value=Signal::derive(move || sel.with(|s| s.prediction.clone()))
                            on_pick=move |v| sel.update(|s| s.prediction = v)
                        />
                    </label>
                </Show>
                <label>
                    "Positive class (empty: 1 or true)"
                    <input
                        type="text"
                        data-testid="positive-label"
                        prop:value=move || sel.with(|s| s.positive_label.clone())
                        on:input=move |ev| sel.update(|s| s.positive_label = event_target_value(&ev))
                    />
                </label>
            </div>
        </section>
    }
}

fn format_metric(value: Option<f64>) -> String {
    value.map_or_else(|| "undefined".to_owned(), |v| format!("{v:.4}"))
}

/// Step 3: the metrics.
#[component]
fn MetricsPanel() -> impl IntoView {
    let state = expect_context::<PageState>();
    let result = Memo::new(move |_| {
        state.dataset.with(|d| {
            d.as_ref()
                .map(|d| state::evaluate(&d.table, &state.selection.get()))
        })
    });
    view! {
        <section class="card">
            <h2>"3. Metrics"</h2>
            {move || match result.get() {
                None => ().into_any(),
                Some(Err(message)) => {
                    view! { <p class="error" role="alert" data-testid="metrics-error">{message}</p> }
                        .into_any()
                }
                Some(Ok(metrics)) => view! { <MetricsTable metrics /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn MetricsTable(metrics: BinaryMetrics) -> impl IntoView {
    let c = metrics.confusion;
    let rows = [
        ("accuracy", "Accuracy", metrics.accuracy),
        ("precision", "Precision", metrics.precision),
        ("recall", "Recall", metrics.recall),
        ("f1", "F1", metrics.f1),
    ];
    view! {
        <div class="results" data-testid="metrics">
            <table class="metrics">
                <tbody>
                    <tr>
                        <th>"Rows"</th>
                        <td data-testid="metric-rows">{metrics.rows}</td>
                    </tr>
                    <tr>
                        <th>"Positive class"</th>
                        <td data-testid="metric-positive">{metrics.positive_label.clone()}</td>
                    </tr>
                    {rows
                        .into_iter()
                        .map(|(key, label, value)| {
                            view! {
                                <tr>
                                    <th>{label}</th>
                                    <td data-testid=format!("metric-{key}")>{format_metric(value)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            <table class="confusion" data-testid="confusion">
                <thead>
                    <tr>
                        <th></th>
                        <th>"Predicted positive"</th>
                        <th>"Predicted negative"</th>
                    </tr>
                </thead>
                <tbody>
                    <tr>
                        <th>"Actually positive"</th>
                        <td data-testid="cm-tp">{c.true_positives}</td>
                        <td data-testid="cm-fn">{c.false_negatives}</td>
                    </tr>
                    <tr>
                        <th>"Actually negative"</th>
                        <td data-testid="cm-fp">{c.false_positives}</td>
                        <td data-testid="cm-tn">{c.true_negatives}</td>
                    </tr>
                </tbody>
            </table>
            <ul class="notes">
                {metrics.notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
            </ul>
        </div>
    }
}
