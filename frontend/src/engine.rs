//! The engine the page runs a model with: lockstep-core's own ([`Model`], named `core`
//! as `lockstep predict` names it), whose async run ([`Engine::run_async`], what the
//! Evaluate cell awaits through core's `report::prepare_request_async`) cuts a large
//! batch into contiguous parts of rows and runs them on the notebook worker's engine
//! workers and the notebook worker together ([`crate::pool::run_model`]). The parts are
//! merged by core ([`Model::merge_rows`]), so the outputs are bit for bit one run's.
//! With `?backend=gpu` or `auto` on the page's URL the run goes to the WebGPU module
//! first ([`crate::gpu`]), and to the CPU engine when that has no adapter.
//! Its synchronous run is [`Model::run`] in this worker; natively (the host's tests) the
//! async run is that too.

use std::sync::Arc;

use lockstep_core::engine::{CORE, Engine, EngineError, EngineFuture};
use lockstep_core::onnx::{Model, Tensor, ValueInfo};

/// A loaded model as the page runs it (see the module docs).
#[derive(Debug, Clone)]
pub struct PageEngine {
    model: Arc<Model>,
    /// The model file's bytes, sent once to each engine worker, which loads its own.
    raw: Arc<[u8]>,
    /// The bytes' sha256: what an engine worker knows the model by.
    sha256: String,
    /// The model's name in the page (its file's), for the engine line.
    name: String,
}

impl PageEngine {
    pub fn new(model: Arc<Model>, raw: Arc<[u8]>, sha256: String, name: String) -> Self {
        Self {
            model,
            raw,
            sha256,
            name,
        }
    }

    /// The model's name in the page.
    pub fn model_name(&self) -> &str {
        &self.name
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    pub fn sha256(&self) -> &str {
        &self.sha256
    }
}

impl Engine for PageEngine {
    fn name(&self) -> &str {
        CORE
    }

    fn inputs(&self) -> &[ValueInfo] {
        self.model.inputs()
    }

    fn run(&self, inputs: &[(&str, &Tensor)]) -> Result<Vec<(String, Tensor)>, EngineError> {
        Ok(self.model.run(inputs)?)
    }

    #[cfg(target_arch = "wasm32")]
    fn run_async<'a>(&'a self, inputs: &'a [(&'a str, &'a Tensor)]) -> EngineFuture<'a> {
        Box::pin(async move {
            let backend = crate::gpu::asked();
            if backend != crate::gpu::Backend::Core
                && let Some(outputs) = crate::gpu::run_model(self, backend, inputs).await?
            {
                return Ok(outputs);
            }
            crate::pool::run_model(self, inputs).await
        })
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn run_async<'a>(&'a self, inputs: &'a [(&'a str, &'a Tensor)]) -> EngineFuture<'a> {
        Box::pin(std::future::ready(self.run(inputs)))
    }
}
