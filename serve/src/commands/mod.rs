//! The `lockstep` subcommands other than the servers. Each returns the process exit
//! status: 0 success, 1 a check failed, 2 bad usage or unreadable input (returned as
//! an error and printed once by `main`).

pub mod compare;
pub mod diagnose;
pub mod eval;
pub mod fit;
pub mod gate;
pub mod inputs;
pub mod parity;
pub mod predict;
pub mod skew;
pub mod transform;

use std::path::Path;

use anyhow::Context;
use lockstep_core::engine::{self, Engine};
use lockstep_core::onnx::{Model, ParallelModel, Tensor};
use lockstep_core::predict as core_predict;
use lockstep_core::table::Table;
use lockstep_core::transform::FittedPipeline;

use crate::ort_engine::{self, OrtEngine};

/// Which engine runs the model (`--engine`, `--engines`). The names are the ones
/// reports and logs use; `cpu` and `ort`, the names before, are accepted aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineChoice {
    /// lockstep-core's engine, the code the browser runs (alias: cpu)
    #[value(name = "core", alias = "cpu")]
    Core,
    /// ONNX Runtime, the reference, loaded from its shared library (alias: ort)
    #[value(name = "onnxruntime", alias = "ort")]
    Onnxruntime,
}

impl EngineChoice {
    /// The engine's name in reports and logs (`core`, `onnxruntime`).
    pub fn name(self) -> &'static str {
        match self {
            EngineChoice::Core => engine::CORE,
            EngineChoice::Onnxruntime => engine::ONNXRUNTIME,
        }
    }

    /// Loads `model_bytes` into this engine, on `threads` threads (the core engine splits
    /// the rows across them, with the same outputs whatever the count; ONNX Runtime gets
    /// them as intra-op threads). `ort_lib` names ONNX Runtime's library.
    pub fn load(
        self,
        model_bytes: &[u8],
        ort_lib: Option<&Path>,
        threads: usize,
    ) -> anyhow::Result<Box<dyn Engine>> {
        Ok(match self {
            EngineChoice::Core => {
                let model = Model::from_bytes(model_bytes).context("cannot load the model")?;
                Box::new(ParallelModel::new(model, threads))
            }
            EngineChoice::Onnxruntime => {
                ort_engine::init(ort_lib)?;
                Box::new(OrtEngine::from_bytes(model_bytes, threads)?)
            }
        })
    }
}

impl std::fmt::Display for EngineChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The model's input tensors (see `lockstep_core::predict::build_inputs`).
pub fn build_inputs(
    engine: &dyn Engine,
    table: &Table,
    pipeline: Option<&FittedPipeline>,
) -> anyhow::Result<Vec<(String, Tensor)>> {
    core_predict::build_inputs(engine, table, pipeline).context("cannot feed the data to the model")
}

/// The cores this process may use (1 when unknown).
pub fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// Runs `engine` on `table` (through `pipeline` when given) and returns the named
/// outputs; the error names the engine.
pub fn run(
    engine: &dyn Engine,
    table: &Table,
    pipeline: Option<&FittedPipeline>,
) -> anyhow::Result<Vec<(String, Tensor)>> {
    let inputs = build_inputs(engine, table, pipeline)?;
    engine::run_named(engine, &inputs)
        .with_context(|| format!("the {} engine failed", engine.name()))
}
