//! Share links on the page: "Copy link" puts the notebook's state in the URL fragment
//! (`#s1.…`, core's codec; never a data row) and on the clipboard; opening such a link
//! lays out its cells, shows its numbers at once, asks for its files and checks each
//! against its sha256 fingerprint before anything data-dependent is applied. All
//! matched: the settings are applied and the evaluation re-runs. A mismatch: a warning
//! naming the artefact, and the user chooses (settings only, or dismiss). A damaged,
//! tampered, truncated or oversized link is a named error, and the page stays as it was.
//! The view-model is [`crate::share`].

use std::collections::HashMap;
use std::time::Duration;

use leptos::prelude::*;
use lockstep_core::report::export::format::metric;
use lockstep_core::share::{self, LinkBudget, Summary};
use wasm_bindgen::{JsCast, JsValue};

use super::{Output, Ui};
use crate::download::ObjectUrl;
use crate::notebook::CellKind;
use crate::share::{
    FileStatus, Opened, apply_settings, check_files, describe, mismatch_message, open, state_of,
    summary_differences,
};

/// What became of an opened link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Waiting for the files (nothing data-dependent applied).
    Waiting,
    /// Every file matched: the settings were applied and the evaluation re-ran.
    Rerun,
    /// The user applied the settings despite a mismatch (or without the files).
    SettingsOnly,
}

/// The share state of the page; `Copy`, provided as a context beside [`Ui`].
#[derive(Clone, Copy)]
pub struct ShareUi {
    pub opened: RwSignal<Option<Opened>>,
    pub applied: RwSignal<Applied>,
    pub link_error: RwSignal<Option<String>>,
    /// The link "Copy link" made last.
    pub made: RwSignal<Option<String>>,
    pub copied: RwSignal<String>,
}

/// The first Evaluate cell's id.
fn evaluate_cell(ui: Ui) -> Option<u32> {
    ui.nb.with_untracked(|n| {
        n.cells
            .iter()
            .find(|c| c.kind == CellKind::Evaluate)
            .map(|c| c.id)
    })
}

/// The report the first Evaluate cell shows, read with `with` (tracked or not).
fn evaluate_summary(ui: Ui, tracked: bool) -> Option<Summary> {
    let id = evaluate_cell(ui)?;
    let read = |o: &HashMap<u32, Output>| match o.get(&id) {
        Some(Output::Evaluated(e)) => Some(Summary::of_report(&e.report)),
        _ => None,
    };
    if tracked {
        ui.outputs.with(read)
    } else {
        ui.outputs.with_untracked(read)
    }
}

/// Opens the link in `hash` (the text from `#`); a bad link changes nothing.
fn open_link(ui: Ui, s: ShareUi, hash: &str) {
    if hash.is_empty() || hash == "#" {
        return;
    }
    match share::decode(hash) {
        Err(e) => {
            s.link_error.set(Some(format!(
                "This link cannot be opened: {e}. Nothing from it was applied; the page works as before."
            )));
            ui.status.set("The link could not be opened.".to_owned());
        }
        Ok(state) => {
            let mut opened = None;
            ui.nb.update(|n| opened = Some(open(n, state)));
            ui.outputs.update(HashMap::clear);
            s.link_error.set(None);
            s.applied.set(Applied::Waiting);
            s.opened.set(opened);
            ui.status
                .set("Opened a shared evaluation: provide its files to re-run it here.".to_owned());
        }
    }
}

