//! The Compare cell: champion against challenger on the Evaluate cell's data, run in
//! the worker through core's one comparison request (`lockstep compare`): both models'
//! ROC curves on one plot, every metric's difference with its paired bootstrap
//! interval (core's interval chart), McNemar's exact test, DeLong's test and the
//! decision, with the four exports byte for byte the CLI's.

use std::sync::Arc;

use leptos::prelude::*;
use lockstep_core::compare::export::{difference_chart, roc_chart, slice_difference_chart};
use lockstep_core::metrics::Metric;
use lockstep_core::report::export::format::{
    bounds, difference_bounds, metric, metric_difference, p_value, percent,
};

use super::{ComparedOutput, Output, Ui};
use crate::download::ObjectUrl;
use crate::notebook::{CellInputs, CompareInputs, ModelRole};

#[component]
pub fn CompareCell(id: u32) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let inputs = move || {
        ui.nb.with(|n| match n.cell(id).map(|c| &c.inputs) {
            Some(CellInputs::Compare(c)) => c.clone(),
            _ => CompareInputs::default(),
        })
    };
    let edit = move |f: Box<dyn FnOnce(&mut CompareInputs)>| {
        ui.edit(id, |i| {
            if let CellInputs::Compare(c) = i {
                f(c);
            }
        });
    };
    let select = move |role: ModelRole| {
        let chosen = move || match role {
            ModelRole::Champion => inputs().champion,
            ModelRole::Challenger => inputs().challenger,
        };
        view! {
            <label>
                {match role {
                    ModelRole::Champion => "Champion",
                    ModelRole::Challenger => "Challenger",
                }}
                <select
                    data-testid=format!("compare-{}", role.key())
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        edit(Box::new(move |c| match role {
                            ModelRole::Champion => c.champion = v,
                            ModelRole::Challenger => c.challenger = v,
                        }));
                    }
                >
                    <option value="" selected=move || chosen().is_empty()>
                        {format!("the {} role's model", role.key())}
                    </option>
                    {move || {
                        let chosen = chosen();
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
        }
    };
    let output = move || {
        ui.outputs.with(|o| match o.get(&id) {
            Some(Output::Compared(c)) => Some(view! { <CompareResult compared=c.clone() /> }),
            _ => None,
        })
    };
    view! {
        <p class="hint">
            "Both models on the Evaluate cell's data, label, threshold and positive class: what "
            <code>"lockstep compare --champion a.onnx --challenger b.onnx"</code>
            " computes. Intervals are paired: every bootstrap replicate resamples the same rows for both."
        </p>
        <div class="grid">{select(ModelRole::Champion)} {select(ModelRole::Challenger)}</div>
        <details>
            <summary>"Decisions (compare config)"</summary>
            <label class="stack">
                "Compare config (TOML or JSON, as lockstep compare --config reads it; empty: superiority on the headline metric)"
                <textarea
                    rows="4"
                    spellcheck="false"
                    data-testid="compare-config"
                    prop:value=move || inputs().settings
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        edit(Box::new(move |c| c.settings = v));
                    }
                ></textarea>
            </label>
            <label class="stack">
                "Slices to compare within (slices.toml, as lockstep compare --slices reads it; empty: none)"
                <textarea
                    rows="4"
                    spellcheck="false"
                    data-testid="compare-slices"
                    placeholder="[[slice]]\nname = \"oslo\"\nwhere = 'city == \"Oslo\"'"
                    prop:value=move || inputs().slices
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        edit(Box::new(move |c| c.slices = v));
                    }
                ></textarea>
            </label>
        </details>
        {output}
    }
}

