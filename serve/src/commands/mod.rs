//! The `lockstep` subcommands other than the servers. Each returns the process exit
//! status: 0 success, 1 a check failed, 2 bad usage or unreadable input (returned as
//! an error and printed once by `main`).

pub mod parity;
pub mod predict;

use std::path::Path;

use anyhow::Context;
use lockstep_core::onnx::{Model, Tensor};
use lockstep_core::predict::model_inputs;
use lockstep_core::table::Table;

use crate::ort_engine::{self, OrtModel};

/// Which engine runs the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// lockstep-core's engine: the code the browser runs.
    Cpu,
    /// ONNX Runtime (the reference), loaded from its shared library.
    Ort,
}

/// Runs `model_bytes` on `table` with `engine` and returns the named outputs.
pub fn run_engine(
    engine: Engine,
    model_bytes: &[u8],
    table: &Table,
    ort_lib: Option<&Path>,
    threads: usize,
) -> anyhow::Result<Vec<(String, Tensor)>> {
    let core = Model::from_bytes(model_bytes).context("cannot load the model")?;
    let inputs = model_inputs(table, core.inputs()).context("cannot feed the data to the model")?;
    let refs: Vec<(&str, &Tensor)> = inputs.iter().map(|(n, t)| (n.as_str(), t)).collect();
    match engine {
        Engine::Cpu => core.run(&refs).context("the core engine failed"),
        Engine::Ort => {
            ort_engine::init(ort_lib)?;
            let model = OrtModel::from_bytes(model_bytes, threads)?;
            Ok(model.run(&refs)?)
        }
    }
}
