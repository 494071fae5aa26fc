//! The Evaluate cell: the full report of `lockstep eval` — metrics with bootstrap
//! intervals next to baselines, the metric contract's verdict, ROC and
//! precision–recall curves (core's own SVG, as the HTML export draws them) — computed in
//! the worker through core's one evaluation request, and its four exports.

use leptos::prelude::*;
use lockstep_core::report::EvalReport;
use lockstep_core::report::export::format::{interval, metric, metric_short, number, summary};

use super::{EvalOutput, Output, Ui};
use crate::download::ObjectUrl;
use crate::notebook::{CellInputs, EvalInputs, PredictionSource, Role};

const SETTINGS_PLACEHOLDER: &str = r#"# A metric contract, as `lockstep eval --contract` reads it …
optimizing = "roc_auc"
satisficing = ["f1 >= 0.85", "ece <= 0.08"]

# … and any setting of `lockstep eval --config` (docs/examples/eval.toml)
[bootstrap]
replicates = 1000"#;

/// The four exports: key, name, MIME type, file name.
const EXPORTS: [(&str, &str, &str, &str); 4] = [
    (
        "json",
        "Evaluation report (JSON)",
        "application/json",
        "eval-report.json",
    ),
    (
        "md",
        "Evaluation report (Markdown)",
        "text/markdown",
        "eval-report.md",
    ),
    (
        "html",
        "Evaluation report (HTML)",
        "text/html",
        "eval-report.html",
    ),
    (
        "junit",
        "Evaluation report (JUnit XML)",
        "application/xml",
        "eval-junit.xml",
    ),
];

fn source_key(source: Option<&PredictionSource>) -> String {
    match source {
        Some(PredictionSource::Model(m)) => format!("model:{m}"),
        Some(PredictionSource::Score(c)) => format!("score:{c}"),
        Some(PredictionSource::Column(c)) => format!("column:{c}"),
        None => String::new(),
    }
}

fn source_of(key: &str) -> Option<PredictionSource> {
    let (kind, name) = key.split_once(':')?;
    let name = name.to_owned();
    match kind {
        "model" => Some(PredictionSource::Model(name)),
        "score" => Some(PredictionSource::Score(name)),
        "column" => Some(PredictionSource::Column(name)),
        _ => None,
    }
}

/// An `<option>` list of `values`, `chosen` selected.
fn options(values: Vec<(String, String)>, chosen: String) -> impl IntoView {
    values
        .into_iter()
        .map(|(value, text)| {
            let selected = value == chosen;
            view! { <option value=value selected=selected>{text}</option> }
        })
        .collect_view()
}

