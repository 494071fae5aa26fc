//! The Slices cell: the Evaluate cell's evaluation with a `slices.toml` (named slices
//! in the rule language, `by` columns, the slice finder, `[simpson]`) — core's
//! evaluation request with `--slices`, in the worker, the finder's progress shown and
//! cancellable — and the report's `slices` section: each slice's metric with its
//! interval and gap (core's chart and table), the slices the finder found, and
//! Simpson's-paradox warnings.

use leptos::prelude::*;
use lockstep_core::metrics::Metric;
use lockstep_core::report::export::format::metric_short;
use lockstep_core::report::export::slices::{chart, finder_summary, metric_names, simpson_summary};
use lockstep_core::slices::simpson::SimpsonFinding;
use lockstep_core::slices::{SliceRows, SlicesReport};

use super::kit::{Download, cell_state, downloads, settings_box};
use super::{EvalOutput, Output, Ui};
use crate::notebook::{CellInputs, RunState};
use crate::protocol::{Command, Reply};

fn bounds(lower: Metric, upper: Metric) -> String {
    match (lower.value(), upper.value()) {
        (Some(lo), Some(hi)) => format!("[{lo:.4}, {hi:.4}]"),
        _ => String::new(),
    }
}

#[component]
pub fn SlicesCell(id: u32) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let state = cell_state!(ui, id, Slices);
    let reads = move || {
        ui.nb.with(|n| {
            n.cells
                .iter()
                .find_map(|c| match &c.inputs {
                    CellInputs::Evaluate(e) if !e.dataset.is_empty() => Some(format!(
                        "Reads the Evaluate cell's picks: {}, label {}, {}.",
                        e.dataset,
                        e.label,
                        match &e.source {
                            Some(crate::notebook::PredictionSource::Model(m)) =>
                                format!("model {m}"),
                            Some(crate::notebook::PredictionSource::Column(c)) =>
                                format!("column {c}"),
                            Some(crate::notebook::PredictionSource::Score(c)) =>
                                format!("score {c}"),
                            None => "no predictions yet".to_owned(),
                        }
                    )),
                    _ => None,
                })
                .unwrap_or_else(|| "Reads the Evaluate cell's picks: load data first.".to_owned())
        })
    };
    let progress = move || {
        ui.nb.with(|n| match n.cell(id).map(|c| &c.state) {
            Some(RunState::Running { stage, fraction }) if stage.starts_with("slice finder") => {
                Some(view! {
                    <p class="hint" data-testid="slices-progress-text">{stage.clone()}</p>
                    <progress data-testid="slices-progress" max="1" value=fraction.to_string()></progress>
                })
            }
            _ => None,
        })
    };
    let output = move || {
        ui.outputs.with(|o| match o.get(&id) {
            Some(Output::Evaluated(e)) => Some(view! { <SlicesResult output=e.clone() /> }),
            _ => None,
        })
    };
    view! {
        <p class="hint" data-testid="slices-reads">{reads}</p>
        {settings_box(
            "slices.toml: named slices (rules: region == \"EU\" and age < 40), [[by]] columns, [finder], [simpson] — as lockstep eval --slices reads it",
            "slices-spec",
            "8",
            None,
            move || state.get().spec,
            move |v| state.edit(|s| s.spec = v),
        )}
        {progress}
        {output}
    }
}