/// Applies the opened link's settings (names from the checks), and re-runs the
/// evaluation when every file matched.
fn apply(ui: Ui, s: ShareUi, rerun: bool) {
    let Some(opened) = s.opened.get_untracked() else {
        return;
    };
    let checks = ui
        .nb
        .with_untracked(|n| check_files(&opened.state.files, n));
    let names: HashMap<String, String> = checks
        .iter()
        .map(|c| {
            let name = match &c.status {
                FileStatus::Matched { name } | FileStatus::Mismatch { name, .. } => name.clone(),
                FileStatus::Waiting => c.file.name.clone(),
            };
            (c.file.role.clone(), name)
        })
        .collect();
    s.applied.set(if rerun {
        Applied::Rerun
    } else {
        Applied::SettingsOnly
    });
    ui.nb.update(|n| {
        apply_settings(n, &opened, &|role| {
            names.get(role).cloned().unwrap_or_else(|| role.to_owned())
        });
        let ids: Vec<u32> = n.cells.iter().map(|c| c.id).collect();
        for id in ids {
            n.edited(id);
        }
    });
    if rerun && let Some(id) = evaluate_cell(ui) {
        ui.status
            .set("Every file matches the link: re-running the evaluation.".to_owned());
        ui.run(id);
    } else {
        ui.status.set("Applied the link's settings.".to_owned());
    }
}

/// Creates the share state, opens the page's own link (and any later one), and
/// watches the loaded files against an opened link's fingerprints.
pub fn provide(ui: Ui) -> ShareUi {
    let s = ShareUi {
        opened: RwSignal::new(None),
        applied: RwSignal::new(Applied::Waiting),
        link_error: RwSignal::new(None),
        made: RwSignal::new(None),
        copied: RwSignal::new(String::new()),
    };
    provide_context(s);
    if let Ok(hash) = window().location().hash() {
        open_link(ui, s, &hash);
    }
    let handle = window_event_listener(leptos::ev::hashchange, move |_| {
        if let Ok(hash) = window().location().hash() {
            open_link(ui, s, &hash);
        }
    });
    on_cleanup(move || handle.remove());
    // Every file of the link matched: apply and re-run (once).
    Effect::new(move |_| {
        let ready = s.opened.with(|o| {
            o.as_ref().is_some_and(|o| {
                let checks = ui.nb.with(|n| check_files(&o.state.files, n));
                !checks.is_empty()
                    && checks
                        .iter()
                        .all(|c| matches!(c.status, FileStatus::Matched { .. }))
            })
        });
        if ready && s.applied.get() == Applied::Waiting {
            // Out of this effect: applying changes the notebook it reads.
            set_timeout(move || apply(ui, s, true), Duration::ZERO);
        }
    });
    s
}

/// Writes `text` to the clipboard; `Err` when the browser has no clipboard here.
async fn write_clipboard(text: &str) -> Result<(), JsValue> {
    let navigator = window().navigator();
    let clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))?;
    let write = js_sys::Reflect::get(&clipboard, &JsValue::from_str("writeText"))?
        .dyn_into::<js_sys::Function>()?;
    let promise = write
        .call1(&clipboard, &JsValue::from_str(text))?
        .dyn_into::<js_sys::Promise>()?;
    wasm_bindgen_futures::JsFuture::from(promise).await?;
    Ok(())
}

/// Makes the notebook's link, puts it in the address bar (no reload) and on the clipboard.
fn make_link(ui: Ui, s: ShareUi) {
    let report = evaluate_cell(ui).and_then(|id| {
        ui.outputs.with_untracked(|o| match o.get(&id) {
            Some(Output::Evaluated(e)) => Some(e.clone()),
            _ => None,
        })
    });
    let state = ui
        .nb
        .with_untracked(|n| state_of(n, report.as_ref().map(|e| &e.report)));
    let fragment = share::encode(&state);
    let location = window().location();
    let base = format!(
        "{}{}{}",
        location.origin().unwrap_or_default(),
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default()
    );
    let link = format!("{base}{fragment}");
    if LinkBudget::of(&link) != LinkBudget::TooLarge
        && let Ok(history) = window().history()
    {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&link));
    }
    s.made.set(Some(link.clone()));
    s.copied.set(String::new());
    leptos::task::spawn_local(async move {
        let message = match write_clipboard(&link).await {
            Ok(()) => "Copied to the clipboard.",
            Err(_) => "The clipboard is not available here: copy the link from the box.",
        };
        s.copied.set(message.to_owned());
    });
}

