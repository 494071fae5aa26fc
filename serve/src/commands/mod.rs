//! The `lockstep` subcommands other than the servers. Each returns the process exit
//! status: 0 success, 1 a check failed, 2 bad usage or unreadable input (returned as
//! an error and printed once by `main`).

pub mod args;
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
    /// lockstep-core's GPU engine (WGSL kernels through wgpu, Vulkan); the CPU engine, with
    /// a message, when there is no GPU adapter
    #[value(name = "gpu")]
    Gpu,
    /// the GPU engine when it beats the CPU engine on a timed sample batch, else the CPU
    /// engine (the choice and why are printed)
    #[value(name = "auto")]
    Auto,
}

impl EngineChoice {
    /// The engine's name in reports and logs (`core`, `onnxruntime`).
    pub fn name(self) -> &'static str {
        match self {
            EngineChoice::Core => engine::CORE,
            EngineChoice::Onnxruntime => engine::ONNXRUNTIME,
            EngineChoice::Gpu => engine::GPU,
            EngineChoice::Auto => "auto",
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
            EngineChoice::Gpu | EngineChoice::Auto => {
                let model = Model::from_bytes(model_bytes).context("cannot load the model")?;
                let (engine, backend, why) = self.load_gpu(model, threads);
                eprintln!("engine: {backend} ({why})");
                engine
            }
        })
    }

    /// `gpu` / `auto`: the GPU engine, or the CPU engine on `threads` threads; the engine
    /// that runs and why.
    #[cfg(feature = "gpu")]
    fn load_gpu(self, model: Model, threads: usize) -> (Box<dyn Engine>, &'static str, String) {
        use lockstep_core::gpu::{self, Backend, GpuOptions};
        let backend = if self == EngineChoice::Auto {
            Backend::Auto
        } else {
            Backend::Gpu
        };
        let start = std::time::Instant::now();
        let clock = move || start.elapsed().as_secs_f64();
        let loaded = gpu::load(model, backend, &GpuOptions::default(), &clock);
        let engine: Box<dyn Engine> = match loaded.engine {
            // The CPU engine, on the threads asked for (the same outputs on any count).
            gpu::Picked::Cpu(model) => Box::new(ParallelModel::new(model, threads)),
            gpu::Picked::Gpu(engine) => Box::new(engine),
        };
        (engine, loaded.backend, loaded.why)
    }

    /// Built without the `gpu` feature: the CPU engine, saying so.
    #[cfg(not(feature = "gpu"))]
    fn load_gpu(self, model: Model, threads: usize) -> (Box<dyn Engine>, &'static str, String) {
        (
            Box::new(ParallelModel::new(model, threads)),
            engine::CORE,
            "this lockstep was built without the gpu feature; running on the CPU engine".into(),
        )
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
