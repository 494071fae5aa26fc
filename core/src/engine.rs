//! The engine seam: one [`Engine`] trait for everything that runs an ONNX model.
//!
//! An engine takes named [`Tensor`] inputs and returns every output of the model, by
//! name, in the model's output order. Everything in Lockstep that runs a model goes
//! through this trait — `predict::build_inputs` (it reads the engine's input metadata),
//! `report::run_model`, `lockstep predict` / `parity` / `eval` / `skew`, the server and
//! the page — so a new engine plugs in once and every feature gets it.
//!
//! Implementations, by the name reports, logs and CLI flags use:
//! * [`CORE`] (`core`): lockstep-core's own engine, [`Model`] (one thread, in chunks;
//!   natively `onnx::ParallelModel` runs it on several threads with the same outputs,
//!   bit for bit). It is the code the browser runs.
//! * [`ONNXRUNTIME`] (`onnxruntime`): ONNX Runtime, the reference, in
//!   `lockstep-serve` (`ort_engine::OrtEngine`, a pool of sessions).
//! * [`GPU`] (`gpu`): `gpu::GpuEngine` (feature `gpu`): the CPU engine's graph with the
//!   ops that have a WGSL kernel run on the device through wgpu.
//!
//! Engines are `Send + Sync` so a server can share one across requests.
//!
//! ## Async runs (the GPU backend)
//!
//! The trait is object-safe (`&dyn Engine`, `Box<dyn Engine>`). [`Engine::run`] is
//! synchronous: the CPU engines compute in place and a GPU engine can wait on the device
//! natively. In the browser, reading results back from WebGPU is asynchronous and the
//! tab must never block, so the seam also has [`Engine::run_async`], a boxed future;
//! its default wraps `run`, so the CPU engines and their callers keep their shape, and
//! the GPU engine overrides it with its awaiting run.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::onnx::{Model, OnnxError, Tensor, ValueInfo};

/// The name of lockstep-core's engine in flags, reports and logs.
pub const CORE: &str = "core";
/// The name of ONNX Runtime in flags, reports and logs.
pub const ONNXRUNTIME: &str = "onnxruntime";
/// The name of the GPU engine (feature `gpu`) in flags, reports and logs.
pub const GPU: &str = "gpu";

/// What [`Engine::run_async`] returns (not `Send`: WebGPU's futures are not).
pub type EngineFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<(String, Tensor)>, EngineError>> + 'a>>;

/// Something that runs an ONNX model.
pub trait Engine: Send + Sync {
    /// The name flags, reports and logs use ([`CORE`], [`ONNXRUNTIME`]).
    fn name(&self) -> &str;

    /// The model's graph inputs (initializers excluded), as the engine sees them:
    /// name, element type and shape. Callers build their input tensors from these.
    fn inputs(&self) -> &[ValueInfo];

    /// Runs the model on named inputs and returns every output, by name, in the
    /// model's output order.
    fn run(&self, inputs: &[(&str, &Tensor)]) -> Result<Vec<(String, Tensor)>, EngineError>;

    /// [`Engine::run`] as a future, for callers that must not block (the browser). The
    /// default runs `run` and returns its result, ready.
    fn run_async<'a>(&'a self, inputs: &'a [(&'a str, &'a Tensor)]) -> EngineFuture<'a> {
        Box::pin(std::future::ready(self.run(inputs)))
    }

    /// [`Engine::run`] only if it can start at once: `None` when the engine would first
    /// wait for something another run holds (ONNX Runtime's sessions, every one busy).
    /// The server runs small requests on its async worker through this, so that it never
    /// blocks there. The default never waits: `Some(self.run(inputs))`.
    fn try_run(
        &self,
        inputs: &[(&str, &Tensor)],
    ) -> Option<Result<Vec<(String, Tensor)>, EngineError>> {
        Some(self.run(inputs))
    }
}

