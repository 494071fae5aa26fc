//! The Data cell: every data set with its role, format, size and fingerprint; a role
//! can be changed here (a serving log is read as a log, the others as tables).

use leptos::prelude::*;

use super::Ui;
use crate::notebook::{FileKind, Role};
use crate::protocol::Command;

fn format_name(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Csv => "CSV",
        FileKind::JsonLines => "JSON Lines",
        FileKind::Parquet => "Parquet",
        FileKind::ArrowIpc => "Arrow IPC",
        FileKind::Onnx => "ONNX",
        FileKind::Pipeline => "pipeline",
    }
}

#[component]
pub fn DataCell() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let rows = move || {
        ui.nb.with(|n| {
            n.datasets
                .iter()
                .map(|d| {
                    let name = d.name.clone();
                    let role = d.role;
                    let size = if d.role == Role::Serving {
                        format!("{} log lines", d.rows)
                    } else {
                        format!("{} rows × {} columns", d.rows, d.columns.len())
                    };
                    view! {
                        <tr data-testid="dataset-row">
                            <th scope="row" class="text">{d.name.clone()}</th>
                            <td>
                                <select
                                    aria-label=format!("Role of {}", d.name)
                                    data-testid=format!("role-{}", d.name)
                                    on:change=move |ev| {
                                        if let Some(role) = Role::from_key(&event_target_value(&ev)) {
                                            ui.change(Command::SetRole { name: name.clone(), role });
                                        }
                                    }
                                >
                                    {Role::ALL
                                        .into_iter()
                                        .map(|r| view! { <option value=r.key() selected=r == role>{r.label()}</option> })
                                        .collect_view()}
                                </select>
                            </td>
                            <td>{format_name(d.format)}</td>
                            <td data-testid="dataset-size">{size}</td>
                            <td>{format!("{} bytes", d.bytes)}</td>
                            <td data-testid="dataset-memory">{super::megabytes(d.memory_bytes)}</td>
                            <td><code title=d.sha256.clone()>{format!("sha256 {}…", &d.sha256[..12.min(d.sha256.len())])}</code></td>
                            <td>{super::seconds(d.millis)}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <Show
            when=move || ui.nb.with(|n| !n.datasets.is_empty())
            fallback=|| view! { <p class="hint">"No data yet: load the demo, add files, or drop them on the page."</p> }
        >
            <div class="scroll">
                <table class="numbers" data-testid="datasets">
                    <thead>
                        <tr>
                            <th>"Data set"</th>
                            <th>"Role"</th>
                            <th>"Format"</th>
                            <th>"Size"</th>
                            <th>"Bytes"</th>
                            <th>"Memory"</th>
                            <th>"Fingerprint"</th>
                            <th>"Read in"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </Show>
    }
}
