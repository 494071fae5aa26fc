//! # lockstep-frontend
//!
//! The browser notebook. A person loads data sets (training, dev, test, serving logs;
//! CSV, Parquet or JSON Lines), fitted pipelines and ONNX models (champion,
//! challengers) — or the demo — and runs cells on them: Data, Pipeline, Models,
//! Evaluate (the full `lockstep eval` report), Calibration & threshold, Robustness
//! (behavioural tests), Compare (champion vs challenger), Skew (the
//! `lockstep skew` replay of serving logs) and Notes. Cells can be added, removed,
//! reordered, collapsed and re-run; a cell whose inputs changed is marked stale.
//!
//! `lockstep-core` runs in a dedicated Web Worker that owns the data: the page sends
//! the browser's `File` objects and small commands, and gets small results back, so
//! the page stays responsive during a long evaluation, which can be cancelled.
//! Nothing leaves the browser.
//!
//! * [`notebook`] — the notebook's state as serde data (cells, order, inputs, the
//!   data sets' roles, names and fingerprints): what a share link serializes.
//! * [`protocol`] — the commands and replies between the page and the worker.
//! * [`host`] — what the worker holds and does, plain Rust over `lockstep-core`
//!   (tested natively); [`worker`] — the worker's message loop (wasm32); [`pool`] —
//!   its engine workers, which run a large evaluation's model and bootstrap in parts;
//!   [`engine`] — the page's engine (core's, its async run on the engine workers);
//!   [`gpu`] — `?backend=gpu|auto`: the WebGPU module, loaded when asked for.
//! * [`client`] — the page's side: spawns the worker, sends, routes replies, cancels.
//! * [`state`], [`view`] — the data sets, models and the cells' view-models, plain
//!   functions over `lockstep-core`, tested natively; [`download`] — exports as files.
//! * [`share`] — share links (`#s1.`, core's `share` codec): the notebook's state
//!   out, and back in with each file checked by its fingerprint.
//! * [`components`] — the Leptos views.
//!
//! # Data flow
//!
//! ```text
//! page (UI thread)                          worker (same wasm bundle)
//! File / command ──postMessage(JSON + File)──▶ Host: read, parse, fingerprint,
//!                                              fit, run, evaluate (lockstep-core)
//! Notebook ◀── Loaded / Evaluated / Skewed ───┘  (progress replies while it works)
//! ```

pub mod client;
pub mod columnar;
pub mod components;
pub mod download;
pub mod engine;
pub mod gpu;
pub mod host;
pub mod notebook;
pub mod pool;
pub mod protocol;
pub mod share;
pub mod state;
pub mod view;
pub mod worker;

/// The value of `key` in a URL's query string (`?a=1&key=value`), as written: how the
/// page and its workers read `?workers=N` ([`pool::workers_asked`]) and `?backend=`
/// ([`gpu::backend_asked`]).
pub fn query_value<'s>(search: &'s str, key: &str) -> Option<&'s str> {
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
}

/// Starts the page, or — when there is no `window` — the worker's message loop.
pub fn start() {
    if worker::in_worker() {
        worker::run();
        return;
    }
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(components::App);
}
