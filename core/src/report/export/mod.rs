//! Exports of an [`EvalReport`]: pure string generation, no I/O.
//!
//! * [`json`] — the report as JSON (the format the schema describes);
//! * [`markdown`] — tables for a CI job summary;
//! * [`html`] — one self-contained page with inline SVG plots ([`crate::chart`]; no
//!   script, no external asset, no data row);
//! * [`junit`] — JUnit XML with one test case per contract line (and per
//!   behavioural test).
//!
//! Each shows the behavioural tests when the report has them (`behaviour`, one
//! renderer per format in the private `behaviour` module).
//!
//! [`format`] holds the number and text formatting they share, for other views of a
//! report (the web app's summary) to print values the same way.

mod behaviour;
pub mod format;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod slices;
mod tables;

pub use behaviour::curve_chart as behaviour_curve_chart;
pub use html::plots;

use super::EvalReport;

/// The report as pretty-printed JSON with a trailing newline.
pub fn json(report: &EvalReport) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}

/// Reads a report written by [`json`].
pub fn from_json(text: &str) -> Result<EvalReport, serde_json::Error> {
    serde_json::from_str(text)
}

pub use html::html;
pub use junit::junit;
pub use markdown::markdown;
