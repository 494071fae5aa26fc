//! # lockstep-frontend
//!
//! The browser notebook. A person picks a CSV file (or loads the bundled demo),
//! chooses the label column and either a prediction column or a score column with a
//! threshold, and sees the metrics. They can then fit a feature pipeline on the data
//! (or load a fitted `pipeline.json`) and run an ONNX model on it, through the
//! pipeline when there is one. Finally they get the full evaluation report (metrics
//! with intervals next to baselines, calibration, thresholds, the metric contract's
//! verdict) and its JSON, Markdown, HTML and JUnit exports. Every file is read by the
//! browser and parsed, transformed, evaluated and run by `lockstep-core` compiled to
//! wasm32: nothing leaves the page.
//!
//! * [`state`] — the page's signals and the pure functions that derive results.
//! * [`load`] — reading a picked file or fetching the demo, into bytes.
//! * [`view`] — the panels' view-models: what each panel shows, as plain functions over
//!   `lockstep-core` types, tested natively ([`view::pipeline`], [`view::model`],
//!   [`view::eval`] — the evaluation report built through core's evaluation request —
//!   and [`view::skew`]); [`download`] offers the exports as files.
//! * [`components`] — the Leptos views.

pub mod components;
pub mod download;
pub mod load;
pub mod state;
pub mod view;

/// Installs the panic hook and mounts [`components::App`] on `<body>`.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(components::App);
}
