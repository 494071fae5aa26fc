//! Step 4: fit a pipeline spec on the loaded data (or load a fitted pipeline), see
//! what was fitted, and the features it makes from the data.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::download::ObjectUrl;
use crate::load;
use crate::state::{LoadedPipeline, PageState};
use crate::view::{self, pipeline::FeaturePreview};

const SPEC_PLACEHOLDER: &str = r#"[[columns]]
name = "mean_radius"
steps = [{ step = "standardize" }]

[[columns]]
name = "worst_concavity"
steps = [{ step = "bucketize", quantiles = 4 }]"#;

/// The first file of a file input's change event.
pub(super) fn picked_file(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    let input: web_sys::HtmlInputElement = event_target(ev);
    input.files().and_then(|files| files.get(0))
}

#[component]
pub fn TransformsPanel() -> impl IntoView {
    let state = expect_context::<PageState>();
    let spec = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);

    let fit = move || {
        let text = spec.get_untracked();
        // The training data is read with the spec's null values, as `lockstep fit` reads it.
        let fitted = view::pipeline::parse_spec(&text).and_then(|parsed| {
            state.use_null_values(&parsed.effective_null_values())?;
            state.dataset.with_untracked(|d| match d {
                Some(d) => {
                    view::pipeline::fit_parsed(&parsed, &d.table).map(|p| (p, d.name.clone()))
                }
                None => Err("load a data set first: the spec is fitted on it".to_owned()),
            })
        });
        match fitted {
            Ok((pipeline, data)) => {
                state.pipeline.set(Some(LoadedPipeline {
                    origin: format!("fitted in this page on {data}"),
                    fitted_here: true,
                    pipeline: Arc::new(pipeline),
                }));
                error.set(None);
            }
            Err(message) => error.set(Some(message)),
        }
    };
    let on_spec_file = move |ev: leptos::ev::Event| {
        let Some(file) = picked_file(&ev) else {
            return;
        };
        spawn_local(async move {
            let text = load::read_file(&file).await.and_then(|bytes| {
                String::from_utf8(bytes)
                    .map_err(|e| format!("{}: not UTF-8 text: {e}", file.name()))
            });
            match text {
                Ok(text) => {
                    spec.set(text);
                    fit();
                }
                Err(message) => error.set(Some(message)),
            }
        });
    };
    let on_fitted_file = move |ev: leptos::ev::Event| {
        let Some(file) = picked_file(&ev) else {
            return;
        };
        spawn_local(async move {
            let read = load::read_file(&file)
                .await
                .and_then(|bytes| view::pipeline::read_fitted(&bytes))
                .map_err(|e| format!("{}: {e}", file.name()));
            match read {
                Ok(pipeline) => {
                    if let Err(message) = state.use_null_values(&pipeline.null_values()) {
                        error.set(Some(message));
                        return;
                    }
                    state.pipeline.set(Some(LoadedPipeline {
                        origin: format!("loaded from {}", file.name()),
                        fitted_here: false,
                        pipeline: Arc::new(pipeline),
                    }));
                    error.set(None);
                }
                Err(message) => error.set(Some(message)),
            }
        });
    };

    view! {
        <section class="card" data-testid="transforms">
            <h2>"4. Transforms"</h2>
            <p class="hint">
                "Fit a pipeline spec on the loaded data (it is the training set), or load a fitted pipeline.json."
            </p>
            <div class="row">
                <label class="file">
                    "Fitted pipeline (JSON) "
                    <input
                        type="file"
                        accept=".json,application/json"
                        data-testid="pipeline-file"
                        on:change=on_fitted_file
                    />
                </label>
                <label class="file">
                    "Spec file (TOML or JSON) "
                    <input type="file" accept=".toml,.json" data-testid="spec-file" on:change=on_spec_file />
                </label>
            </div>
            <label class="stack">
                "Spec (TOML, or JSON starting with {)"
                <textarea
                    rows="8"
                    spellcheck="false"
                    data-testid="spec-text"
                    placeholder=SPEC_PLACEHOLDER
                    prop:value=move || spec.get()
                    on:input=move |ev| spec.set(event_target_value(&ev))
                ></textarea>
            </label>
            <div class="row">
                <button data-testid="fit" on:click=move |_| fit()>
                    "Fit on the loaded data"
                </button>
            </div>
            {move || {
                error
                    .get()
                    .map(|e| view! { <p class="error" role="alert" data-testid="transforms-error">{e}</p> })
            }}
            {move || state.pipeline.get().map(|loaded| view! { <PipelineReport loaded /> })}
        </section>
    }
}

