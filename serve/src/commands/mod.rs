//! The `lockstep` subcommands other than the servers. Each returns the process exit
//! status: 0 success, 1 a check failed, 2 bad usage or unreadable input (returned as
//! an error and printed once by `main`).

pub mod eval;
pub mod fit;
pub mod parity;
pub mod predict;
pub mod skew;
pub mod transform;

use std::path::Path;

use anyhow::Context;
use lockstep_core::onnx::{Model, Tensor};
use lockstep_core::predict as core_predict;
use lockstep_core::table::Table;
use lockstep_core::transform::FittedPipeline;

use crate::ort_engine::{self, OrtModel};

/// Which engine runs the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// lockstep-core's engine: the code the browser runs.
    Cpu,
    /// ONNX Runtime (the reference), loaded from its shared library.
    Ort,
}

/// The model's input tensors (see `lockstep_core::predict::build_inputs`).
pub fn build_inputs(
    model: &Model,
    table: &Table,
    pipeline: Option<&FittedPipeline>,
) -> anyhow::Result<Vec<(String, Tensor)>> {
    core_predict::build_inputs(model, table, pipeline).context("cannot feed the data to the model")
}

/// The cores this process may use (1 when unknown).
pub fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// Runs `model_bytes` on `table` with `engine` on `threads` threads and returns the named
/// outputs (the core engine's are the same whatever the thread count).
pub fn run_engine(
    engine: Engine,
    model_bytes: &[u8],
    table: &Table,
    pipeline: Option<&FittedPipeline>,
    ort_lib: Option<&Path>,
    threads: usize,
) -> anyhow::Result<Vec<(String, Tensor)>> {
    let core = Model::from_bytes(model_bytes).context("cannot load the model")?;
    let inputs = build_inputs(&core, table, pipeline)?;
    let refs: Vec<(&str, &Tensor)> = inputs.iter().map(|(n, t)| (n.as_str(), t)).collect();
    match engine {
        Engine::Cpu => core
            .run_parallel(&refs, threads)
            .context("the core engine failed"),
        Engine::Ort => {
            ort_engine::init(ort_lib)?;
            let model = OrtModel::from_bytes(model_bytes, threads)?;
            Ok(model.run(&refs)?)
        }
    }
}
