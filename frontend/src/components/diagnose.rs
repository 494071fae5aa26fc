//! The Diagnose cell: a model's errors on the training, training-dev, dev and test
//! sets (picked by role) through core's diagnosis request — what `lockstep diagnose`
//! runs — the four gaps with their intervals, the dominant one (only when its
//! interval excludes 0), the next focus in plain words, the learning curves when a
//! table is given, and the CLI's files.

use leptos::prelude::*;
use lockstep_core::diagnose::export::{DiagnoseReport, curve_chart, gap_chart};

use super::kit::{cell_state, model_select};
use super::{Output, Ui};
use crate::download::ObjectUrl;
use crate::notebook::{DiagnoseInputs, Role};
use crate::protocol::Diagnosed;
use crate::view::diagnose::{dominant_text, gap_rows, set_rows};

/// A diagnosis reply with its report read back.
#[derive(Debug)]
pub struct DiagnoseOutput {
    pub diagnosed: Diagnosed,
    pub report: DiagnoseReport,
}

impl DiagnoseOutput {
    pub fn read(diagnosed: Diagnosed) -> Result<Self, String> {
        let report = serde_json::from_str(&diagnosed.json)
            .map_err(|e| format!("cannot read the diagnosis: {e}"))?;
        Ok(Self { diagnosed, report })
    }
}

/// The four data-set pickers: (label, test id, role, field).
type Field = fn(&mut DiagnoseInputs) -> &mut String;
const PICKERS: [(&str, &str, Role, Field); 4] = [
    ("Training", "diagnose-train", Role::Training, |d| {
        &mut d.train
    }),
    ("Training-dev", "diagnose-train-dev", Role::TrainDev, |d| {
        &mut d.train_dev
    }),
    ("Dev", "diagnose-dev", Role::Dev, |d| &mut d.dev),
    ("Test", "diagnose-test", Role::Test, |d| &mut d.test),
];

#[component]
pub fn DiagnoseCell(id: u32) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let state = cell_state!(ui, id, Diagnose);
    let inputs = move || state.get();
    let edit = move |f: Box<dyn FnOnce(&mut DiagnoseInputs)>| state.edit(f);
    let pickers = PICKERS
        .into_iter()
        .map(|(label, testid, role, field)| {
            view! {
                <label>
                    {format!("{label} data")}
                    <select
                        data-testid=testid
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            edit(Box::new(move |d| *field(d) = v));
                        }
                    >
                        {move || {
                            let mut current = inputs();
                            let chosen = field(&mut current).clone();
                            let options = ui.nb.with(|n| {
                                n.datasets
                                    .iter()
                                    .filter(|d| d.role != Role::Serving)
                                    .map(|d| {
                                        let selected = d.name == chosen;
                                        let text = if d.role == role {
                                            d.name.clone()
                                        } else {
                                            format!("{} ({})", d.name, d.role.label())
                                        };
                                        view! { <option value=d.name.clone() selected=selected>{text}</option> }
                                    })
                                    .collect_view()
                            });
                            view! {
                                <option value="" selected=chosen.is_empty()>"none"</option>
                                {options}
                            }
                        }}
                    </select>
                </label>
            }
        })
        .collect_view();
    let output = move || {
        ui.outputs.with(|o| match o.get(&id) {
            Some(Output::Diagnosed(d)) => Some(view! { <DiagnoseResult output=d.clone() /> }),
            _ => None,
        })
    };
    view! {
        <p class="hint">
            "Measures the model's errors on each data set, as lockstep diagnose does: avoidable bias (training − optimal), variance (training-dev − training), data mismatch (dev − training-dev), dev overfitting (test − dev)."
        </p>
        <div class="grid">
            {pickers}
            {model_select(
                ui,
                "Model to diagnose",
                "diagnose-model".to_owned(),
                None,
                move || inputs().model,
                move |v| edit(Box::new(move |d| d.model = v)),
            )}
            <label>
                "Label column in each set"
                <input
                    type="text"
                    data-testid="diagnose-label"
                    prop:value=move || inputs().label
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        edit(Box::new(move |d| d.label = v));
                    }
                />
            </label>
            <label>
                "Optimal error (optional)"
                <input
                    type="text"
                    inputmode="decimal"
                    placeholder="best baseline"
                    data-testid="diagnose-optimal"
                    prop:value=move || inputs().optimal
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        edit(Box::new(move |d| d.optimal = v));
                    }
                />
            </label>
            <label>
                "Optimal error is"
                <select
                    data-testid="diagnose-optimal-kind"
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        edit(Box::new(move |d| d.optimal_kind = v));
                    }
                >
                    <option value="human" selected=move || inputs().optimal_kind != "bayes">"human level"</option>
                    <option value="bayes" selected=move || inputs().optimal_kind == "bayes">"a Bayes-rate estimate"</option>
                </select>
            </label>
        </div>
        <details>
            <summary>"Learning curves (optional)"</summary>
            <label class="stack">
                "A table of training-set size → errors (CSV size,train_error,dev_error, as lockstep diagnose --curves reads it)"
                <textarea
                    rows="5"
                    spellcheck="false"
                    data-testid="diagnose-curves"
                    prop:value=move || inputs().curves
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        edit(Box::new(move |d| d.curves = v));
                    }
                ></textarea>
            </label>
        </details>
        {output}
    }
}

