//! # lockstep-serve
//!
//! The native side of Lockstep: the `lockstep` binary's server and commands. The
//! numbers themselves are computed by `lockstep-core`, the same code the browser runs;
//! this crate adds files, sockets and processes around it.
//!
//! * [`web`] — serves the built web app (Trunk's `dist/`), the bundled demo data and
//!   `GET /healthz`.
//! * [`server`] — `lockstep serve`: Open Inference Protocol v2 and JSON rows over a
//!   fitted pipeline and an ONNX model, with a JSON Lines prediction log and metrics.
//! * [`shutdown`] — resolves on SIGINT or SIGTERM, for graceful shutdown.

pub mod commands;
pub mod input;
pub mod ort_engine;
pub mod ort_preflight;
pub mod output;
pub mod server;
pub mod shutdown;
pub mod web;
