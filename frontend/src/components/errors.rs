//! The Error analysis cell: up to N misclassified rows of a dev set's eyeball part
//! (seeded), highest-confidence first, with their features, label and score — what
//! `lockstep diagnose --dev … --errors N` lists — each tagged from the keyboard:
//! focus a row's box, type (previous tags are suggested), Enter adds the tag; the up
//! and down arrows move between rows. The tags (row numbers and tags only) live in the
//! notebook and its share link; each tag's share of the errors is shown with its
//! Wilson interval, and the exports are what `lockstep diagnose --tags` writes.

use leptos::prelude::*;
use lockstep_core::diagnose::export::DiagnoseReport;
use wasm_bindgen::JsCast;

use super::diagnose::DiagnoseOutput;
use super::kit::{cell_state, model_select};
use super::{Output, Ui};
use crate::download::ObjectUrl;
use crate::notebook::{CellInputs, ErrorsInputs, Role, RowTag};
use crate::view::diagnose::{add_tag, remove_tag, suggestions, tags_csv, with_tags};

/// A change to a cell's tags.
type TagEdit = Box<dyn FnOnce(&mut Vec<RowTag>)>;

/// Focuses the tag box of the `index`-th listed error (0-based), when there is one.
fn focus_row(cell: u32, index: usize) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let selector = format!("[data-errors-cell=\"{cell}\"] [data-tag-index=\"{index}\"]");
    if let Ok(Some(el)) = document.query_selector(&selector)
        && let Ok(input) = el.dyn_into::<web_sys::HtmlElement>()
    {
        let _ = input.focus();
    }
}

#[component]
pub fn ErrorsCell(id: u32) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let state = cell_state!(ui, id, Errors);
    let inputs = move || state.get();
    let edit = move |f: Box<dyn FnOnce(&mut ErrorsInputs)>| state.edit(f);
    let output = move || {
        ui.outputs.with(|o| match o.get(&id) {
            Some(Output::Diagnosed(d)) => Some(view! { <ErrorsResult id output=d.clone() /> }),
            _ => None,
        })
    };
    view! {
        <p class="hint">
            "Lists the model's errors on the eyeball part of a dev set, as lockstep diagnose --errors does. Tag each: focus its box, type, Enter; ↑ and ↓ move between rows."
        </p>
        <div class="grid">
            <label>
                "Data"
                <select
                    data-testid="errors-dataset"
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        edit(Box::new(move |e| e.dataset = v));
                    }
                >
                    {move || {
                        let chosen = inputs().dataset;
                        ui.nb.with(|n| {
                            n.datasets
                                .iter()
                                .filter(|d| d.role != Role::Serving)
                                .map(|d| {
                                    let selected = d.name == chosen;
                                    view! { <option value=d.name.clone() selected=selected>{format!("{} ({})", d.name, d.role.label())}</option> }
                                })
                                .collect_view()
                        })
                    }}
                </select>
            </label>
            {model_select(
                ui,
                "Model whose errors to review",
                "errors-model".to_owned(),
                None,
                move || inputs().model,
                move |v| edit(Box::new(move |e| e.model = v)),
            )}
            <label>
                "Label column of that data set"
                <input
                    type="text"
                    data-testid="errors-label"
                    prop:value=move || inputs().label
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        edit(Box::new(move |e| e.label = v));
                    }
                />
            </label>
            <label>
                "Errors to list"
                <input
                    type="text"
                    inputmode="numeric"
                    placeholder="100"
                    data-testid="errors-limit"
                    prop:value=move || inputs().limit
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        edit(Box::new(move |e| e.limit = v));
                    }
                />
            </label>
            <label>
                "Seed"
                <input
                    type="text"
                    inputmode="numeric"
                    placeholder="0"
                    data-testid="errors-seed"
                    prop:value=move || inputs().seed
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        edit(Box::new(move |e| e.seed = v));
                    }
                />
            </label>
        </div>
        {output}
    }
}