#[component]
fn DiagnoseResult(output: std::sync::Arc<DiagnoseOutput>) -> impl IntoView {
    let d = &output.report.diagnosis;
    let files = [
        (
            "json",
            "Diagnosis (JSON)",
            "application/json",
            "diagnosis.json",
            output.diagnosed.json.clone(),
        ),
        (
            "md",
            "Diagnosis (Markdown)",
            "text/markdown",
            "diagnosis.md",
            output.diagnosed.markdown.clone(),
        ),
        (
            "html",
            "Diagnosis (HTML)",
            "text/html",
            "diagnosis.html",
            output.diagnosed.html.clone(),
        ),
    ];
    let mut urls = Vec::new();
    let downloads = files
        .into_iter()
        .filter_map(|(key, name, mime, file, text)| {
            let url = ObjectUrl::for_text(&text, mime).ok()?;
            let href = url.url().to_owned();
            urls.push(url);
            Some(view! {
                <a class="button" href=href download=file data-testid=format!("diagnose-download-{key}")>{name}</a>
            })
        })
        .collect_view();
    on_cleanup(move || drop(urls));
    let sets = set_rows(d)
        .into_iter()
        .map(|(set, value, rows, source)| {
            view! {
                <tr data-testid="diagnose-set">
                    <th scope="row" class="text">{set}</th>
                    <td>{value}</td>
                    <td>{rows}</td>
                    <td class="text">{source}</td>
                </tr>
            }
        })
        .collect_view();
    let gaps = gap_rows(d)
        .into_iter()
        .map(|g| {
            let class = if g.distinguishable { "fail" } else { "" };
            view! {
                <tr class=class data-testid="diagnose-gap" data-gap=g.name>
                    <th scope="row" class="text">{g.name}{g.dominant.then_some(" (dominant)")}</th>
                    <td data-testid="gap-estimate">{g.estimate}</td>
                    <td data-testid="gap-interval">{g.interval}</td>
                    <td>{if g.distinguishable { "yes" } else { "no" }}</td>
                </tr>
            }
        })
        .collect_view();
    let gap_svg = gap_chart(d);
    let curves = output.report.learning_curves.as_ref().map(|c| {
        let words = match c.more_data {
            lockstep_core::diagnose::curves::MoreData::Likely => "likely to help",
            lockstep_core::diagnose::curves::MoreData::Unlikely => "unlikely to help",
            lockstep_core::diagnose::curves::MoreData::Unclear => "unclear",
        };
        let svg = curve_chart(c).svg;
        view! {
            <p data-testid="diagnose-more-data">
                <strong>{format!("More data: {words}")}</strong>
                {format!(" — {}", c.reason)}
            </p>
            <figure class="plot" data-testid="diagnose-curve" inner_html=svg></figure>
        }
    });
    view! {
        <p class="verdict" data-testid="diagnose-focus">{format!("Next focus: {}", d.advice)}</p>
        <p data-testid="diagnose-dominant">{dominant_text(d)}</p>
        {super::kit::engine_line("diagnose-engine", output.diagnosed.engine.clone())}
        <div class="scroll">
            <table class="numbers" data-testid="diagnose-sets">
                <thead>
                    <tr>
                        <th>"set"</th>
                        <th>{d.metric.clone()}</th>
                        <th>"rows"</th>
                        <th>"source"</th>
                    </tr>
                </thead>
                <tbody>{sets}</tbody>
            </table>
        </div>
        <div class="scroll">
            <table class="numbers" data-testid="diagnose-gaps">
                <thead>
                    <tr>
                        <th>"gap"</th>
                        <th>"estimate"</th>
                        <th>{format!("{} % interval", lockstep_core::report::export::format::number(d.confidence * 100.0))}</th>
                        <th>"excludes 0"</th>
                    </tr>
                </thead>
                <tbody>{gaps}</tbody>
            </table>
        </div>
        <div class="plots">
            {gap_svg.map(|svg| view! { <figure class="plot" data-testid="diagnose-gap-chart" inner_html=svg></figure> })}
        </div>
        {curves}
        {(!d.notes.is_empty()).then(|| view! {
            <ul class="diagnose-notes">{d.notes.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view()}</ul>
        })}
        <div class="row downloads">{downloads}</div>
    }
}
