//! # lockstep-frontend
//!
//! The browser notebook. A person picks a CSV file (or loads the bundled demo),
//! chooses the label column and either a prediction column or a score column with a
//! threshold, and sees the metrics. The file is read by the browser and parsed and
//! evaluated by `lockstep-core` compiled to wasm32: nothing leaves the page.
//!
//! * [`state`] — the page's signals and the pure functions that derive results.
//! * [`load`] — reading a picked file or fetching the demo, into bytes.
//! * [`components`] — the Leptos views.

pub mod components;
pub mod load;
pub mod state;

/// Installs the panic hook and mounts [`components::App`] on `<body>`.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(components::App);
}