/// What was fitted: fingerprint, input schema, statistics, output features.
#[component]
fn PipelineReport(loaded: LoadedPipeline) -> impl IntoView {
    let state = expect_context::<PageState>();
    let pipeline = loaded.pipeline;
    let download = loaded.fitted_here.then(|| {
        pipeline
            .to_json()
            .map_err(|e| e.to_string())
            .and_then(|json| ObjectUrl::for_text(&json, "application/json"))
    });
    let schema = view::pipeline::schema_rows(&pipeline);
    let steps = view::pipeline::step_rows(&pipeline);
    let features = pipeline.feature_names().to_vec();
    let preview = {
        let pipeline = Arc::clone(&pipeline);
        move || {
            state.dataset.with(|d| {
                d.as_ref()
                    .map(|d| view::pipeline::preview_features(&pipeline, &d.table))
            })
        }
    };
    view! {
        <div class="report" data-testid="pipeline-report">
            <p class="summary">
                "Pipeline " <code data-testid="pipeline-fingerprint">{pipeline.fingerprint().to_owned()}</code>
                {format!(
                    " — {}, {} training rows, {} features",
                    loaded.origin,
                    pipeline.training_rows(),
                    features.len(),
                )}
            </p>
            <div class="row">
                {match download {
                    Some(Ok(url)) => {
                        let href = url.url().to_owned();
                        // The blob lives as long as its link.
                        on_cleanup(move || drop(url));
                        view! {
                            <a class="button" href=href download="pipeline.json" data-testid="download-pipeline">
                                "Download pipeline.json"
                            </a>
                        }
                            .into_any()
                    }
                    Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                    None => ().into_any(),
                }}
                <button data-testid="pipeline-clear" on:click=move |_| state.pipeline.set(None)>
                    "Forget this pipeline"
                </button>
            </div>
            <h3>"Input schema"</h3>
            <table data-testid="pipeline-schema">
                <thead>
                    <tr>
                        <th>"Column"</th>
                        <th>"Type"</th>
                        <th>"Nulls in training"</th>
                        <th>"Known categories"</th>
                    </tr>
                </thead>
                <tbody>
                    {schema
                        .into_iter()
                        .map(|r| {
                            view! {
                                <tr>
                                    <td>{r.name}</td>
                                    <td>{r.data_type}</td>
                                    <td>{r.nullable}</td>
                                    <td>{r.categories}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            <h3>"Fitted statistics"</h3>
            <table data-testid="pipeline-steps">
                <thead>
                    <tr>
                        <th>"Output"</th>
                        <th>"From"</th>
                        <th>"Step"</th>
                        <th>"Statistics"</th>
                        <th>"Features"</th>
                    </tr>
                </thead>
                <tbody>
                    {steps
                        .into_iter()
                        .map(|r| {
                            view! {
                                <tr>
                                    <td>{r.block}</td>
                                    <td>{r.source}</td>
                                    <td>{r.step}</td>
                                    <td>{r.statistics}</td>
                                    <td>{r.features}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            <h3>"Output features, in order"</h3>
            <ol class="features" data-testid="pipeline-features">
                {features.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}
            </ol>
            <h3>"Applied to the loaded data"</h3>
            {move || match preview() {
                None => ().into_any(),
                Some(Err(message)) => {
                    view! { <p class="error" role="alert" data-testid="features-error">{message}</p> }
                        .into_any()
                }
                Some(Ok(preview)) => view! { <FeatureTable preview /> }.into_any(),
            }}
        </div>
    }
}

/// The first rows of the feature matrix and the unseen-category counts.
#[component]
fn FeatureTable(preview: FeaturePreview) -> impl IntoView {
    let oov = if preview.oov.is_empty() {
        view! { <p data-testid="oov-none">"No unseen categories."</p> }.into_any()
    } else {
        view! {
            <table data-testid="oov">
                <thead>
                    <tr>
                        <th>"Output"</th>
                        <th>"Rows with unseen categories"</th>
                        <th>"Distinct unseen"</th>
                        <th>"Examples"</th>
                    </tr>
                </thead>
                <tbody>
                    {preview
                        .oov
                        .into_iter()
                        .map(|o| {
                            view! {
                                <tr>
                                    <td>{o.column}</td>
                                    <td>{o.rows}</td>
                                    <td>{o.distinct}</td>
                                    <td>{o.examples}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <p class="summary" data-testid="feature-summary">
            {format!(
                "{} rows × {} features; the first {}:",
                preview.rows,
                preview.feature_names.len(),
                preview.first_rows.len(),
            )}
        </p>
        <div class="scroll">
            <table class="numbers" data-testid="feature-matrix">
                <thead>
                    <tr>{preview.feature_names.into_iter().map(|n| view! { <th>{n}</th> }).collect_view()}</tr>
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
        {oov}
    }
}
