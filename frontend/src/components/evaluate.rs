//! Step 6: the full evaluation report, computed in the page by `lockstep-core` (the
//! code `lockstep eval` runs). The verdict, the contract lines and the metrics with
//! their intervals and baselines are shown here; the whole report is core's own
//! self-contained HTML export in a sandboxed frame; the four exports are downloads.

use leptos::prelude::*;
use leptos::task::spawn_local;
use lockstep_core::report::EvalReport;
use lockstep_core::report::export::format::{interval, metric, metric_short, number, summary};

use super::ColumnSelect;
use super::model::now_ms;
use super::transforms::picked_file;
use crate::download::ObjectUrl;
use crate::load;
use crate::state::{Mode, PageState};
use crate::view::{
    self,
    eval::{EvalInputs, EvalSource, Evaluation},
};

const SETTINGS_PLACEHOLDER: &str = r#"# A metric contract, as `lockstep eval --contract` reads it …
optimizing = "roc_auc"
satisficing = ["f1 >= 0.85", "ece <= 0.08"]

# … and any setting of `lockstep eval --config` (docs/examples/eval.toml)
[bootstrap]
replicates = 1000"#;

/// The four exports: key, name, MIME type, file name.
const EXPORTS: [(&str, &str, &str, &str); 4] = [
    ("json", "JSON", "application/json", "eval-report.json"),
    ("md", "Markdown", "text/markdown", "eval-report.md"),
    ("html", "HTML", "text/html", "eval-report.html"),
    ("junit", "JUnit XML", "application/xml", "eval-junit.xml"),
];

#[component]
pub fn EvaluatePanel() -> impl IntoView {
    let state = expect_context::<PageState>();
    let sel = state.selection;
    let source = RwSignal::new(if sel.with_untracked(|s| s.mode) == Mode::Scores {
        EvalSource::ScoreColumn
    } else {
        EvalSource::PredictionColumn
    });
    let settings = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Result<Evaluation, String>>);
    // Another data set makes a shown report stale.
    Effect::new(move |previous: Option<()>| {
        state.dataset.track();
        if previous.is_some() {
            result.set(None);
        }
    });

    let run = move |_| {
        let selection = sel.get_untracked();
        let model = state.model.get_untracked();
        let pipeline = state.pipeline.get_untracked();
        let settings = settings.get_untracked();
        let outcome = state.dataset.with_untracked(|d| match d {
            Some(dataset) => view::eval::evaluate(
                &EvalInputs {
                    dataset,
                    selection: &selection,
                    source: source.get_untracked(),
                    settings: &settings,
                    model: model.as_ref(),
                    pipeline: pipeline.as_ref(),
                },
                &now_ms,
            ),
            None => Err("load a data set first".to_owned()),
        });
        result.set(Some(outcome));
    };
    let on_settings_file = move |ev: leptos::ev::Event| {
        let Some(file) = picked_file(&ev) else {
            return;
        };
        spawn_local(async move {
            let text = load::read_file(&file).await.and_then(|bytes| {
                String::from_utf8(bytes)
                    .map_err(|e| format!("{}: not UTF-8 text: {e}", file.name()))
            });
            match text {
                Ok(text) => settings.set(text),
                Err(message) => result.set(Some(Err(message))),
            }
        });
    };
    let source_radio = move |value: EvalSource, testid: &'static str| {
        view! {
            <input
                type="radio"
                name="eval-source"
                data-testid=testid
                prop:checked=move || source.get() == value
                on:change=move |_| source.set(value)
            />
        }
    };
    let model_name = move || {
        state
            .model
            .with(|m| m.as_ref().map(|m| m.name.clone()))
            .map_or_else(
                || "the loaded model (none yet: step 5)".to_owned(),
                |name| {
                    let through = if state.pipeline.with(Option::is_some) {
                        " through the pipeline"
                    } else {
                        ""
                    };
                    format!("the model {name}{through}, run here")
                },
            )
    };

    view! {
        <section class="card" data-testid="eval-panel">
            <h2>"6. Evaluation report"</h2>
            <p class="hint">
                "The full report of " <code>"lockstep eval"</code>
                ", computed in this page: metrics with bootstrap intervals next to baselines, calibration, threshold choices and the metric contract's verdict."
            </p>
            <div class="grid">
                <label>
                    "Label column"
                    <ColumnSelect
                        testid="eval-label"
                        value=Signal::derive(move || sel.with(|s| s.label.clone()))
                        on_pick=move |v| sel.update(|s| s.label = v)
                    />
                </label>
                <fieldset>
                    <legend>"Evaluate the predictions of"</legend>
                    <label>
                        {source_radio(EvalSource::PredictionColumn, "eval-source-prediction")}
                        "a prediction column"
                    </label>
                    <label>
                        {source_radio(EvalSource::ScoreColumn, "eval-source-score")}
                        {move || {
                            format!(
                                "a score column, positive when score ≥ {} (step 2)",
                                sel.with(|s| s.threshold),
                            )
                        }}
                    </label>
                    <label>
                        {source_radio(EvalSource::Model, "eval-source-model")} {model_name}
                    </label>
                </fieldset>
                <Show when=move || source.get() == EvalSource::PredictionColumn>
                    <label>
                        "Prediction column"
                        <ColumnSelect
                            testid="eval-prediction"
                            value=Signal::derive(move || sel.with(|s| s.prediction.clone()))
                            on_pick=move |v| sel.update(|s| s.prediction = v)
                        />
                    </label>
                </Show>
                <Show when=move || source.get() == EvalSource::ScoreColumn>
                    <label>
                        "Score column"
                        <ColumnSelect
                            testid="eval-score"
                            value=Signal::derive(move || sel.with(|s| s.score.clone()))
                            on_pick=move |v| sel.update(|s| s.score = v)
                        />
                    </label>
                </Show>
            </div>
            <label class="stack">
                "Settings (TOML): a metric contract as --contract reads it, or a whole config as --config does; empty for the defaults"
                <textarea
                    rows="8"
                    spellcheck="false"
                    data-testid="eval-settings"
                    placeholder=SETTINGS_PLACEHOLDER
                    prop:value=move || settings.get()
                    on:input=move |ev| settings.set(event_target_value(&ev))
                ></textarea>
            </label>
            <p class="hint">
                "The label, the predictions, a score column's threshold and the positive class (step 2) are taken from the picks, not from the settings, as the CLI's flags override its config."
            </p>
            <div class="row">
                <label class="file">
                    "Settings file (TOML) "
                    <input type="file" accept=".toml" data-testid="eval-settings-file" on:change=on_settings_file />
                </label>
                <button data-testid="evaluate" on:click=run>
                    "Evaluate"
                </button>
            </div>
            {move || match result.get() {
                None => ().into_any(),
                Some(Err(message)) => {
                    view! { <p class="error" role="alert" data-testid="eval-error">{message}</p> }.into_any()
                }
                Some(Ok(evaluation)) => view! { <EvalResult evaluation /> }.into_any(),
            }}
        </section>
    }
}