#[component]
fn SlicesResult(output: std::sync::Arc<EvalOutput>) -> impl IntoView {
    let Some(slices) = output.report.slices.clone() else {
        return view! { <p class="hint">"The report has no slices section."</p> }.into_any();
    };
    let names = metric_names(&slices);
    let metric = RwSignal::new(names.first().cloned().unwrap_or_default());
    // A slice's name, clicked: its rows, from the worker (core's `slice_rows`).
    let shown = RwSignal::new(None::<(String, Result<SliceRows, String>)>);
    let dataset = output.evaluated.dataset.clone();
    let pick = Callback::new(move |(name, rule): (String, String)| {
        let name2 = name.clone();
        shown.set(Some((name, Err("reading its rows…".to_owned()))));
        crate::client::send(
            Command::SliceRows {
                dataset: dataset.clone(),
                rule,
            },
            None,
            move |reply| match reply {
                Reply::SliceRows(rows) => shown.set(Some((name2.clone(), Ok(rows)))),
                Reply::Failed { error } => shown.set(Some((name2.clone(), Err(error)))),
                _ => {}
            },
        );
    });
    let headline: std::sync::Arc<Vec<(String, Option<f64>, bool)>> = std::sync::Arc::new(
        output
            .report
            .metrics
            .iter()
            .map(|m| (m.name.clone(), m.estimate.value(), m.higher_is_better))
            .collect(),
    );
    let h2 = headline.clone();
    let overall = move |name: &str| {
        headline
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, v, h)| (*v, *h))
    };
    let overall2 = move |name: &str| {
        h2.iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, v, h)| (*v, *h))
    };
    let s1 = slices.clone();
    let plot = move || {
        let m = metric.get();
        let (value, higher) = overall(&m).unwrap_or((None, true));
        chart(&s1, &m, value, higher)
            .map(|svg| view! { <figure class="plot" data-testid="slices-chart" inner_html=svg></figure> })
    };
    let s2 = slices.clone();
    let table = move || {
        let m = metric.get();
        let higher = overall2(&m).is_none_or(|(_, h)| h);
        s2.slices
            .iter()
            .map(|x| {
                let row = x.metrics.iter().find(|r| r.name == m);
                let (estimate, interval, rest, gap) = row.map_or_else(
                    || ("—".to_owned(), String::new(), String::new(), String::new()),
                    |r| {
                        (
                            metric_short(r.estimate),
                            bounds(r.lower, r.upper),
                            metric_short(r.rest),
                            r.gap.map_or(String::new(), |g| format!("{g:+.4}")),
                        )
                    },
                );
                // Worse than the rest with the whole interval on the worse side.
                let worse =
                    row.is_some_and(
                        |r| match (r.lower.value(), r.upper.value(), r.rest.value()) {
                            (Some(lo), Some(hi), Some(rest)) => {
                                if higher {
                                    hi < rest
                                } else {
                                    lo > rest
                                }
                            }
                            _ => false,
                        },
                    );
                view! {
                    <tr class:fail=worse>
                        {slice_link(&x.name, &x.rule, "slice-rows-button", pick)}
                        <td>{format!("{} ({:.1}%)", x.rows, x.share * 100.0)}</td>
                        <td>{estimate}</td>
                        <td>{interval}</td>
                        <td>{rest}</td>
                        <td>{gap}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    let options = names
        .iter()
        .map(|n| {
            let n2 = n.clone();
            view! { <option value=n.clone() selected=move || metric.get() == n2>{n.clone()}</option> }
        })
        .collect_view();
    let has_named = !slices.slices.is_empty();
    let e = &output.evaluated;
    let downloads = downloads(
        "slices",
        &[
            Download::new(
                "json",
                "Report with slices (JSON)",
                "application/json",
                "eval-report.json",
                &e.json,
            ),
            Download::new(
                "md",
                "Report with slices (Markdown)",
                "text/markdown",
                "eval-report.md",
                &e.markdown,
            ),
            Download::new(
                "html",
                "Report with slices (HTML)",
                "text/html",
                "eval-report.html",
                &e.html,
            ),
            Download::new(
                "junit",
                "Report with slices (JUnit XML)",
                "application/xml",
                "eval-report.xml",
                &e.junit,
            ),
        ],
    );
    view! {
        <div class="report" data-testid="slices-report">
            {has_named.then(|| view! {
                <label>
                    "Metric "
                    <select data-testid="slices-metric" on:change=move |ev| metric.set(event_target_value(&ev))>
                        {options}
                    </select>
                </label>
                <div class="plots">{plot}</div>
                <div class="scroll">
                    <table class="metrics" data-testid="slices-table">
                        <thead>
                            <tr>
                                <th>"slice"</th>
                                <th>"rows"</th>
                                <th>{move || metric.get()}</th>
                                <th>"interval"</th>
                                <th>"rest"</th>
                                <th>"gap"</th>
                            </tr>
                        </thead>
                        <tbody>{table}</tbody>
                    </table>
                </div>
            })}
            <Finder slices=slices.clone() pick=pick />
            {move || shown.get().map(|(name, rows)| view! { <SliceRowsView name=name rows=rows /> })}
            <Simpson slices=slices.clone() />
            {slices.notes.iter().map(|n| view! { <p class="hint">{n.clone()}</p> }).collect_view()}
            {downloads}
        </div>
    }
    .into_any()
}

#[component]
fn Finder(slices: SlicesReport, pick: Callback<(String, String)>) -> impl IntoView {
    let finder = slices.finder?;
    let rows = finder
        .slices
        .iter()
        .map(|s| {
            view! {
                <tr>
                    {slice_link(&s.name, &s.rule, "found-rows-button", pick)}
                    <td>{s.rows}</td>
                    <td>{format!("{:.4}", s.mean_loss)}</td>
                    <td>{format!("{:.4}", s.rest_mean_loss)}</td>
                    <td>{format!("{:.4}", s.score)}</td>
                    <td>{format!("{:.3}", s.effect_size)}</td>
                    <td>{format!("{:.2e}", s.p_value)}</td>
                </tr>
            }
        })
        .collect_view();
    let any = !finder.slices.is_empty();
    Some(view! {
        <h3>"Slices found"</h3>
        <p class="summary" data-testid="slices-finder-summary">{finder_summary(&finder)}</p>
        {any.then(|| view! {
            <div class="scroll">
                <table class="metrics" data-testid="slices-found">
                    <thead>
                        <tr>
                            <th>"slice"</th>
                            <th>"rows"</th>
                            <th>{format!("mean {}", finder.loss)}</th>
                            <th>"rest"</th>
                            <th>"score"</th>
                            <th>"effect size"</th>
                            <th>"p"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        })}
    })
}

/// A slice's name as the row header of a table: a button that asks for its rows.
fn slice_link(
    name: &str,
    rule: &str,
    testid: &'static str,
    pick: Callback<(String, String)>,
) -> impl IntoView + use<> {
    let target = (name.to_owned(), rule.to_owned());
    view! {
        <th scope="row" class="text">
            <button
                class="slice-link"
                data-testid=testid
                title=format!("Show the rows of {name}")
                on:click=move |_| pick.run(target.clone())
            >
                {name.to_owned()}
            </button>
        </th>
    }
}

/// The rows of a clicked slice: how many of the data's rows its rule selects, and the
/// first of them with every column (row numbers are 1-based data rows, header excluded).
#[component]
fn SliceRowsView(name: String, rows: Result<SliceRows, String>) -> impl IntoView {
    let rows = match rows {
        Ok(rows) => rows,
        Err(message) => {
            return view! { <p class="hint" role="status" data-testid="slice-rows-status">{format!("{name}: {message}")}</p> }
                .into_any();
        }
    };
    let summary = format!(
        "{name}: {} of {} rows select `{}`{}.",
        rows.matched,
        rows.total,
        rows.rule,
        if rows.matched > rows.rows.len() {
            format!(" (the first {} below)", rows.rows.len())
        } else {
            String::new()
        }
    );
    let head = rows
        .columns
        .iter()
        .map(|c| view! { <th>{c.clone()}</th> })
        .collect_view();
    let body = rows
        .rows
        .iter()
        .map(|r| {
            let cells = r
                .values
                .iter()
                .map(|v| view! { <td>{v.clone().unwrap_or_default()}</td> })
                .collect_view();
            view! { <tr><th scope="row">{r.row + 1}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <h3>"Rows of the slice"</h3>
        <p class="summary" role="status" data-testid="slice-rows-summary">{summary}</p>
        <div class="scroll">
            <table class="numbers" data-testid="slice-rows">
                <thead><tr><th>"row"</th>{head}</tr></thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// One Simpson reversal in plain words with the table that shows it (the Slices and
/// Compare cells).
pub fn simpson_warning(f: &SimpsonFinding, testid: &'static str) -> impl IntoView + use<> {
    let v = |x: Option<f64>| x.map_or_else(|| "undefined".to_owned(), |x| format!("{x:.4}"));
    let rows = std::iter::once(&f.overall)
        .chain(&f.strata)
        .map(|r| {
            view! {
                <tr>
                    <th scope="row" class="text">{r.stratum.clone()}</th>
                    <td>{r.rows[0]}</td>
                    <td>{v(r.values[0])}</td>
                    <td>{r.rows[1]}</td>
                    <td>{v(r.values[1])}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="warning" role="alert" data-testid=testid>
            <p>{f.message.clone()}</p>
            <div class="scroll">
                <table class="metrics">
                    <thead>
                        <tr>
                            <th>{f.partition.clone()}</th>
                            <th>{format!("{} rows", f.sides[0])}</th>
                            <th>{format!("{} {}", f.sides[0], f.measure)}</th>
                            <th>{format!("{} rows", f.sides[1])}</th>
                            <th>{format!("{} {}", f.sides[1], f.measure)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </div>
    }
}

#[component]
fn Simpson(slices: SlicesReport) -> impl IntoView {
    let check = slices.simpson?;
    let warnings = check
        .reversals()
        .into_iter()
        .map(|f| simpson_warning(f, "simpson-warning"))
        .collect_view();
    Some(view! {
        <h3>"Simpson's paradox"</h3>
        <p class="summary" data-testid="simpson-summary">{simpson_summary(&check)}</p>
        {warnings}
    })
}