#[component]
fn ErrorsResult(id: u32, output: std::sync::Arc<DiagnoseOutput>) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let tags = move || {
        ui.nb.with(|n| match n.cell(id).map(|c| &c.inputs) {
            Some(CellInputs::Errors(e)) => e.tags.clone(),
            _ => Vec::new(),
        })
    };
    // Tags change what the cell shows, not what it ran: the cell stays fresh.
    let set_tags = move |f: TagEdit| {
        ui.nb.update(|n| {
            if let Some(c) = n.cell_mut(id)
                && let CellInputs::Errors(e) = &mut c.inputs
            {
                f(&mut e.tags);
            }
        });
    };
    let report = output.report.clone();
    let Some(sample) = report.errors.clone() else {
        return view! { <p class="hint">"No error list in the report."</p> }.into_any();
    };
    let count = sample.errors.len();
    let summary = format!(
        "{count} errors of the eyeball part ({} rows, {} examined, seed {}), highest confidence first.",
        sample.eyeball_rows, sample.examined_rows, sample.seed
    );
    let rows = sample
        .errors
        .iter()
        .enumerate()
        .map(|(index, e)| {
            let row = e.row;
            let features = e
                .features
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ");
            let typed = RwSignal::new(String::new());
            let list_id = format!("tag-suggestions-{id}-{row}");
            let row_tags = move || {
                tags()
                    .into_iter()
                    .filter(|t| t.row == row)
                    .map(|t| {
                        let tag = t.tag.clone();
                        view! {
                            <button
                                class="chip"
                                data-testid="tag-chip"
                                aria-label=format!("Remove tag {} from row {row}", t.tag)
                                on:click=move |_| {
                                    let tag = tag.clone();
                                    set_tags(Box::new(move |all| remove_tag(all, row, &tag)));
                                }
                            >
                                {format!("{} ×", t.tag)}
                            </button>
                        }
                    })
                    .collect_view()
            };
            let options = {
                let list_id = list_id.clone();
                move || {
                    let found = suggestions(&tags(), &typed.get(), 8);
                    view! {
                        <datalist id=list_id.clone()>
                            {found.into_iter().map(|s| view! { <option value=s></option> }).collect_view()}
                        </datalist>
                    }
                }
            };
            view! {
                <tr data-testid="error-row" data-row=row.to_string()>
                    <th scope="row" class="text">{e.row_id.clone()}</th>
                    <td>{e.label.clone()}</td>
                    <td>{e.predicted.clone()}</td>
                    <td data-testid="error-confidence">{format!("{:.4}", e.confidence)}</td>
                    <td class="text features">{features}</td>
                    <td class="text tags">
                        {row_tags}
                        <input
                            type="text"
                            class="tag-input"
                            list=list_id.clone()
                            data-tag-index=index.to_string()
                            data-testid="tag-input"
                            aria-label=format!("Tag row {}", e.row_id)
                            placeholder="tag, Enter"
                            prop:value=move || typed.get()
                            on:input=move |ev| typed.set(event_target_value(&ev))
                            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                                match ev.key().as_str() {
                                    "Enter" => {
                                        ev.prevent_default();
                                        let text = typed.get_untracked();
                                        set_tags(Box::new(move |all| {
                                            add_tag(all, row, &text);
                                        }));
                                        typed.set(String::new());
                                    }
                                    "ArrowDown" if index + 1 < count => {
                                        ev.prevent_default();
                                        focus_row(id, index + 1);
                                    }
                                    "ArrowUp" if index > 0 => {
                                        ev.prevent_default();
                                        focus_row(id, index - 1);
                                    }
                                    _ => {}
                                }
                            }
                        />
                        {options}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let shares = {
        let report = report.clone();
        move || {
            let tagged = with_tags(&report, &tags()).ok().and_then(|r| r.tags);
            tagged.map(|t| {
                let lines = t
                    .shares
                    .iter()
                    .map(|s| {
                        view! {
                            <tr data-testid="tag-share" data-tag=s.tag.clone()>
                                <th scope="row" class="text">{s.tag.clone()}</th>
                                <td data-testid="tag-count">{s.count}</td>
                                <td data-testid="tag-share-value">{format!("{:.4}", s.share)}</td>
                                <td data-testid="tag-interval">{format!("[{:.4}, {:.4}]", s.lower, s.upper)}</td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    <h3>"Tags"</h3>
                    <p class="hint">
                        {format!(
                            "Each tag's share of the {} errors, with its Wilson {} % interval: the ceiling on what fixing it can gain.",
                            t.errors,
                            lockstep_core::report::export::format::number(t.confidence * 100.0)
                        )}
                    </p>
                    <div class="scroll">
                        <table class="numbers" data-testid="tag-shares">
                            <thead>
                                <tr>
                                    <th>"tag"</th>
                                    <th>"errors"</th>
                                    <th>"share"</th>
                                    <th>"interval"</th>
                                </tr>
                            </thead>
                            <tbody>{lines}</tbody>
                        </table>
                    </div>
                }
            })
        }
    };
    let downloads = {
        let report = report.clone();
        let sample = sample.clone();
        move || {
            let tags = tags();
            let tagged: DiagnoseReport =
                with_tags(&report, &tags).unwrap_or_else(|_| report.clone());
            let files = crate::view::diagnose::exports(&tagged)
                .map(|[json, md, html]| {
                    vec![
                        (
                            "json",
                            "Errors (JSON)",
                            "application/json",
                            "errors.json",
                            json,
                        ),
                        ("md", "Errors (Markdown)", "text/markdown", "errors.md", md),
                        ("html", "Errors (HTML)", "text/html", "errors.html", html),
                        (
                            "tags",
                            "Tags (CSV)",
                            "text/csv",
                            "tags.csv",
                            tags_csv(&sample, &tags),
                        ),
                    ]
                })
                .unwrap_or_default();
            let mut urls = Vec::new();
            let links = files
                .into_iter()
                .filter_map(|(key, name, mime, file, text)| {
                    let url = ObjectUrl::for_text(&text, mime).ok()?;
                    let href = url.url().to_owned();
                    urls.push(url);
                    Some(view! {
                        <a class="button" href=href download=file data-testid=format!("errors-download-{key}")>{name}</a>
                    })
                })
                .collect_view();
            on_cleanup(move || drop(urls));
            links
        }
    };
    view! {
        <p data-testid="errors-summary">{summary}</p>
        {super::kit::engine_line("errors-engine", output.diagnosed.engine.clone())}
        <div class="scroll" data-errors-cell=id.to_string()>
            <table class="numbers errors" data-testid="errors-table">
                <thead>
                    <tr>
                        <th>"row"</th>
                        <th>"label"</th>
                        <th>"predicted"</th>
                        <th>"confidence"</th>
                        <th>"features"</th>
                        <th>"tags"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {shares}
        <div class="row downloads">{downloads}</div>
    }
    .into_any()
}