#[component]
fn CompareResult(compared: Arc<ComparedOutput>) -> impl IntoView {
    let r = &compared.report;
    let c = &compared.compared;
    let exports = [
        (
            "json",
            "Comparison (JSON)",
            "application/json",
            "comparison.json",
            &c.json,
        ),
        (
            "md",
            "Comparison (Markdown)",
            "text/markdown",
            "comparison.md",
            &c.markdown,
        ),
        (
            "html",
            "Comparison (HTML)",
            "text/html",
            "comparison.html",
            &c.html,
        ),
        (
            "junit",
            "Comparison (JUnit XML)",
            "application/xml",
            "comparison.xml",
            &c.junit,
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
                <a class="button" href=href download=file data-testid=format!("compare-download-{key}")>
                    {name}
                </a>
            })
        })
        .collect_view();
    on_cleanup(move || drop(urls));
    let ci = percent(r.bootstrap.confidence);
    let metrics = r
        .metrics
        .iter()
        .map(|m| {
            view! {
                <tr>
                    <th scope="row">{format!("{} {}", m.name, if m.higher_is_better { "↑" } else { "↓" })}</th>
                    <td>{metric(m.champion.estimate)}</td>
                    <td>{bounds(m.champion.lower, m.champion.upper)}</td>
                    <td>{metric(m.challenger.estimate)}</td>
                    <td>{bounds(m.challenger.lower, m.challenger.upper)}</td>
                    <td>{metric_difference(m.difference.estimate)}</td>
                    <td>{difference_bounds(m.difference.lower, m.difference.upper)}</td>
                </tr>
            }
        })
        .collect_view();
    let checks = r
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
                    <td>{format!("{:?}", c.kind).to_lowercase()}</td>
                    <td>{c.metric.clone()}</td>
                    <td class="text">{c.reason.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let plots = [roc_chart(r), difference_chart(r)]
        .into_iter()
        .flatten()
        .map(|svg| view! { <figure class="plot" inner_html=svg></figure> })
        .collect_view();
    let mcnemar = r.mcnemar.as_ref().map(|t| {
        format!(
            "McNemar's exact test: champion only right on {} rows, challenger only right on {} (both right {}, both wrong {}); p-value {}",
            t.champion_only_correct,
            t.challenger_only_correct,
            t.both_correct,
            t.both_wrong,
            p_value(t.p_value)
        )
    });
    let delong = r.delong.as_ref().map(|t| {
        format!(
            "DeLong's test (ROC-AUC): champion {} · challenger {} · difference {} ({} CI {}) · p-value {}",
            metric(Metric::Value(t.champion_auc)),
            metric(Metric::Value(t.challenger_auc)),
            metric_difference(Metric::Value(t.difference)),
            percent(t.confidence),
            difference_bounds(Metric::Value(t.lower), Metric::Value(t.upper)),
            p_value(t.p_value)
        )
    });
    let notes = r
        .notes
        .iter()
        .map(|n| view! { <li>{n.clone()}</li> })
        .collect_view();
    let slice_rows = r
        .slices
        .iter()
        .flat_map(|s| {
            let empty = s.metrics.is_empty().then(|| {
                view! {
                    <tr>
                        <th scope="row">{s.name.clone()}</th>
                        <td>{s.rows}</td>
                        <td>"–"</td>
                        <td></td>
                        <td></td>
                        <td class="text">{s.notes.join("; ")}</td>
                    </tr>
                }
                .into_any()
            });
            let rows = s.metrics.iter().map(move |m| {
                view! {
                    <tr>
                        <th scope="row">{s.name.clone()}</th>
                        <td>{s.rows}</td>
                        <td>{m.name.clone()}</td>
                        <td>{metric_difference(m.difference.estimate)}</td>
                        <td>{difference_bounds(m.difference.lower, m.difference.upper)}</td>
                        <td>{s.mcnemar.as_ref().map_or("–".to_owned(), |t| p_value(t.p_value))}</td>
                    </tr>
                }
                .into_any()
            });
            empty.into_iter().chain(rows).collect::<Vec<_>>()
        })
        .collect_view();
    let slice_plots = r
        .slices
        .iter()
        .filter_map(|s| slice_difference_chart(r, s))
        .map(|svg| view! { <figure class="plot" inner_html=svg></figure> })
        .collect_view();
    let slices = (!r.slices.is_empty()).then(|| {
        view! {
            <h3>"Per slice"</h3>
            <div class="plots" data-testid="compare-slice-plots">{slice_plots}</div>
            <div class="scroll">
                <table data-testid="compare-slices-table">
                    <thead>
                        <tr>
                            <th>"slice"</th>
                            <th>"rows"</th>
                            <th>"metric"</th>
                            <th>"difference"</th>
                            <th>{format!("{ci} paired CI")}</th>
                            <th>"McNemar p"</th>
                        </tr>
                    </thead>
                    <tbody>{slice_rows}</tbody>
                </table>
            </div>
        }
    });
    view! {
        <p class=if r.verdict.accepted { "verdict pass" } else { "verdict fail" } data-testid="compare-verdict">
            {format!(
                "{}: {} ({} rows, {} paired replicates)",
                if r.verdict.accepted { "ACCEPTED" } else { "REJECTED" },
                r.verdict.summary,
                r.rows,
                r.bootstrap.replicates
            )}
        </p>
        <div class="row downloads">{downloads}</div>
        <div class="plots" data-testid="compare-plots">{plots}</div>
        <div class="scroll">
            <table data-testid="compare-metrics">
                <thead>
                    <tr>
                        <th>"metric"</th>
                        <th>"champion"</th>
                        <th>{format!("{ci} CI")}</th>
                        <th>"challenger"</th>
                        <th>{format!("{ci} CI")}</th>
                        <th>"difference"</th>
                        <th>{format!("{ci} paired CI")}</th>
                    </tr>
                </thead>
                <tbody>{metrics}</tbody>
            </table>
        </div>
        {mcnemar.map(|t| view! { <p data-testid="compare-mcnemar">{t}</p> })}
        {delong.map(|t| view! { <p data-testid="compare-delong">{t}</p> })}
        <div class="scroll">
            <table class="checks" data-testid="compare-checks">
                <thead><tr><th>"result"</th><th>"check"</th><th>"metric"</th><th>"reason"</th></tr></thead>
                <tbody>{checks}</tbody>
            </table>
        </div>
        {slices}
        <ul class="notes">{notes}</ul>
    }
}
