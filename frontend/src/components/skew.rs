//! Step 7: drop prediction logs written by `lockstep serve` and get the skew report
//! `lockstep skew` would give — replayed in the page through the pipeline and model
//! loaded above, with the loaded data as the training side of distribution skew.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use lockstep_core::skew::SkewReport;

use crate::download::ObjectUrl;
use crate::load;
use crate::state::PageState;
use crate::view::{self, skew::SkewInputs};

/// Dropped or picked log files, in the order given.
type Logs = Arc<Vec<(String, Vec<u8>)>>;

/// Every file of a file list.
fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

#[component]
pub fn SkewPanel() -> impl IntoView {
    let state = expect_context::<PageState>();
    let logs = RwSignal::new(None::<Logs>);
    let use_train = RwSignal::new(true);
    let config = RwSignal::new(String::new());
    let dragging = RwSignal::new(false);
    let result = RwSignal::new(None::<Result<Arc<SkewReport>, String>>);

    let run = move || {
        let Some(files) = logs.get_untracked() else {
            return;
        };
        let outcome = state.pipeline.with_untracked(|p| {
            state.model.with_untracked(|m| {
                let (Some(p), Some(m)) = (p, m) else {
                    return Err(
                        "load a pipeline (step 4) and a model (step 5) first: the logs are replayed through them"
                            .to_owned(),
                    );
                };
                state.dataset.with_untracked(|d| {
                    let config = config.get_untracked();
                    let inputs = SkewInputs {
                        pipeline: &p.pipeline,
                        engine: m.engine(),
                        model_fingerprint: &m.sha256,
                        train: d
                            .as_ref()
                            .filter(|_| use_train.get_untracked())
                            .map(|d| d.table.as_ref()),
                        config: &config,
                    };
                    view::skew::replay_logs(&inputs, &files).map(Arc::new)
                })
            })
        });
        result.set(Some(outcome));
    };
    let load = move |picked: Vec<web_sys::File>| {
        if picked.is_empty() {
            return;
        }
        spawn_local(async move {
            let mut read = Vec::with_capacity(picked.len());
            for file in &picked {
                match load::read_file(file).await {
                    Ok(bytes) => read.push((file.name(), bytes)),
                    Err(err) => {
                        result.set(Some(Err(err)));
                        return;
                    }
                }
            }
            logs.set(Some(Arc::new(read)));
            run();
        });
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        load(files_of(ev.data_transfer().and_then(|d| d.files())));
    };

    view! {
        <section class="card" data-testid="skew">
            <h2>"7. Skew check"</h2>
            <p class="hint">
                "Replays prediction logs written by " <code>"lockstep serve"</code>
                " through the pipeline and model above: transform parity (bit for bit), prediction parity, and distribution skew against the loaded data — the report "
                <code>"lockstep skew"</code> " gives."
            </p>
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
                "Drop prediction logs (.jsonl) here, or pick them "
                <input
                    type="file"
                    multiple
                    accept=".jsonl,.ndjson"
                    data-testid="skew-logs"
                    on:change=move |ev| {
                        let input: web_sys::HtmlInputElement = event_target(&ev);
                        load(files_of(input.files()));
                    }
                />
            </label>
            <div class="row">
                <label>
                    <input
                        type="checkbox"
                        data-testid="skew-use-train"
                        prop:checked=move || use_train.get()
                        on:change=move |ev| use_train.set(event_target_checked(&ev))
                    />
                    " Compare distributions with the loaded data (as training data)"
                </label>
            </div>
            <details>
                <summary>"Tolerances and thresholds (skew.toml, as " <code>"lockstep skew --config"</code> ")"</summary>
                <textarea
                    rows="6"
                    data-testid="skew-config"
                    placeholder="[tolerance]\natol = 1e-6\nrtol = 2e-6\n\n[thresholds]\njensen_shannon = 0.1\nlinf = 0.1"
                    prop:value=move || config.get()
                    on:input=move |ev| config.set(event_target_value(&ev))
                ></textarea>
            </details>
            <button
                data-testid="skew-run"
                prop:disabled=move || logs.with(Option::is_none)
                on:click=move |_| run()
            >
                "Check again"
            </button>
            {move || match result.get() {
                None => None,
                Some(Err(message)) => {
                    Some(view! { <p class="error" role="alert" data-testid="skew-error">{message}</p> }.into_any())
                }
                Some(Ok(report)) => Some(view! { <SkewReportView report /> }.into_any()),
            }}
        </section>
    }
}

#[component]
fn SkewReportView(report: Arc<SkewReport>) -> impl IntoView {
    let verdict = view::skew::verdict(&report);
    let json = serde_json::to_string_pretty(report.as_ref()).unwrap_or_default() + "\n";
    let exports = [
        (
            "json",
            "Report (JSON)",
            "application/json",
            "skew-report.json",
            json,
        ),
        (
            "md",
            "Summary (Markdown)",
            "text/markdown",
            "skew-report.md",
            report.markdown(),
        ),
        (
            "junit",
            "JUnit XML",
            "application/xml",
            "skew-report.xml",
            report.junit(),
        ),
    ];
    let mut urls = Vec::new();
    let downloads = exports
        .into_iter()
        .map(|(key, name, mime, file, text)| match ObjectUrl::for_text(&text, mime) {
            Ok(url) => {
                let href = url.url().to_owned();
                urls.push(url);
                view! {
                    <a class="button" href=href download=file data-testid=format!("skew-download-{key}")>
                        {name}
                    </a>
                }
                .into_any()
            }
            Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
        })
        .collect_view();
    // The blobs live as long as their links.
    on_cleanup(move || drop(urls));
    let rows = report
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
                    <td>{c.message.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p
            class=if report.passed { "verdict pass" } else { "verdict fail" }
            data-testid="skew-verdict"
        >
            {verdict}
        </p>
        <div class="row downloads">{downloads}</div>
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
    }
}
