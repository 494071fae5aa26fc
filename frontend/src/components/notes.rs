//! The Notes cell: Markdown, rendered below the text (escaped: see
//! [`crate::view::markdown`]).

use leptos::prelude::*;

use super::Ui;
use crate::notebook::CellInputs;
use crate::view::markdown::to_html;

#[component]
pub fn NotesCell(id: u32) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let text = move || {
        ui.nb.with(|n| match n.cell(id).map(|c| &c.inputs) {
            Some(CellInputs::Notes { markdown }) => markdown.clone(),
            _ => String::new(),
        })
    };
    let name = move || super::frame::cell_name(ui, id, crate::notebook::CellKind::Notes);
    view! {
        <label class="stack">
            {move || format!("{} (Markdown)", name())}
            <textarea
                rows="4"
                data-testid="notes-text"
                placeholder="# What we found\nThe **challenger** ranks better but is worse calibrated."
                prop:value=text
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    ui.nb.update(|n| {
                        if let Some(c) = n.cell_mut(id)
                            && let CellInputs::Notes { markdown } = &mut c.inputs
                        {
                            *markdown = v;
                        }
                    });
                }
            ></textarea>
        </label>
        <div class="notes-rendered" data-testid="notes-rendered" inner_html=move || to_html(&text())></div>
    }
}
