//! The cells' view-models: what each cell shows, computed by plain functions over
//! `lockstep-core` types, so they are tested natively. The worker ([`crate::host`])
//! runs them; the Leptos views in [`crate::components`] only render the results.
//!
//! * [`pipeline`] — fitting a spec or reading a fitted pipeline, and what it holds.
//! * [`model`] — an ONNX model and its predictions on a data set.
//! * [`eval`] — the evaluation report (`lockstep eval`'s, through core's evaluation
//!   request) and its four exports.
//! * [`robustness`] — behavioural tests on a model (`lockstep eval --behaviour`).
//! * [`compare`] — champion against challenger (`lockstep compare`).
//! * [`diagnose`] — bias / variance / mismatch and the tagged errors (`lockstep diagnose`).
//! * [`skew`] — replaying serving logs against a pipeline and model.
//! * [`markdown`] — the Notes cell's Markdown, escaped.
//! * [`plots`] — the report's SVG plots, split between the Evaluate and Calibration cells.

pub mod compare;
pub mod diagnose;
pub mod eval;
pub mod gate;
pub mod markdown;
pub mod model;
pub mod pipeline;
pub mod plots;
pub mod robustness;
pub mod skew;
