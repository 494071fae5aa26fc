//! The Compare cell: champion against challenger on the Evaluate cell's data, run in
//! the worker through core's one comparison request (`lockstep compare`): both models'
//! ROC curves on one plot, every metric's difference with its paired bootstrap
//! interval (core's interval chart), McNemar's exact test, DeLong's test and the
//! decision, with the four exports byte for byte the CLI's.

use std::sync::Arc;

use leptos::prelude::*;
use lockstep_core::compare::export::{
    class_delong_line, difference_chart, roc_chart, simpson_line, slice_difference_chart,
};
use lockstep_core::metrics::Metric;
use lockstep_core::report::export::format::{
    bounds, difference_bounds, metric, metric_difference, p_value, percent,
};

use super::kit::{
    Download, cell_state, checks_table, downloads, model_select, pass_fail, settings_box,
    verdict_line,
};
use super::slices::simpson_warning;
use super::{ComparedOutput, Output, Ui};
use crate::notebook::ModelRole;

#[component]
pub fn CompareCell(id: u32) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let state = cell_state!(ui, id, Compare);
    let select = move |role: ModelRole| {
        model_select(
            ui,
            match role {
                ModelRole::Champion => "Champion",
                ModelRole::Challenger => "Challenger",
            },
            format!("compare-{}", role.key()),
            Some(format!("the {} role's model", role.key())),
            move || match role {
                ModelRole::Champion => state.get().champion,
                ModelRole::Challenger => state.get().challenger,
            },
            move |v| {
                state.edit(move |c| match role {
                    ModelRole::Champion => c.champion = v,
                    ModelRole::Challenger => c.challenger = v,
                })
            },
        )
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
            {settings_box(
                "Compare config (TOML or JSON, as lockstep compare --config reads it; empty: superiority on the headline metric)",
                "compare-config",
                "4",
                None,
                move || state.get().settings,
                move |v| state.edit(move |c| c.settings = v),
            )}
            {settings_box(
                "Slices to compare within (slices.toml, as lockstep compare --slices reads it; empty: none)",
                "compare-slices",
                "4",
                Some("[[slice]]\nname = \"oslo\"\nwhere = 'city == \"Oslo\"'"),
                move || state.get().slices,
                move |v| state.edit(move |c| c.slices = v),
            )}
        </details>
        {output}
    }
}

#[component]
fn CompareResult(compared: Arc<ComparedOutput>) -> impl IntoView {
    let r = &compared.report;
    let c = &compared.compared;
    let downloads = downloads(
        "compare",
        &[
            Download::new(
                "json",
                "Comparison (JSON)",
                "application/json",
                "comparison.json",
                &c.json,
            ),
            Download::new(
                "md",
                "Comparison (Markdown)",
                "text/markdown",
                "comparison.md",
                &c.markdown,
            ),
            Download::new(
                "html",
                "Comparison (HTML)",
                "text/html",
                "comparison.html",
                &c.html,
            ),
            Download::new(
                "junit",
                "Comparison (JUnit XML)",
                "application/xml",
                "comparison.xml",
                &c.junit,
            ),
        ],
    );
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
            let (class, result) = pass_fail(c.passed);
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
    // Simpson's paradox between the two models (with slices): one line per metric,
    // each reversal in plain words with its table.
    let simpson = (!r.simpson.is_empty()).then(|| {
        let lines = r
            .simpson
            .iter()
            .map(|m| {
                let warnings = m
                    .check
                    .reversals()
                    .into_iter()
                    .map(|f| simpson_warning(f, "compare-simpson-warning"))
                    .collect_view();
                view! {
                    <p class="summary">{simpson_line(m)}</p>
                    {warnings}
                }
            })
            .collect_view();
        view! {
            <h3>"Simpson's paradox"</h3>
            <div data-testid="compare-simpson">{lines}</div>
        }
    });
    view! {
        {verdict_line(
            r.verdict.accepted,
            "compare-verdict",
            format!(
                "{}: {} ({} rows, {} paired replicates)",
                if r.verdict.accepted { "ACCEPTED" } else { "REJECTED" },
                r.verdict.summary,
                r.rows,
                r.bootstrap.replicates
            ),
        )}
        {super::kit::engine_line("compare-engine", c.engine.clone())}
        {downloads}
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
        {(!r.delong_per_class.is_empty()).then(|| {
            let lines = r
                .delong_per_class
                .iter()
                .map(|c| view! { <li>{class_delong_line(c)}</li> })
                .collect_view();
            view! {
                <p>"DeLong's test per class (ROC-AUC, one vs rest):"</p>
                <ul data-testid="compare-delong-per-class">{lines}</ul>
            }
        })}
        {checks_table("compare-checks", &["result", "check", "metric", "reason"], checks)}
        {slices}
        {simpson}
        <ul class="notes">{notes}</ul>
    }
}
