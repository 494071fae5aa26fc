//! The panels' view-models: what each panel of the page shows, computed by plain
//! functions over `lockstep-core` and page-state types, so they are tested natively.
//! The Leptos views in [`crate::components`] only render them.
//!
//! * [`pipeline`] — fitting a spec or reading a fitted pipeline, and what it holds.
//! * [`model`] — a dropped ONNX model and its predictions on the data.
//! * [`eval`] — the evaluation report (`lockstep eval`'s, through core's evaluation
//!   request) and its four exports.
//! * [`skew`] — replaying dropped prediction logs against the page's pipeline and model.

pub mod eval;
pub mod model;
pub mod pipeline;
pub mod skew;
