//! The view pieces the notebook's cells share: a cell's typed inputs (read and
//! edit), the model picker, a settings text box, the verdict line, the checks table
//! and the download row. One place for each, so the cells keep the same DOM (the
//! browser tests select by text, role and `data-testid`).

use leptos::prelude::*;

use super::Ui;
use crate::download::ObjectUrl;
use crate::notebook::CellInputs;

/// One cell's inputs of one kind: read them (a clone, the default when the cell is
/// gone or of another kind) and edit them in place. `Copy`, so views capture it.
pub struct CellState<T: 'static> {
    ui: Ui,
    id: u32,
    pick: fn(&CellInputs) -> Option<&T>,
    pick_mut: fn(&mut CellInputs) -> Option<&mut T>,
}

impl<T> Clone for CellState<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for CellState<T> {}

impl<T: Clone + Default + 'static> CellState<T> {
    pub fn new(
        ui: Ui,
        id: u32,
        pick: fn(&CellInputs) -> Option<&T>,
        pick_mut: fn(&mut CellInputs) -> Option<&mut T>,
    ) -> Self {
        Self {
            ui,
            id,
            pick,
            pick_mut,
        }
    }

    pub fn get(self) -> T {
        self.ui.nb.with(|n| {
            n.cell(self.id)
                .and_then(|c| (self.pick)(&c.inputs))
                .cloned()
                .unwrap_or_default()
        })
    }

    pub fn edit(self, f: impl FnOnce(&mut T)) {
        let pick_mut = self.pick_mut;
        self.ui.edit(self.id, |i| {
            if let Some(t) = pick_mut(i) {
                f(t);
            }
        });
    }
}

/// `cell_state!(ui, id, Variant)`: the [`CellState`] of `CellInputs::Variant`.
macro_rules! cell_state {
    ($ui:expr, $id:expr, $variant:ident) => {
        $crate::components::kit::CellState::new(
            $ui,
            $id,
            |i| match i {
                $crate::notebook::CellInputs::$variant(x) => Some(x),
                _ => None,
            },
            |i| match i {
                $crate::notebook::CellInputs::$variant(x) => Some(x),
                _ => None,
            },
        )
    };
}
pub(crate) use cell_state;

/// A `<select>` of the notebook's models (`role: name`, the chosen one selected),
/// with a first "none chosen" option when `empty` names it.
pub fn model_select(
    ui: Ui,
    label: &'static str,
    testid: String,
    empty: Option<String>,
    chosen: impl Fn() -> String + Copy + Send + Sync + 'static,
    set: impl Fn(String) + Copy + 'static,
) -> impl IntoView {
    view! {
        <label>
            {label}
            <select data-testid=testid on:change=move |ev| set(event_target_value(&ev))>
                {empty.map(|text| view! { <option value="" selected=move || chosen().is_empty()>{text}</option> })}
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
}

/// A labelled settings text box (a TOML file as the CLI reads it).
pub fn settings_box(
    label: &'static str,
    testid: &'static str,
    rows: &'static str,
    placeholder: Option<&'static str>,
    value: impl Fn() -> String + Send + Sync + 'static,
    set: impl Fn(String) + 'static,
) -> impl IntoView {
    view! {
        <label class="stack">
            {label}
            <textarea
                rows=rows
                spellcheck="false"
                data-testid=testid
                placeholder=placeholder
                prop:value=value
                on:input=move |ev| set(event_target_value(&ev))
            ></textarea>
        </label>
    }
}

/// The verdict line of a result: green when it passed, red when not.
pub fn verdict_line(passed: bool, testid: &'static str, text: String) -> impl IntoView {
    view! {
        <p class=if passed { "verdict pass" } else { "verdict fail" } data-testid=testid>{text}</p>
    }
}

/// Which engine ran a cell's models and why, when the page asked for another backend
/// than the CPU engine ([`crate::gpu::take_note`]).
pub fn engine_line(testid: &'static str, line: Option<String>) -> impl IntoView {
    line.map(|line| view! { <p class="hint" data-testid=testid>{line}</p> })
}

/// A result's table of checks (rows classed `pass` / `fail` by the caller).
pub fn checks_table(
    testid: &'static str,
    headers: &'static [&'static str],
    rows: impl IntoView,
) -> impl IntoView {
    let headers = headers
        .iter()
        .map(|h| view! { <th>{*h}</th> })
        .collect_view();
    view! {
        <div class="scroll">
            <table class="checks" data-testid=testid>
                <thead>
                    <tr>{headers}</tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// `("pass", "pass")` or `("fail", "FAIL")`: a check row's class and result text.
pub fn pass_fail(passed: bool) -> (&'static str, &'static str) {
    if passed {
        ("pass", "pass")
    } else {
        ("fail", "FAIL")
    }
}

/// One file of a result's download row.
pub struct Download<'a> {
    pub key: &'static str,
    pub label: &'static str,
    pub mime: &'static str,
    pub file: &'static str,
    pub text: &'a str,
}

impl<'a> Download<'a> {
    pub fn new(
        key: &'static str,
        label: &'static str,
        mime: &'static str,
        file: &'static str,
        text: &'a str,
    ) -> Self {
        Self {
            key,
            label,
            mime,
            file,
            text,
        }
    }
}

/// The download row: one button per file (`data-testid="{prefix}-download-{key}"`),
/// its object URL revoked when the view goes away.
pub fn downloads(prefix: &'static str, files: &[Download<'_>]) -> impl IntoView + use<> {
    let mut urls = Vec::new();
    let links = files
        .iter()
        .filter_map(|d| {
            let url = ObjectUrl::for_text(d.text, d.mime).ok()?;
            let href = url.url().to_owned();
            urls.push(url);
            Some(view! {
                <a class="button" href=href download=d.file data-testid=format!("{prefix}-download-{}", d.key)>
                    {d.label}
                </a>
            })
        })
        .collect_view();
    on_cleanup(move || drop(urls));
    view! { <div class="row downloads">{links}</div> }
}