/// Why an engine could not run the model. Callers add which engine and what for
/// ([`EngineError`]'s message is the engine's own).
#[derive(Debug, Clone, thiserror::Error)]
pub enum EngineError {
    /// lockstep-core's engine rejected the inputs or failed (boxed: an `OnnxError` is
    /// large, and every caller's error carries this one).
    #[error(transparent)]
    Core(Box<OnnxError>),
    /// Another engine (ONNX Runtime; later the GPU) failed; `source` is its own error,
    /// whose message names the engine.
    #[error("{source}")]
    Backend {
        /// The engine's name ([`Engine::name`]).
        engine: String,
        source: Arc<dyn std::error::Error + Send + Sync>,
    },
}

impl From<OnnxError> for EngineError {
    fn from(error: OnnxError) -> Self {
        EngineError::Core(Box::new(error))
    }
}

impl EngineError {
    /// Wraps another engine's error.
    pub fn backend(
        engine: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        EngineError::Backend {
            engine: engine.into(),
            source: Arc::new(source),
        }
    }
}

/// Backend errors compare by engine and message (their sources are opaque).
impl PartialEq for EngineError {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (EngineError::Core(a), EngineError::Core(b)) => a == b,
            (
                EngineError::Backend {
                    engine: a,
                    source: x,
                },
                EngineError::Backend {
                    engine: b,
                    source: y,
                },
            ) => a == b && x.to_string() == y.to_string(),
            _ => false,
        }
    }
}

/// Runs `engine` over a list of owned named tensors (as `predict::build_inputs` builds
/// them).
pub fn run_named(
    engine: &dyn Engine,
    inputs: &[(String, Tensor)],
) -> Result<Vec<(String, Tensor)>, EngineError> {
    let refs: Vec<(&str, &Tensor)> = inputs.iter().map(|(n, t)| (n.as_str(), t)).collect();
    engine.run(&refs)
}

/// lockstep-core's engine: [`Model::run`] (one thread, in chunks of rows).
impl Engine for Model {
    fn name(&self) -> &str {
        CORE
    }

    fn inputs(&self) -> &[ValueInfo] {
        Model::inputs(self)
    }

    fn run(&self, inputs: &[(&str, &Tensor)]) -> Result<Vec<(String, Tensor)>, EngineError> {
        Ok(Model::run(self, inputs)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seam_is_object_safe_and_shareable() {
        fn shared<T: Send + Sync + ?Sized>() {}
        shared::<dyn Engine>();
        shared::<Box<dyn Engine>>();
        shared::<EngineError>();
    }

    #[test]
    fn the_core_engine_reports_its_name_inputs_and_typed_errors() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/onnx/");
        let bytes = std::fs::read(format!("{dir}logreg_multinomial_iris.onnx")).unwrap();
        let model = Model::from_bytes(&bytes).unwrap();
        let engine: &dyn Engine = &model;
        assert_eq!(engine.name(), "core");
        assert_eq!(engine.inputs(), model.inputs());
        let name = engine.inputs()[0].name.clone();
        let wrong = Tensor::f32(vec![1, 3], vec![0.0; 3]).unwrap();
        let err = engine.run(&[(name.as_str(), &wrong)]).unwrap_err();
        assert!(
            matches!(&err, EngineError::Core(e) if matches!(**e, OnnxError::InputShape { .. })),
            "{err:?}"
        );
        let right = Tensor::f32(vec![2, 4], vec![1.0; 8]).unwrap();
        let through_trait = engine.run(&[(name.as_str(), &right)]).unwrap();
        assert_eq!(
            through_trait,
            model.run(&[(name.as_str(), &right)]).unwrap()
        );
    }

    #[test]
    fn backend_errors_keep_their_message_and_source() {
        #[derive(Debug, thiserror::Error)]
        #[error("ONNX Runtime failed to run the model: boom")]
        struct Boom;
        let err = EngineError::backend(ONNXRUNTIME, Boom);
        assert_eq!(
            err.to_string(),
            "ONNX Runtime failed to run the model: boom"
        );
        assert_eq!(err, EngineError::backend("onnxruntime", Boom));
        assert_ne!(err, EngineError::backend("gpu", Boom));
    }
}