/// The verdict, the contract lines, the metrics, the downloads and the full report.
#[component]
fn EvalResult(evaluation: Evaluation) -> impl IntoView {
    let mut urls = Vec::new();
    let downloads = EXPORTS
        .iter()
        .map(|&(key, name, mime, file)| {
            let text = match key {
                "json" => &evaluation.json,
                "md" => &evaluation.markdown,
                "html" => &evaluation.html,
                _ => &evaluation.junit,
            };
            match ObjectUrl::for_text(text, mime) {
                Ok(url) => {
                    let href = url.url().to_owned();
                    urls.push(url);
                    view! {
                        <a class="button" href=href download=file data-testid=format!("download-{key}")>
                            {format!("Download {name}")}
                        </a>
                    }
                        .into_any()
                }
                Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
            }
        })
        .collect_view();
    // The blobs live as long as their links.
    on_cleanup(move || drop(urls));
    let report = evaluation.report;
    view! {
        <div class="report" data-testid="eval-report">
            <p class="summary" data-testid="eval-summary">{summary(&report).replace('`', "")}</p>
            <Verdict report=report.clone() />
            <MetricsTable report />
            <div class="row">{downloads}</div>
            <h3>"The whole report"</h3>
            <iframe
                class="report-frame"
                title="Evaluation report"
                sandbox=""
                srcdoc=evaluation.html
                data-testid="eval-html"
            ></iframe>
        </div>
    }
}

#[component]
fn Verdict(report: EvalReport) -> impl IntoView {
    let Some(contract) = report.contract else {
        return view! {
            <p class="verdict" data-testid="eval-verdict">
                "No metric contract: add one in the settings to get a verdict."
            </p>
        }
        .into_any();
    };
    let (class, word) = if contract.passed {
        ("verdict pass", "PASS")
    } else {
        ("verdict fail", "FAIL")
    };
    let passing = contract.lines.iter().filter(|l| l.passed).count();
    view! {
        <p class=class data-testid="eval-verdict">
            {word}
        </p>
        <p class="summary">
            {format!("{passing} of {} lines pass; optimizing {}", contract.lines.len(), contract.optimizing.reason)}
        </p>
        <table data-testid="eval-contract">
            <thead>
                <tr>
                    <th>"Line"</th>
                    <th>"Value"</th>
                    <th>"Status"</th>
                    <th>"Why"</th>
                </tr>
            </thead>
            <tbody>
                {contract
                    .lines
                    .into_iter()
                    .map(|l| {
                        view! {
                            <tr class=if l.passed { "pass" } else { "fail" }>
                                <td>
                                    <code>{format!("{} {} {}", l.metric, l.op.symbol(), number(l.threshold))}</code>
                                </td>
                                <td>{l.value.map_or_else(|| "–".to_owned(), number)}</td>
                                <td>{if l.passed { "pass" } else { "fail" }}</td>
                                <td>{l.reason}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// Every metric with its interval and, per baseline, the baseline's value.
#[component]
fn MetricsTable(report: EvalReport) -> impl IntoView {
    let kinds: Vec<_> = report.baselines.iter().map(|b| b.baseline).collect();
    let confidence = format!("{} % interval", number(report.bootstrap.confidence * 100.0));
    view! {
        <div class="scroll">
            <table class="numbers" data-testid="eval-metrics">
                <thead>
                    <tr>
                        <th>"Metric"</th>
                        <th>"Value"</th>
                        <th>{confidence}</th>
                        {kinds.iter().map(|k| view! { <th>{k.label()}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {report
                        .metrics
                        .iter()
                        .map(|row| {
                            let baselines = kinds
                                .iter()
                                .map(|k| {
                                    let value = row
                                        .baselines
                                        .iter()
                                        .find(|b| b.baseline == *k)
                                        .map_or_else(String::new, |b| metric_short(b.value));
                                    view! { <td>{value}</td> }
                                })
                                .collect_view();
                            view! {
                                <tr data-metric=row.name.clone()>
                                    <th>
                                        {format!("{} {}", row.name, if row.higher_is_better { "↑" } else { "↓" })}
                                    </th>
                                    <td>{metric(row.estimate)}</td>
                                    <td>{interval(row)}</td>
                                    {baselines}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
