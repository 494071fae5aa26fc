//! # lockstep-core
//!
//! The code that must compute *the same thing* in the browser (wasm32) and on the
//! server (x86_64). It performs no I/O and knows nothing of files, sockets, tokio or
//! the DOM: callers hand it bytes and get typed results back.
//!
//! ## Main types and how data flows
//!
//! * [`table::Table`] — a columnar table of named, typed, nullable columns. Built from
//!   CSV bytes by [`table::Table::from_csv`] (types are inferred per column, or forced
//!   with [`table::CsvOptions`]), from JSON Lines by [`table::Table::from_jsonl`], and
//!   from Parquet by `Table::from_parquet` (feature `parquet`).
//! * [`metrics::binary`] — binary-classification metrics (accuracy, precision, recall,
//!   F1 and the confusion matrix) computed from a label column and either a prediction
//!   column or a score column plus a decision threshold.
//! * The evaluation suite in [`metrics`] works on slices (labels, per-class
//!   probabilities, targets): [`metrics::classification`], [`metrics::regression`],
//!   [`metrics::calibration`], [`metrics::threshold`], [`metrics::baselines`],
//!   [`metrics::bootstrap`] and [`metrics::split`]. Each score column is sorted
//!   once ([`metrics::RankedScores`]) and every curve, sweep and bootstrap replicate
//!   reuses that sort. A metric that cannot be computed is
//!   [`metrics::Metric::Undefined`] with a typed reason, never NaN.
//! * [`onnx::Model`] — an ONNX model decoded from bytes and run on the CPU over batches
//!   of rows (scikit-learn, XGBoost and LightGBM exports; see [`onnx`] for the ops).
//! * [`engine::Engine`] — the one seam for running a model: lockstep-core's engine
//!   (`core`, [`onnx::Model`]) and ONNX Runtime (`onnxruntime`, in `lockstep-serve`)
//!   implement it, and predict, parity, evaluation, skew, the server and the page all
//!   run models through it.
//! * [`transform`] — feature transforms: a declarative [`transform::PipelineSpec`],
//!   [`transform::fit`] on a training table, [`transform::apply`] to get an `f32`
//!   feature matrix that is bit-identical on wasm32 and x86_64.
//! * [`report::evaluate`] runs a whole evaluation from a table and a
//!   [`report::EvalConfig`] into one serialisable [`report::EvalReport`] (metrics with
//!   bootstrap intervals and baselines, calibration, curves, the metric contract's
//!   verdict, fingerprints); [`report::export`] renders it as JSON, Markdown, HTML
//!   with inline SVG, or JUnit XML, and [`report::schema`] generates its JSON Schema.
//!
//! * [`share`] — share links: a notebook's state (settings, files' names and
//!   fingerprints, headline numbers; never data) as a versioned, compressed,
//!   checksummed URL fragment, `#s1.…`.
//!
//! Every fallible function returns a typed error whose message names the column, the
//! line of the input and the offending value.

pub mod behaviour;
pub mod chart;
pub mod compare;
pub mod diagnose;
pub mod engine;
pub mod excerpt;
pub mod expr;
pub mod fingerprint;
pub mod gate;
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod metrics;
pub mod onnx;
pub mod parity;
pub mod predict;
pub mod report;
pub mod share;
pub mod skew;
pub mod slices;
pub mod table;
pub mod transform;

pub use table::{Column, ColumnData, CsvOptions, DataType, Table, TableError};