#[component]
pub fn EvaluateCell(id: u32) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let inputs = move || {
        ui.nb.with(|n| match n.cell(id).map(|c| &c.inputs) {
            Some(CellInputs::Evaluate(e)) => e.clone(),
            _ => EvalInputs::default(),
        })
    };
    let edit = move |f: Box<dyn FnOnce(&mut EvalInputs)>| {
        ui.edit(id, |i| {
            if let CellInputs::Evaluate(e) = i {
                f(e);
            }
        });
    };
    let name = move || super::frame::cell_name(ui, id, crate::notebook::CellKind::Evaluate);
    let suffix = move || {
        let n = name();
        if n == "Evaluate" {
            String::new()
        } else {
            format!(" ({n})")
        }
    };
    let tables = move || {
        ui.nb.with(|n| {
            n.datasets
                .iter()
                .filter(|d| d.role != Role::Serving)
                .map(|d| (d.name.clone(), format!("{} ({})", d.name, d.role.label())))
                .collect::<Vec<_>>()
        })
    };
    let columns = move || {
        let chosen = inputs().dataset;
        ui.nb.with(|n| {
            n.datasets
                .iter()
                .find(|d| d.name == chosen)
                .map(|d| d.columns.clone())
                .unwrap_or_default()
        })
    };
    let sources = move || {
        let label = inputs().label;
        let mut out: Vec<(String, String)> = ui.nb.with(|n| {
            n.models
                .iter()
                .map(|m| {
                    let through = m
                        .pipeline
                        .as_ref()
                        .map_or_else(String::new, |p| format!(" through {p}"));
                    (
                        format!("model:{}", m.name),
                        format!("{}: {}{through}", m.role.key(), m.name),
                    )
                })
                .collect()
        });
        for c in columns().into_iter().filter(|c| *c != label) {
            out.push((format!("score:{c}"), format!("score column {c}")));
            out.push((format!("column:{c}"), format!("prediction column {c}")));
        }
        out
    };
    let output = move || {
        ui.outputs.with(|o| match o.get(&id) {
            Some(Output::Evaluated(e)) => Some(view! { <EvalResult output=e.clone() /> }),
            _ => None,
        })
    };
    view! {
        <div class="grid">
            <label>
                {move || format!("Data set{}", suffix())}
                <select
                    data-testid="eval-dataset"
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        edit(Box::new(move |e| e.dataset = v));
                    }
                >
                    {move || options(tables(), inputs().dataset)}
                </select>
            </label>
            <label>
                {move || format!("Label column{}", suffix())}
                <select
                    data-testid="eval-label"
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        edit(Box::new(move |e| e.label = v));
                    }
                >
                    {move || options(columns().into_iter().map(|c| (c.clone(), c)).collect(), inputs().label)}
                </select>
            </label>
            <label>
                {move || format!("Predictions{}", suffix())}
                <select
                    data-testid="eval-source"
                    on:change=move |ev| {
                        let v = source_of(&event_target_value(&ev));
                        edit(Box::new(move |e| e.source = v));
                    }
                >
                    {move || options(sources(), source_key(inputs().source.as_ref()))}
                </select>
            </label>
            <label>
                {move || format!("Threshold{} (empty: the settings', else 0.5)", suffix())}
                <input
                    type="text"
                    inputmode="decimal"
                    data-testid="eval-threshold"
                    prop:value=move || inputs().threshold
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        edit(Box::new(move |e| e.threshold = v));
                    }
                />
            </label>
            <label>
                {move || format!("Positive class{} (empty: 1 or true)", suffix())}
                <input
                    type="text"
                    data-testid="eval-positive"
                    prop:value=move || inputs().positive_label
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        edit(Box::new(move |e| e.positive_label = v));
                    }
                />
            </label>
        </div>
        <details>
            <summary>"Settings: a metric contract or a whole config"</summary>
            <label class="stack">
                {move || format!("Settings{} (TOML or JSON, as lockstep eval --config reads them)", suffix())}
                <textarea
                    rows="7"
                    spellcheck="false"
                    data-testid="eval-settings"
                    placeholder=SETTINGS_PLACEHOLDER
                    prop:value=move || inputs().settings
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        edit(Box::new(move |e| e.settings = v));
                    }
                ></textarea>
            </label>
            <p class="hint">
                "The picks above replace the settings' label, predictions, threshold and positive class, as the CLI's flags replace its config's."
            </p>
        </details>
        {output}
    }
}

/// The verdict, the contract lines, the metrics, the ranking plots and the downloads.
#[component]
fn EvalResult(output: std::sync::Arc<EvalOutput>) -> impl IntoView {
    let mut urls = Vec::new();
    let e = &output.evaluated;
    let downloads = EXPORTS
        .iter()
        .map(|&(key, name, mime, file)| {
            let text = match key {
                "json" => &e.json,
                "md" => &e.markdown,
                "html" => &e.html,
                _ => &e.junit,
            };
            match ObjectUrl::for_text(text, mime) {
                Ok(url) => {
                    let href = url.url().to_owned();
                    urls.push(url);
                    view! {
                        <a class="button" href=href download=file data-testid=format!("download-{key}")>
                            {name}
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
    let report = output.report.clone();
    let plots = output
        .ranking
        .iter()
        .map(|p| view! { <figure class="plot" inner_html=p.svg.clone()></figure> })
        .collect_view();
    view! {
        <div class="report" data-testid="eval-report">
            <p class="summary" data-testid="eval-summary">
                {format!("{} — {} rows of {}", summary(&report).replace('`', ""), e.rows, e.dataset)}
            </p>
            {super::kit::engine_line("eval-engine", e.engine.clone())}
            <p class="hint" data-testid="eval-cost">
                {format!(
                    "Evaluated in {} ({} bootstrap replicates) in the worker; table memory {}, worker memory {}.",
                    super::seconds(e.millis),
                    report.bootstrap.replicates,
                    super::megabytes(e.memory_bytes),
                    super::megabytes(e.heap_bytes),
                )}
            </p>
            <Verdict report=report.clone() />
            <MetricsTable report />
            <div class="plots" data-testid="eval-plots">{plots}</div>
            <div class="row downloads">{downloads}</div>
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