/// "Copy link" and the link made, with its size against the budgets.
#[component]
pub fn ShareBar() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let s = expect_context::<ShareUi>();
    let made = move || {
        s.made.get().map(|link| {
            let chars = link.len() - link.find('#').map_or(0, |i| i + 1);
            let budget = LinkBudget::of(&link);
            let advice = match budget {
                LinkBudget::Typical => "fits a chat message or a CI summary",
                LinkBudget::Long => "long: some chat tools may cut it",
                LinkBudget::OfferFile => "too long to paste reliably: share it as a file",
                LinkBudget::TooLarge => {
                    "over the 64 KiB a link may hold: it cannot be opened as a link"
                }
            };
            let file = matches!(budget, LinkBudget::OfferFile | LinkBudget::TooLarge)
                .then(|| ObjectUrl::for_text(&link, "text/plain").ok())
                .flatten();
            let href = file.as_ref().map(|f| f.url().to_owned());
            on_cleanup(move || drop(file));
            view! {
                <div class="share-made">
                    <input
                        type="text"
                        readonly=true
                        aria-label="Share link"
                        data-testid="share-link"
                        prop:value=link.clone()
                        on:focus=move |ev| {
                            let input: web_sys::HtmlInputElement = event_target(&ev);
                            input.select();
                        }
                    />
                    <span class="hint" data-testid="share-link-size">
                        {format!("{chars} characters after # — {advice}. It holds settings, file names and fingerprints, and the headline numbers: never a data row.")}
                    </span>
                    {href.map(|h| view! {
                        <a class="button" href=h download="lockstep-link.txt" data-testid="share-link-file">"Save the link as a file"</a>
                    })}
                    <span class="hint" role="status">{move || s.copied.get()}</span>
                </div>
            }
        })
    };
    view! {
        <div class="row share-bar">
            <button data-testid="copy-link" on:click=move |_| make_link(ui, s)>
                "Copy link"
            </button>
            {made}
        </div>
    }
}

