//! A cell's frame: its title, run state, and the buttons that collapse, move, remove
//! and run it; the cell's own view inside.

use leptos::prelude::*;

use super::{Ui, seconds};
use crate::notebook::{CellKind, RunState};

/// `Evaluate` for the first cell of a kind, `Evaluate 2` for the second…: every
/// control's accessible name stays unique when a kind is added twice.
pub fn cell_name(ui: Ui, id: u32, kind: CellKind) -> String {
    let ordinal = ui.nb.with(|n| {
        n.cells
            .iter()
            .filter(|c| c.kind == kind)
            .position(|c| c.id == id)
            .unwrap_or(0)
    });
    if ordinal == 0 {
        kind.title().to_owned()
    } else {
        format!("{} {}", kind.title(), ordinal + 1)
    }
}

#[component]
pub fn CellFrame(id: u32, kind: CellKind) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let name = Memo::new(move |_| cell_name(ui, id, kind));
    let state = Memo::new(move |_| {
        ui.nb
            .with(|n| n.cell(id).map(|c| c.state.clone()))
            .unwrap_or(RunState::Idle)
    });
    let collapsed = Memo::new(move |_| ui.nb.with(|n| n.cell(id).is_some_and(|c| c.collapsed)));
    let running = move || ui.running.get() == Some(id);
    let badge =
        move || {
            let (class, text) = match state.get() {
                RunState::Idle => ("idle", "idle".to_owned()),
                RunState::Running { stage, .. } => {
                    let elapsed = ui.tick.get().max(ui.started.get()) - ui.started.get();
                    (
                        "running",
                        format!("running: {stage} ({})", seconds(elapsed)),
                    )
                }
                RunState::Done { millis } => ("done", format!("done in {}", seconds(millis))),
                RunState::Stale => ("stale", "stale: an input changed, run again".to_owned()),
                RunState::Failed { .. } => ("failed", "failed".to_owned()),
            };
            // Data and Notes hold what they are given: they never run.
            (kind != CellKind::Data && kind != CellKind::Notes).then(|| view! {
            <span class=format!("badge {class}") data-testid=format!("state-{}", kind.key())>
                {text}
            </span>
        })
        };
    let runs = kind.runs() || kind == CellKind::Pipeline;
    let body = move || match kind {
        CellKind::Data => view! { <super::data::DataCell /> }.into_any(),
        CellKind::Pipeline => view! { <super::pipeline::PipelineCell id /> }.into_any(),
        CellKind::Models => view! { <super::models::ModelsCell id /> }.into_any(),
        CellKind::Evaluate => view! { <super::evaluate::EvaluateCell id /> }.into_any(),
        CellKind::Calibration => view! { <super::calibration::CalibrationCell id /> }.into_any(),
        CellKind::Robustness => view! { <super::robustness::RobustnessCell id /> }.into_any(),
        CellKind::Compare => view! { <super::compare::CompareCell id /> }.into_any(),
        CellKind::Skew => view! { <super::skew::SkewCell id /> }.into_any(),
        CellKind::Slices => view! { <super::slices::SlicesCell id /> }.into_any(),
        CellKind::Gate => view! { <super::gate::GateCell id /> }.into_any(),
        CellKind::Diagnose => view! { <super::diagnose::DiagnoseCell id /> }.into_any(),
        CellKind::Errors => view! { <super::errors::ErrorsCell id /> }.into_any(),
        CellKind::Notes => view! { <super::notes::NotesCell id /> }.into_any(),
    };
    let heading = format!("cell-{id}-title");
    let labelled_by = heading.clone();
    view! {
        <section
            class="card cell"
            data-testid=format!("cell-{}", kind.key())
            data-cell=id.to_string()
            aria-labelledby=labelled_by
            aria-busy=move || running().to_string()
        >
            <div class="cell-head">
                <h2 id=heading>{move || name.get()}</h2>
                {badge}
                <div class="cell-buttons">
                    {runs
                        .then(|| {
                            view! {
                                <button
                                    class="run"
                                    data-testid=format!("run-{}", kind.key())
                                    aria-label=move || {
                                        if running() {
                                            format!("Cancel {}", name.get())
                                        } else {
                                            format!("Run {}", name.get())
                                        }
                                    }
                                    disabled=move || ui.running.get().is_some_and(|r| r != id)
                                    on:click=move |_| ui.run(id)
                                >
                                    {move || if running() { "Cancel" } else { "Run" }}
                                </button>
                            }
                        })}
                    <button
                        data-testid=format!("collapse-{}", kind.key())
                        aria-expanded=move || (!collapsed.get()).to_string()
                        aria-label=move || format!("Collapse {}", name.get())
                        on:click=move |_| {
                            ui.nb.update(|n| {
                                if let Some(c) = n.cell_mut(id) {
                                    c.collapsed = !c.collapsed;
                                }
                            })
                        }
                    >
                        {move || if collapsed.get() { "▸" } else { "▾" }}
                    </button>
                    <button
                        aria-label=move || format!("Move {} up", name.get())
                        on:click=move |_| ui.nb.update(|n| n.move_by(id, -1))
                    >
                        "↑"
                    </button>
                    <button
                        aria-label=move || format!("Move {} down", name.get())
                        on:click=move |_| ui.nb.update(|n| n.move_by(id, 1))
                    >
                        "↓"
                    </button>
                    <button
                        aria-label=move || format!("Remove {}", name.get())
                        data-testid=format!("remove-{}", kind.key())
                        disabled=running
                        on:click=move |_| {
                            ui.nb.update(|n| n.remove(id));
                            ui.outputs.update(|o| drop(o.remove(&id)));
                        }
                    >
                        "✕"
                    </button>
                </div>
            </div>
            {move || match state.get() {
                RunState::Failed { error } => {
                    Some(view! { <p class="error" role="alert" data-testid=format!("error-{}", kind.key())>{error}</p> })
                }
                _ => None,
            }}
            <div class="cell-body" hidden=move || collapsed.get()>{body}</div>
        </section>
    }
}
