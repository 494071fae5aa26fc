//! The Robustness cell: behavioural tests (perturbation, invariance, directional
//! expectation) of a model on the Evaluate cell's data, run in the worker through
//! core's evaluation request and `attach_behaviour` (`lockstep eval --behaviour`).
//! The suite is the TOML the CLI reads, typed or pasted here; empty runs the default
//! suite. Fail rates come with Wilson intervals; perturbation curves are core's charts.

use std::sync::Arc;

use leptos::prelude::*;
use lockstep_core::behaviour::{BehaviourKind, BehaviourStatus, BehaviourTest};
use lockstep_core::report::export::behaviour_curve_chart;
use lockstep_core::report::export::format::{number, percent};

use super::kit::{Download, cell_state, downloads, model_select, settings_box, verdict_line};
use super::{Output, RobustOutput, Ui};

/// A suite to start from, on the demo's columns: one test of each kind
/// (docs/behaviour.md has every setting).
pub const EXAMPLE_SUITE: &str = r#"[settings]
seed = 7

[[perturbation]]
kind = "noise"
levels = [0.01, 0.05, 0.1, 0.25]
max_fail_rate = 0.2

[[invariance]]
column = "device"
tolerance = 0.05
max_fail_rate = 0.05

[[directional]]
column = "income"
delta = 1000
expect = "increase"
max_fail_rate = 0.05
"#;

#[component]
pub fn RobustnessCell(id: u32) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let state = cell_state!(ui, id, Robustness);
    let output = move || {
        ui.outputs.with(|o| match o.get(&id) {
            Some(Output::Robust(r)) => Some(view! { <RobustResult robust=r.clone() /> }),
            _ => None,
        })
    };
    view! {
        <p class="hint">
            "Behavioural tests of a model on the Evaluate cell's data and label: the calls "
            <code>"lockstep eval --model … --behaviour tests.toml"</code>
            " makes, seeded, so the fail rates are the CLI's."
        </p>
        <div class="grid">
            {model_select(
                ui,
                "Model tested",
                "robustness-model".to_owned(),
                Some("the champion".to_owned()),
                move || state.get().model,
                move |v| state.edit(move |r| r.model = v),
            )}
        </div>
        {settings_box(
            "Tests (TOML, as lockstep eval --behaviour reads them; empty: the default suite of noise, missing values and category swaps)",
            "robustness-spec",
            "6",
            Some(EXAMPLE_SUITE),
            move || state.get().spec,
            move |v| state.edit(move |r| r.spec = v),
        )}
        <div class="row">
            <button
                data-testid="robustness-example"
                on:click=move |_| state.edit(|r| r.spec = EXAMPLE_SUITE.to_owned())
            >
                "Insert an example suite"
            </button>
        </div>
        {output}
    }
}

fn kind_name(kind: BehaviourKind) -> &'static str {
    match kind {
        BehaviourKind::Perturbation => "perturbation",
        BehaviourKind::Invariance => "invariance",
        BehaviourKind::Directional => "directional",
    }
}

fn status_of(t: &BehaviourTest) -> (&'static str, &'static str) {
    match t.status {
        BehaviourStatus::Pass => ("pass", "pass"),
        BehaviourStatus::Fail => ("fail", "FAIL"),
        BehaviourStatus::NotJudged => ("", "not judged"),
    }
}

#[component]
fn RobustResult(robust: Arc<RobustOutput>) -> impl IntoView {
    let b = &robust.behaviour;
    let ci = percent(b.confidence);
    let downloads = downloads(
        "robustness",
        &[Download::new(
            "json",
            "Report with the tests (JSON)",
            "application/json",
            "eval-report-behaviour.json",
            &robust.report_json,
        )],
    );
    let rows = b
        .tests
        .iter()
        .map(|t| {
            let (class, result) = status_of(t);
            view! {
                <tr class=class>
                    <td class="text">{t.name.clone()}</td>
                    <td>{kind_name(t.kind)}</td>
                    <td>{number(t.fail_rate)}</td>
                    <td>{format!("[{}, {}]", number(t.fail_rate_lower), number(t.fail_rate_upper))}</td>
                    <td>{t.max_fail_rate.map_or("–".to_owned(), number)}</td>
                    <td>{result}</td>
                    <td>{t.tested_rows}</td>
                    <td>{t.failed_rows}</td>
                    <td>{t.skipped_rows}</td>
                </tr>
            }
        })
        .collect_view();
    let curves = b
        .tests
        .iter()
        .filter(|t| t.curve.len() > 1)
        .map(|t| view! { <figure class="plot" inner_html=behaviour_curve_chart(b, t)></figure> })
        .collect_view();
    let worst = b
        .tests
        .iter()
        .filter(|t| !t.worst_rows.is_empty() && t.kind != BehaviourKind::Perturbation)
        .map(|t| {
            let rows = t
                .worst_rows
                .iter()
                .take(5)
                .map(|w| {
                    view! {
                        <tr>
                            <td>{w.row}</td>
                            <td class="text">{w.change.clone()}</td>
                            <td>{number(w.score_before)}</td>
                            <td>{number(w.score_after)}</td>
                            <td>{if w.failed { "yes" } else { "no" }}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <h3>{format!("{}: rows that moved most", t.name)}</h3>
                <div class="scroll">
                    <table>
                        <thead><tr><th>"row"</th><th>"change"</th><th>"score before"</th><th>"score after"</th><th>"failed"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
        })
        .collect_view();
    let verdict_text = format!(
        "{} · {} tests on {} of {} rows{} (seed {}), {} through {}",
        if b.passed { "PASS" } else { "FAIL" },
        b.tests.len(),
        b.rows_used,
        b.rows_total,
        if b.sampled { ", sampled" } else { "" },
        b.seed,
        robust.model,
        if b.pipeline {
            "its pipeline"
        } else {
            "the data's columns"
        }
    );
    let notes = b
        .notes
        .iter()
        .map(|n| view! { <li>{n.clone()}</li> })
        .collect_view();
    view! {
        {verdict_line(b.passed, "robustness-verdict", verdict_text)}
        {downloads}
        <div class="scroll">
            <table data-testid="robustness-tests">
                <thead>
                    <tr>
                        <th>"test"</th>
                        <th>"type"</th>
                        <th>"fail rate"</th>
                        <th>{format!("{ci} Wilson interval")}</th>
                        <th>"max"</th>
                        <th>"status"</th>
                        <th>"tested"</th>
                        <th>"failed"</th>
                        <th>"counted apart"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <div class="plots" data-testid="robustness-plots">{curves}</div>
        {worst}
        <ul class="notes">{notes}</ul>
    }
}