/// The opened link: its numbers at once, its files and their checks, the warnings.
#[component]
pub fn OpenedLink() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let s = expect_context::<ShareUi>();
    let error = move || {
        s.link_error.get().map(|e| {
            view! {
                <div class="card link-panel" data-testid="link-error-panel">
                    <p class="error" role="alert" data-testid="link-error">{e}</p>
                    <button data-testid="link-error-dismiss" on:click=move |_| s.link_error.set(None)>
                        "Dismiss"
                    </button>
                </div>
            }
        })
    };
    let panel = move || {
        s.opened.get().map(|opened| {
            let state = opened.state.clone();
            let summary = state.summary.clone();
            let metrics = summary
                .metrics
                .iter()
                .map(|m| {
                    let value = |v: Option<f64>| v.map_or("undefined".to_owned(), |v| metric(lockstep_core::metrics::Metric::Value(v)));
                    view! {
                        <tr>
                            <th scope="row">{m.name.clone()}</th>
                            <td>{value(m.estimate)}</td>
                            <td>{format!("[{}, {}]", value(m.lower), value(m.upper))}</td>
                        </tr>
                    }
                })
                .collect_view();
            let headline = match (summary.rows, &summary.task) {
                (Some(rows), Some(task)) => format!(
                    "The link's evaluation: {rows} rows, {task}{}.",
                    match summary.contract_passed {
                        Some(true) => "; contract PASS",
                        Some(false) => "; contract FAIL",
                        None => "",
                    }
                ),
                _ => "The link carries no computed numbers (it was made before an evaluation ran).".to_owned(),
            };
            let skipped = (!opened.skipped.is_empty()).then(|| {
                format!(
                    "Cells this page does not offer were left out: {}.",
                    opened.skipped.join(", ")
                )
            });
            let files = state.files.clone();
            let checks = Memo::new(move |_| ui.nb.with(|n| check_files(&files, n)));
            let rows = move || {
                checks
                    .get()
                    .into_iter()
                    .map(|c| {
                        let (class, text) = match &c.status {
                            FileStatus::Waiting => ("waiting", "waiting: drop this file".to_owned()),
                            FileStatus::Matched { name } => ("pass", format!("matches ({name})")),
                            FileStatus::Mismatch { name, .. } => ("fail", format!("MISMATCH ({name})")),
                        };
                        view! {
                            <tr class=class>
                                <td class="text">{describe(&c.file)}</td>
                                <td><code>{c.file.sha256.get(..12).unwrap_or(&c.file.sha256).to_owned()}"…"</code></td>
                                <td>{text}</td>
                            </tr>
                        }
                    })
                    .collect_view()
            };
            let mismatches = move || {
                checks
                    .get()
                    .into_iter()
                    .filter_map(|c| match c.status {
                        FileStatus::Mismatch { name, sha256 } => Some(mismatch_message(&c.file, &name, &sha256)),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
            };
            let warning = move || {
                let list = mismatches();
                (!list.is_empty() && s.applied.get() == Applied::Waiting).then(|| {
                    let items = list.into_iter().map(|m| view! { <li>{m}</li> }).collect_view();
                    view! {
                        <div class="warning" role="alert" data-testid="link-mismatch">
                            <ul>{items}</ul>
                            <p>"Nothing from the link was applied. Give the files it was made with, or:"</p>
                            <div class="row">
                                <button data-testid="link-apply-settings" on:click=move |_| apply(ui, s, false)>
                                    "Apply only the settings"
                                </button>
                                <button data-testid="link-dismiss" on:click=move |_| s.opened.set(None)>
                                    "Dismiss the link"
                                </button>
                            </div>
                        </div>
                    }
                })
            };
            let link_summary = summary.clone();
            let reproduced = move || {
                if s.applied.get() != Applied::Rerun || link_summary.metrics.is_empty() {
                    return None;
                }
                let rerun = evaluate_summary(ui, true)?;
                let differences = summary_differences(&link_summary, &rerun);
                Some(if differences.is_empty() {
                    view! {
                        <p class="verdict pass" data-testid="link-reproduced">
                            "The re-run on your files reproduces the link's numbers."
                        </p>
                    }
                    .into_any()
                } else {
                    let items = differences.into_iter().map(|d| view! { <li>{d}</li> }).collect_view();
                    view! {
                        <div class="warning" data-testid="link-differs">
                            <p>"The re-run's numbers differ from the link's:"</p>
                            <ul>{items}</ul>
                        </div>
                    }
                    .into_any()
                })
            };
            let state_line = move || match s.applied.get() {
                Applied::Waiting => "Drop these files on the page (or load the demo, for a link made from it). Each is checked against its fingerprint before the link's settings are applied.".to_owned(),
                Applied::Rerun => "Every file matched: the link's settings are applied and the evaluation re-ran.".to_owned(),
                Applied::SettingsOnly => "Only the settings were applied: the files are not the link's, so its numbers do not apply to them.".to_owned(),
            };
            view! {
                <section class="card link-panel" data-testid="link-panel" aria-labelledby="link-title">
                    <h2 id="link-title">"Shared evaluation"</h2>
                    <p data-testid="link-headline">{headline}</p>
                    {(!summary.metrics.is_empty()).then(|| view! {
                        <div class="scroll">
                            <table class="numbers" data-testid="link-summary">
                                <thead><tr><th>"metric"</th><th>"estimate"</th><th>"interval"</th></tr></thead>
                                <tbody>{metrics}</tbody>
                            </table>
                        </div>
                    })}
                    <p class="hint" data-testid="link-state">{state_line}</p>
                    <div class="scroll">
                        <table data-testid="link-files">
                            <thead><tr><th>"file"</th><th>"sha256"</th><th>"here"</th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                    {warning}
                    {reproduced}
                    {skipped.map(|t| view! { <p class="hint">{t}</p> })}
                    <div class="row">
                        <button data-testid="link-close" on:click=move |_| s.opened.set(None)>"Close"</button>
                    </div>
                </section>
            }
        })
    };
    view! {
        {error}
        {panel}
    }
}
