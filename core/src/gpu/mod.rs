//! # The engine on the GPU (feature `gpu`)
//!
//! [`GpuEngine`] is the third implementation of the [`Engine`] seam: the CPU engine's
//! compiled graph ([`Model`]), run node by node, with the ops that have a WGSL kernel
//! dispatched to the device through wgpu (Vulkan natively — Mesa's lavapipe in CI —, the
//! browser's WebGPU on wasm32) and every other op run by the CPU engine's own code within
//! the same model run. The lowering is per op, so every model the CPU engine loads runs
//! with `gpu` selected.
//!
//! Kernels, one `.wgsl` file per family beside the Rust that dispatches it:
//! * `trees.wgsl` (`trees`): TreeEnsembleClassifier / TreeEnsembleRegressor / TreeEnsemble
//!   (opset 5) — the leaf sums; the finish (base values, averaging, post transform, labels)
//!   runs on the CPU in the op's own code, so the outputs are exactly the CPU engine's.
//! * `dense.wgsl` (`dense`): the CPU engine's stacks of fused dense layers (an MLP's
//!   MatMul/Gemm + bias + Relu/Sigmoid/Tanh layers, `ops::dense_stack`), every layer on the
//!   device with the activations kept there; what follows (Softmax, ArgMax, …) on the CPU.
//!
//! * `scaler.wgsl` (`scaler`): ai.onnx.ml Scaler, element by element on the input's bits.
//! * `elementwise.wgsl` (`elementwise`): Add, Sub, Mul, Div (multidirectional broadcasting),
//!   Relu, Sigmoid, Tanh on f32 tensors (int64/f64 ones run on the CPU).
//! * `linear.wgsl` (`linear`): LinearClassifier/LinearRegressor scores (labels and post
//!   transform on the CPU in the op's own code), and lone MatMul/Gemm nodes — those the
//!   graph builder did not fuse into a dense stack — with Gemm's alpha and beta · C.
//! * `imputer.wgsl`, `normalizer.wgsl`, `onehot.wgsl` (`ml`): Imputer (f32), Normalizer
//!   (MAX/L1/L2), OneHotEncoder (f32 and int64 inputs, integer categories; a NaN or an
//!   unknown category with zeros=0 goes to the CPU op, which names the error).
//! * `softfloat.wgsl`: not a kernel — correctly rounded f32 multiply, divide and square
//!   root in integer operations, and an add that handles NaN/infinity on the bits, put
//!   before every kernel that calls `sf_*` (`kernel::source`). WGSL promises `/` only to
//!   2.5 ULP, lets a compiler fuse `a * b + c`, and may assume no NaN or infinity; these
//!   keep Div, Mul, Normalizer and the dot products bit-identical to the CPU engine.
//!
//! Still on the CPU engine inside the GPU run: Softmax, ArgMax, Cast, the shape ops
//! (Reshape, Concat, Flatten, Squeeze, Unsqueeze, Identity), ArrayFeatureExtractor,
//! OneHotEncoder with string categories, and any op on f64/int64/string tensors the
//! kernels do not take. [`GpuEngine::lowering`] lists, per node, where it runs and why.

//! ## Tolerance tiers (enforced by `core/tests/gpu_engine.rs`)
//!
//! A model's tier is [`Tier::of`] its graph's ops: the page's per-run check
//! ([`check_sample`]) and its parity view ([`parity`]) hold a run to it.
//!
//! | outputs | promise vs the CPU engine |
//! |---|---|
//! | tree ensembles' raw scores and probabilities, labels; ml preprocessing (Scaler, Normalizer, Imputer, OneHotEncoder); Add, Sub, Mul, Div, Relu | exact: bit-identical |
//! | linear models' scores (LinearClassifier/Regressor) | ≤ 4 ULP or 1e-6 relative (bit-identical on lavapipe: products via `sf_mul`, sums in the CPU's order) |
//! | any model with MatMul or Gemm (MLPs; a lone MatMul/Gemm runs on the linear kernel and is bit-identical on lavapipe, but is held to this tier), Sigmoid, Tanh | \|Δ\| ≤ 1e-5 + 1e-4·\|x\|; labels equal unless the top-two margin is below 1e-4 |
//!
//! The tiers follow what WGSL promises: `+`, `-`, `*` are correctly rounded, but `exp`
//! may be off by several ULP and `tanh` by 1e-5, and a compiler may fuse a multiply and
//! an add. Tree kernels only add, in the CPU engine's order, and compare on integer keys
//! of the inputs' bits (missing values are detected from the bits: WGSL implementations
//! may assume no NaN), so they are exact; a device that flushes subnormal leaf weights or
//! sums to zero would break that, which no fixture exercises.
//!
//! The exact element-wise and preprocessing kernels never use the device's `/`, `sqrt`
//! or `*` (`softfloat.wgsl` does them in integers) and handle NaN and infinity on the
//! bits; only finite sums use the device's `+`, correctly rounded in WGSL. Each kernel is
//! tested beside its CPU twin on random bit patterns (`core/tests/gpu_kernels.rs`).
//!
//! ## Limits, chunks and readback
//!
//! The device is opened with WebGPU's default limits (128 MiB per storage binding, 256 MiB
//! per buffer, 65,535 workgroups per dimension), so whatever runs natively runs in a
//! browser; inputs larger than that run in chunks of rows. Readback is asynchronous:
//! [`GpuEngine::run_async`] (the seam's [`Engine::run_async`]) awaits the device; natively
//! [`Engine::run`] drives the same future to completion, waiting on the device.
//!
//! ## No adapter
//!
//! [`load`] with [`Backend::Gpu`] or [`Backend::Auto`] never fails for want of a GPU: it
//! returns the CPU engine and says why ([`Loaded::why`]).

mod dense;
mod device;
mod elementwise;
mod kernel;
mod linear;
mod ml;
mod scaler;
mod trees;

use std::sync::Mutex;

use crate::engine::{CORE, Engine, EngineError, EngineFuture, GPU};
use crate::onnx::graph::Graph;
use crate::onnx::ops::GpuOp;
use crate::onnx::ops::expect_inputs;
use crate::onnx::ops::tree_ensemble::{TreeOp, input_matrix};
use crate::onnx::{Model, OnnxError, Tensor, ValueInfo};

pub use device::{Gpu, GpuOptions};
/// The wgpu this engine is built on (its `Backends` for [`GpuOptions`], its `naga`).
pub use wgpu;

/// Why the GPU could not be used or failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GpuError {
    #[error("no GPU adapter was found ({message})")]
    NoAdapter { message: String },
    #[error("the GPU device failed: {message}")]
    Device { message: String },
    #[error("{what} needs {bytes} bytes, over the device's {limit}-byte storage binding limit")]
    TooLarge {
        what: String,
        bytes: u64,
        limit: u64,
    },
}

/// Where one node of the graph runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// The node's name (or `#index OpType`).
    pub node: String,
    pub op_type: String,
    /// [`GPU`] or [`CORE`].
    pub engine: &'static str,
    /// Why it runs there.
    pub why: String,
}

/// The GPU engine: a [`Model`] whose lowered ops run on a [`Gpu`].
#[derive(Debug)]
pub struct GpuEngine {
    model: Model,
    gpu: Gpu,
    /// Per node (in execution order): what a lowered op keeps on the device.
    lowered: Vec<Option<Lowered>>,
    placements: Vec<Placement>,
    /// Ops the GPU failed at run time (then run on the CPU), for [`GpuEngine::notes`].
    notes: Mutex<Vec<String>>,
}

impl GpuEngine {
    /// Uploads what the lowered ops need (the forests) once.
    pub fn new(model: Model, gpu: Gpu) -> GpuEngine {
        let graph: &Graph = model.graph();
        let mut lowered = Vec::with_capacity(graph.nodes.len());
        let mut placements = Vec::with_capacity(graph.nodes.len());
        for node in &graph.nodes {
            let (on_device, engine, why) = if let Some(op) = node.op.as_trees() {
                match trees::upload(&gpu, op.forest()) {
                    Ok(f) => (
                        Some(Lowered::Trees(f)),
                        GPU,
                        "trees.wgsl (leaf sums; finish on the CPU)".into(),
                    ),
                    Err(e) => (
                        None,
                        CORE,
                        format!("the forest does not fit the device: {e}"),
                    ),
                }
            } else if let Some(stack) = node.op.as_dense_stack() {
                match dense::upload(&gpu, stack) {
                    Ok(s) => (
                        Some(Lowered::Dense(s)),
                        GPU,
                        format!("dense.wgsl ({} fused dense layers)", stack.plain().len()),
                    ),
                    Err(e) => (None, CORE, format!("the layers do not fit the device: {e}")),
                }
            } else if node.op.as_scaler().is_some() {
                (Some(Lowered::Scaler), GPU, "scaler.wgsl".into())
            } else if let Some(op) = node.op.as_gpu() {
                lower(&gpu, op)
            } else {
                (None, CORE, "no GPU kernel for this op yet".into())
            };
            lowered.push(on_device);
            placements.push(Placement {
                node: node.info.name.clone(),
                op_type: node.info.op_type.clone(),
                engine,
                why,
            });
        }
        GpuEngine {
            model,
            gpu,
            lowered,
            placements,
            notes: Mutex::default(),
        }
    }

    /// Connects to a device ([`Gpu::connect`]) and builds the engine; natively this waits.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn connect_blocking(model: Model, options: &GpuOptions) -> Result<GpuEngine, GpuError> {
        let gpu = pollster::block_on(Gpu::connect(options))?;
        Ok(GpuEngine::new(model, gpu))
    }

    /// The CPU engine's model this engine runs.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The device's adapter, for messages.
    pub fn adapter(&self) -> &str {
        self.gpu.adapter()
    }

    /// Where each node runs and why.
    pub fn lowering(&self) -> &[Placement] {
        &self.placements
    }

    /// How many nodes run on the GPU, and a one-line summary.
    pub fn summary(&self) -> String {
        let on_gpu: Vec<&str> = self
            .placements
            .iter()
            .filter(|p| p.engine == GPU)
            .map(|p| p.op_type.as_str())
            .collect();
        format!(
            "{} of {} ops on the GPU ({}){}",
            on_gpu.len(),
            self.placements.len(),
            self.gpu.adapter(),
            if on_gpu.is_empty() {
                String::new()
            } else {
                format!(": {}", on_gpu.join(", "))
            }
        )
    }

    /// Ops the GPU failed at run time (each then ran on the CPU engine).
    pub fn notes(&self) -> Vec<String> {
        self.notes.lock().map(|n| n.clone()).unwrap_or_default()
    }

    /// Runs the model; lowered ops are awaited on the device.
    pub async fn run_async(
        &self,
        inputs: &[(&str, &Tensor)],
    ) -> Result<Vec<(String, Tensor)>, EngineError> {
        let bound = self.model.bind(inputs)?;
        let g = self.model.graph();
        let mut slots: Vec<Slot<'_>> = g
            .consts
            .iter()
            .map(|c| c.as_ref().map_or(Slot::Empty, Slot::Borrowed))
            .collect();
        for (&slot, &t) in g.input_slots.iter().zip(bound.iter()) {
            slots[slot] = Slot::Borrowed(t);
        }
        for (pos, node) in g.nodes.iter().enumerate() {
            let node_err = |message: String| OnnxError::Node {
                node: node.info.name.clone(),
                op_type: node.info.op_type.clone(),
                domain: node.info.domain.clone(),
                opset: node.info.opset,
                message,
            };
            let args = node
                .inputs
                .iter()
                .map(|&s| slots.get(s).and_then(Slot::get))
                .collect::<Option<Vec<&Tensor>>>()
                .ok_or_else(|| node_err("internal: an input value was not computed".into()))?;
            let results = match self.run_lowered(node, pos, &args).await {
                None => node.op.run(&args),
                Some(result) => match result {
                    Ok(r) => Ok(r),
                    Err(Failure::Op(e)) => return Err(node_err(e.to_string()).into()),
                    Err(Failure::Gpu(e)) => {
                        if let Ok(mut n) = self.notes.lock() {
                            n.push(format!(
                                "{} ({}) ran on the CPU engine: {e}",
                                node.info.name, node.info.op_type
                            ));
                        }
                        node.op.run(&args)
                    }
                },
            }
            .map_err(|e| node_err(e.to_string()))?;
            drop(args);
            for (&slot, t) in node.outputs.iter().zip(results) {
                if let Some(s) = slots.get_mut(slot) {
                    *s = Slot::Owned(t);
                }
            }
            for &s in &node.inputs {
                if g.last_use.get(s) == Some(&pos) && matches!(slots[s], Slot::Owned(_)) {
                    slots[s] = Slot::Empty;
                }
            }
        }
        let mut out: Vec<(String, Tensor)> = Vec::with_capacity(g.outputs.len());
        for (info, &slot) in g.outputs.iter().zip(&g.output_slots) {
            let t = match std::mem::replace(&mut slots[slot], Slot::Empty) {
                Slot::Owned(t) => t,
                Slot::Borrowed(t) => t.clone(),
                Slot::Empty => match out.iter().find(|(n, _)| *n == info.name) {
                    Some((_, t)) => t.clone(),
                    None => {
                        return Err(OnnxError::UnknownOutput {
                            name: info.name.clone(),
                        }
                        .into());
                    }
                },
            };
            out.push((info.name.clone(), t));
        }
        Ok(out)
    }

    /// Runs node `pos` on the device when it is lowered (`None`: it is not).
    async fn run_lowered(
        &self,
        node: &crate::onnx::graph::Node,
        pos: usize,
        args: &[&Tensor],
    ) -> Option<Result<Vec<Tensor>, Failure>> {
        match self.lowered.get(pos)?.as_ref()? {
            Lowered::Trees(forest) => Some(self.run_trees(node.op.as_trees()?, forest, args).await),
            Lowered::Scaler => Some(self.run_scaler(node.op.as_scaler()?, args).await),
            Lowered::Elementwise => self.run_elementwise(node.op.as_gpu()?, args).await,
            Lowered::Linear(model) => match node.op.as_gpu()? {
                GpuOp::Linear(op) => Some(self.run_linear(op, model, args).await),
                _ => None,
            },
            Lowered::Ml => self.run_ml(node, node.op.as_gpu()?, args).await,
            Lowered::Product => {
                let product = match node.op.as_gpu()? {
                    GpuOp::MatMul(op) => op.product(args),
                    GpuOp::Gemm(op) => op.product(args),
                    _ => return None,
                };
                match product {
                    Err(e) => Some(Err(Failure::Op(e))),
                    Ok(None) => None,
                    Ok(Some(p)) => Some(
                        async {
                            let out = linear::product(&self.gpu, &p).await.map_err(Failure::Gpu)?;
                            Ok(vec![f32_tensor(p.shape.clone(), out)?])
                        }
                        .await,
                    ),
                }
            }
            Lowered::Dense(stack) => {
                let op = node.op.as_dense_stack()?;
                Some(
                    async {
                        let (x, rows) = op.input(args).map_err(Failure::Op)?;
                        let out = dense::run(&self.gpu, stack, x, rows)
                            .await
                            .map_err(Failure::Gpu)?;
                        let n = stack.n_out();
                        let t = Tensor::f32(vec![rows, n], out)
                            .map_err(|e| Failure::Op(crate::onnx::OpError::shape(e.to_string())))?;
                        Ok(vec![t])
                    }
                    .await,
                )
            }
        }
    }

    /// An element-wise op on f32 inputs (`None`: another element type, left to the CPU).
    async fn run_elementwise(
        &self,
        op: GpuOp<'_>,
        args: &[&Tensor],
    ) -> Option<Result<Vec<Tensor>, Failure>> {
        let (code, b) = match op {
            GpuOp::Binary(kind) => {
                if args.len() != 2 {
                    return None;
                }
                (elementwise::binary_code(kind), Some(args[1]))
            }
            GpuOp::Unary(kind) => {
                if args.len() != 1 {
                    return None;
                }
                (elementwise::unary_code(kind), None)
            }
            _ => return None,
        };
        let a = args[0];
        let a_data = a.as_f32()?;
        let b = match b {
            Some(t) => Some((t.as_f32()?, t.shape())),
            None => None,
        };
        let out_shape = match b {
            Some((_, b_shape)) => {
                match crate::onnx::ops::elementwise::broadcast_shape(a.shape(), b_shape) {
                    Ok(s) => s,
                    Err(e) => return Some(Err(Failure::Op(e))),
                }
            }
            None => a.shape().to_vec(),
        };
        Some(
            async {
                crate::onnx::tensor::element_count(&out_shape).map_err(Failure::Op)?;
                let out = elementwise::run(&self.gpu, code, (a_data, a.shape()), b, &out_shape)
                    .await
                    .map_err(Failure::Gpu)?;
                Ok(vec![f32_tensor(out_shape, out)?])
            }
            .await,
        )
    }

    /// A linear model: scores on the GPU, the op's finish on the CPU.
    async fn run_linear(
        &self,
        op: &dyn crate::onnx::ops::linear::LinearOp,
        model: &linear::LinearBuffers,
        args: &[&Tensor],
    ) -> Result<Vec<Tensor>, Failure> {
        expect_inputs(args, 1, 1).map_err(Failure::Op)?;
        let x = args[0];
        let (rows, cols) = x.as_matrix_dims();
        op.check_width(cols).map_err(Failure::Op)?;
        let data = x.to_f32_cow().map_err(|found| {
            Failure::Op(crate::onnx::OpError::InputType {
                index: 0,
                expected: "float32, float64 or int64".into(),
                found,
            })
        })?;
        crate::onnx::tensor::element_count(&[rows, op.targets()]).map_err(Failure::Op)?;
        let raw = linear::scores(&self.gpu, model, &data, rows, cols)
            .await
            .map_err(Failure::Gpu)?;
        op.finish(raw, rows).map_err(Failure::Op)
    }

    /// Imputer, Normalizer, OneHotEncoder (`None`: an input type the kernels do not take).
    async fn run_ml(
        &self,
        node: &crate::onnx::graph::Node,
        op: GpuOp<'_>,
        args: &[&Tensor],
    ) -> Option<Result<Vec<Tensor>, Failure>> {
        if args.len() != 1 {
            return None;
        }
        let x = args[0];
        let (_, cols) = x.as_matrix_dims();
        let result = match op {
            GpuOp::Imputer(imp) => {
                let data = x.as_f32()?;
                let (replaced, imputed) = match imp.f32_columns(cols) {
                    Ok(c) => c?,
                    Err(e) => return Some(Err(Failure::Op(e))),
                };
                ml::impute(&self.gpu, data, cols, replaced, &imputed)
                    .await
                    .map(|v| Some(vec![v]))
            }
            GpuOp::Normalizer(n) => {
                let data = x.to_f32_cow().ok()?;
                ml::normalize(&self.gpu, &data, cols, n.code())
                    .await
                    .map(|v| Some(vec![v]))
            }
            GpuOp::OneHot(enc) => {
                let (cats, zeros) = enc.int_categories()?;
                let input = match x.data() {
                    crate::onnx::TensorData::F32(v) => ml::OneHotInput::F32(v),
                    crate::onnx::TensorData::I64(v) => ml::OneHotInput::I64(v),
                    _ => return None,
                };
                match ml::one_hot(&self.gpu, input, &cats, zeros).await {
                    // A NaN or an unknown category: the CPU op's own outputs or error.
                    Ok(None) => return Some(node.op.run(args).map_err(Failure::Op)),
                    other => other.map(|v| v.map(|v| vec![v])),
                }
            }
            _ => return None,
        };
        Some(match result {
            Err(e) => Err(Failure::Gpu(e)),
            Ok(None) => return None,
            Ok(Some(mut values)) => {
                let mut shape = x.shape().to_vec();
                if let GpuOp::OneHot(enc) = op {
                    shape.push(enc.width());
                }
                values
                    .pop()
                    .map_or(Ok(Vec::new()), |v| f32_tensor(shape, v).map(|t| vec![t]))
            }
        })
    }

    async fn run_scaler(
        &self,
        op: &crate::onnx::ops::scaler::Scaler,
        args: &[&Tensor],
    ) -> Result<Vec<Tensor>, Failure> {
        let (x, data, cols) = op.input(args).map_err(Failure::Op)?;
        let (offset, scale) = op.columns(cols.max(1));
        let out = scaler::run(&self.gpu, &data, cols, (&offset, &scale))
            .await
            .map_err(Failure::Gpu)?;
        let t = Tensor::f32(x.shape().to_vec(), out)
            .map_err(|e| Failure::Op(crate::onnx::OpError::shape(e.to_string())))?;
        Ok(vec![t])
    }

    /// A tree op: inputs checked as the CPU op checks them, leaf sums on the GPU, the
    /// op's own finish.
    async fn run_trees(
        &self,
        op: &dyn TreeOp,
        forest: &trees::ForestBuffers,
        args: &[&Tensor],
    ) -> Result<Vec<Tensor>, Failure> {
        expect_inputs(args, 1, 1).map_err(Failure::Op)?;
        let (x, rows, cols) = input_matrix(op.forest(), args[0]).map_err(Failure::Op)?;
        let width = op.width();
        crate::onnx::tensor::element_count(&[rows, width]).map_err(Failure::Op)?;
        let (scores, has) =
            trees::accumulate(&self.gpu, forest, op.aggregate(), (&x, rows, cols), width)
                .await
                .map_err(Failure::Gpu)?;
        op.finish(rows, scores, has).map_err(Failure::Op)
    }
}

/// An f32 tensor from a kernel's output.
fn f32_tensor(shape: Vec<usize>, data: Vec<f32>) -> Result<Tensor, Failure> {
    Tensor::f32(shape, data).map_err(|e| Failure::Op(crate::onnx::OpError::shape(e.to_string())))
}

/// How an op with a kernel in `elementwise`, `linear` or `ml` is lowered (what goes up
/// once, where it runs, why).
fn lower(gpu: &Gpu, op: GpuOp<'_>) -> (Option<Lowered>, &'static str, String) {
    match op {
        GpuOp::Binary(kind) => (
            Some(Lowered::Elementwise),
            GPU,
            format!("elementwise.wgsl ({kind:?}, exact; f32 inputs)"),
        ),
        GpuOp::Unary(kind) => (
            Some(Lowered::Elementwise),
            GPU,
            format!("elementwise.wgsl ({kind:?}; f32 inputs)"),
        ),
        GpuOp::Linear(op) => match linear::upload(gpu, op) {
            Ok(m) => (
                Some(Lowered::Linear(m)),
                GPU,
                "linear.wgsl (scores; labels and post transform on the CPU)".into(),
            ),
            Err(e) => (
                None,
                CORE,
                format!("the coefficients do not fit the device: {e}"),
            ),
        },
        GpuOp::MatMul(_) | GpuOp::Gemm(_) => (
            Some(Lowered::Product),
            GPU,
            "linear.wgsl (a lone MatMul/Gemm, not fused into a dense stack; f32)".into(),
        ),
        GpuOp::Imputer(_) => (Some(Lowered::Ml), GPU, "imputer.wgsl (f32 inputs)".into()),
        GpuOp::Normalizer(_) => (Some(Lowered::Ml), GPU, "normalizer.wgsl".into()),
        GpuOp::OneHot(enc) => match enc.int_categories() {
            Some(_) => (
                Some(Lowered::Ml),
                GPU,
                "onehot.wgsl (f32 and int64 inputs)".into(),
            ),
            None => (
                None,
                CORE,
                "string (or repeated) categories: no GPU kernel".into(),
            ),
        },
    }
}

/// What a lowered op keeps on the device.
#[derive(Debug)]
enum Lowered {
    /// Add/Sub/Mul/Div/Relu/Sigmoid/Tanh (nothing kept).
    Elementwise,
    Linear(linear::LinearBuffers),
    /// Imputer, Normalizer, OneHotEncoder (parameters go up with each run).
    Ml,
    /// A lone MatMul/Gemm (its B goes up with each run).
    Product,
    Trees(trees::ForestBuffers),
    Dense(dense::StackBuffers),
    /// Its parameters go up with each run (the width is known then).
    Scaler,
}

enum Failure {
    /// The op rejected its inputs (the CPU engine's own error).
    Op(crate::onnx::OpError),
    /// The device failed (the op then runs on the CPU).
    Gpu(GpuError),
}

/// A value during a run (as in the CPU executor).
enum Slot<'a> {
    Empty,
    Borrowed(&'a Tensor),
    Owned(Tensor),
}

impl Slot<'_> {
    fn get(&self) -> Option<&Tensor> {
        match self {
            Slot::Empty => None,
            Slot::Borrowed(t) => Some(t),
            Slot::Owned(t) => Some(t),
        }
    }
}

impl Engine for GpuEngine {
    fn name(&self) -> &str {
        GPU
    }

    fn inputs(&self) -> &[ValueInfo] {
        self.model.inputs()
    }

    /// Natively: waits on the device. On wasm32 the browser cannot block: callers must use
    /// [`Engine::run_async`]; `run` answers a named error there.
    fn run(&self, inputs: &[(&str, &Tensor)]) -> Result<Vec<(String, Tensor)>, EngineError> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            pollster::block_on(GpuEngine::run_async(self, inputs))
        }
        #[cfg(target_arch = "wasm32")]
        {
            let _ = inputs;
            Err(EngineError::backend(
                GPU,
                GpuError::Device {
                    message: "in the browser the GPU engine runs only through run_async".into(),
                },
            ))
        }
    }

    fn run_async<'a>(&'a self, inputs: &'a [(&'a str, &'a Tensor)]) -> EngineFuture<'a> {
        Box::pin(GpuEngine::run_async(self, inputs))
    }
}

/// Which engine to run a model on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The CPU engine.
    Core,
    /// The GPU engine, or the CPU engine when there is no adapter.
    Gpu,
    /// The GPU when it beats the CPU engine on a timed sample batch, else the CPU.
    Auto,
}

/// The engine [`load`] picked.
#[derive(Debug)]
pub enum Picked {
    /// The CPU engine (callers may run it on threads: `onnx::ParallelModel`).
    Cpu(Model),
    Gpu(GpuEngine),
}

/// An engine picked by [`load`], and why.
#[derive(Debug)]
pub struct Loaded {
    pub engine: Picked,
    /// The engine that runs ([`CORE`] or [`GPU`]).
    pub backend: &'static str,
    /// A sentence for the user: which backend runs and why.
    pub why: String,
}

impl Loaded {
    /// The picked engine behind the seam.
    pub fn into_engine(self) -> Box<dyn Engine> {
        match self.engine {
            Picked::Cpu(model) => Box::new(model),
            Picked::Gpu(engine) => Box::new(engine),
        }
    }
}

/// Rows of the sample batch [`Backend::Auto`] times.
pub const AUTO_SAMPLE_ROWS: usize = 4096;

/// Loads `model` on `backend`, waiting on the device ([`load_async`] natively).
#[cfg(not(target_arch = "wasm32"))]
pub fn load(
    model: Model,
    backend: Backend,
    options: &GpuOptions,
    clock: &dyn Fn() -> f64,
) -> Loaded {
    pollster::block_on(load_async(model, backend, options, clock))
}

/// Loads `model` on `backend`. Never fails for want of a GPU: without an adapter (or a
/// device) the CPU engine runs, and [`Loaded::why`] says so. `clock` (seconds) times the
/// sample batch for [`Backend::Auto`] (core reads no clock itself). In the browser this
/// is the entry point: it awaits the adapter, the device and the sample runs.
pub async fn load_async(
    model: Model,
    backend: Backend,
    options: &GpuOptions,
    clock: &dyn Fn() -> f64,
) -> Loaded {
    let cpu = |model: Model, why: String| Loaded {
        engine: Picked::Cpu(model),
        backend: CORE,
        why,
    };
    if backend == Backend::Core {
        return cpu(model, "the CPU engine was asked for".into());
    }
    let engine = match Gpu::connect(options).await {
        Ok(gpu) => GpuEngine::new(model, gpu),
        Err(e) => {
            return cpu(model, format!("{e}; running on the CPU engine instead"));
        }
    };
    if backend == Backend::Gpu {
        let why = format!("the GPU engine was asked for; {}", engine.summary());
        return Loaded {
            engine: Picked::Gpu(engine),
            backend: GPU,
            why,
        };
    }
    match auto_timing(&engine, clock).await {
        Some((cpu_s, gpu_s)) if gpu_s < cpu_s => {
            let why = format!(
                "auto: the GPU took {:.1} ms and the CPU engine {:.1} ms on {AUTO_SAMPLE_ROWS} sample rows; {}",
                gpu_s * 1e3,
                cpu_s * 1e3,
                engine.summary()
            );
            Loaded {
                engine: Picked::Gpu(engine),
                backend: GPU,
                why,
            }
        }
        Some((cpu_s, gpu_s)) => cpu(
            engine.model,
            format!(
                "auto: the CPU engine took {:.1} ms and the GPU {:.1} ms ({}) on {AUTO_SAMPLE_ROWS} sample rows",
                cpu_s * 1e3,
                gpu_s * 1e3,
                engine.gpu.adapter()
            ),
        ),
        None => cpu(
            engine.model,
            "auto: the model's inputs are not one float matrix with a known width, so no sample batch could be timed; the CPU engine runs".into(),
        ),
    }
}

/// Seconds for the CPU engine and the GPU engine on a sample batch (one warm-up run each),
/// when the model takes one float matrix of known width.
async fn auto_timing(engine: &GpuEngine, clock: &dyn Fn() -> f64) -> Option<(f64, f64)> {
    use crate::onnx::{DType, DimInfo};
    let [input] = engine.model.inputs() else {
        return None;
    };
    let cols = match (input.dtype, input.shape.as_deref()) {
        (Some(DType::F32), Some([_, DimInfo::Fixed(c)])) => *c,
        _ => return None,
    };
    let mut seed = 0x9e37_79b9u32;
    let data: Vec<f32> = (0..AUTO_SAMPLE_ROWS * cols)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            (seed >> 8) as f32 / (1u32 << 24) as f32 * 4.0 - 2.0
        })
        .collect();
    let x = Tensor::f32(vec![AUTO_SAMPLE_ROWS, cols], data).ok()?;
    let inputs = [(input.name.as_str(), &x)];
    let mut seconds = [0.0; 2];
    for (e, s) in [&engine.model as &dyn Engine, engine]
        .into_iter()
        .zip(&mut seconds)
    {
        e.run_async(&inputs).await.ok()?;
        let t0 = clock();
        e.run_async(&inputs).await.ok()?;
        *s = clock() - t0;
    }
    Some((seconds[0], seconds[1]))
}

/// The tolerance tier a model's GPU outputs are held to against the CPU engine's (the
/// module docs' table), by the ops of its graph: MatMul, Gemm, Sigmoid or Tanh make it
/// [`Tier::Mlp`]; else a linear model's op [`Tier::Linear`]; else [`Tier::Exact`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Bit-identical: trees, labels, the ml preprocessing ops, Add/Sub/Mul/Div/Relu.
    Exact,
    /// ≤ 4 ULP or 1e-6 relative: linear models' scores.
    Linear,
    /// |Δ| ≤ 1e-5 + 1e-4·|x|: MLPs, Sigmoid, Tanh.
    Mlp,
}

impl Tier {
    /// The tier of `model`'s outputs.
    pub fn of(model: &Model) -> Tier {
        let mut tier = Tier::Exact;
        for op in model.ops() {
            let ml = op.domain == "ai.onnx.ml";
            match op.op_type.as_str() {
                "MatMul" | "Gemm" | "Sigmoid" | "Tanh" if !ml => return Tier::Mlp,
                "LinearClassifier" | "LinearRegressor" if ml => tier = Tier::Linear,
                _ => {}
            }
        }
        tier
    }

    /// The tier as [`crate::parity`] checks it, `|Δ| ≤ atol + rtol·|cpu|`: exact is 0
    /// and 0; 4 ULP of a normal f32 is under 4.8e-7 relative, so the linear tier is
    /// checked as 1e-6 relative.
    pub fn tolerance(self) -> crate::parity::Tolerance {
        let (atol, rtol) = match self {
            Tier::Exact => (0.0, 0.0),
            Tier::Linear => (0.0, 1e-6),
            Tier::Mlp => (1e-5, 1e-4),
        };
        crate::parity::Tolerance { atol, rtol }
    }

    /// The tier in words, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            Tier::Exact => "exact (bit-identical)",
            Tier::Linear => "linear (≤ 4 ULP or 1e-6 relative)",
            Tier::Mlp => "MLP (|Δ| ≤ 1e-5 + 1e-4·|x|)",
        }
    }
}

/// Rows of the CPU sample every GPU run is checked on ([`check_sample`]).
pub const SAMPLE_ROWS: usize = 1000;

/// The GPU run's deviation from the CPU engine on its first rows: what the page shows
/// after every GPU run ([`check_sample`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SampleCheck {
    /// Rows compared (the first `SAMPLE_ROWS`, or fewer when the run had fewer).
    pub rows: usize,
    /// The largest |GPU − CPU| over every float output.
    pub max_abs_diff: f64,
    /// The model's tier ([`Tier::of`]).
    pub tier: Tier,
    /// Per output, under the model's tier.
    pub outputs: Vec<crate::parity::NamedComparison>,
}

impl SampleCheck {
    /// Every output within the tier, labels equal.
    pub fn passed(&self) -> bool {
        self.outputs.iter().all(|o| o.comparison.passed())
    }
}

/// The rows of a batch: the longest first dimension of its inputs (1 without one).
fn batch_of(inputs: &[(&str, &Tensor)]) -> usize {
    inputs
        .iter()
        .filter_map(|(_, t)| t.shape().first().copied())
        .max()
        .unwrap_or(1)
}

/// The first `rows` rows (along the first dimension) of `t`; `t` itself when it has no
/// batch dimension or fewer rows.
fn head_rows(t: &Tensor, rows: usize) -> Result<Tensor, OnnxError> {
    use crate::onnx::TensorData;
    let Some(&n) = t.shape().first() else {
        return Ok(t.clone());
    };
    if n <= rows {
        return Ok(t.clone());
    }
    let per_row = t.len() / n;
    let take = rows * per_row;
    let mut shape = t.shape().to_vec();
    shape[0] = rows;
    let data = match t.data() {
        TensorData::F32(v) => TensorData::F32(v[..take].to_vec()),
        TensorData::F64(v) => TensorData::F64(v[..take].to_vec()),
        TensorData::I64(v) => TensorData::I64(v[..take].to_vec()),
        TensorData::Str(v) => TensorData::Str(v[..take].to_vec()),
    };
    Tensor::new(shape, data)
}

/// Checks a GPU run against the CPU engine on a sample: the CPU engine runs the first
/// [`SAMPLE_ROWS`] rows of `inputs`, and its outputs are compared with the same rows of
/// the GPU run's `outputs` (no second GPU run). Awaitable in the browser.
pub async fn check_sample(
    model: &Model,
    inputs: &[(&str, &Tensor)],
    outputs: &[(String, Tensor)],
) -> Result<SampleCheck, EngineError> {
    let rows = batch_of(inputs).min(SAMPLE_ROWS);
    let head: Vec<(&str, Tensor)> = inputs
        .iter()
        .map(|(n, t)| Ok((*n, head_rows(t, rows)?)))
        .collect::<Result<_, OnnxError>>()?;
    let refs: Vec<(&str, &Tensor)> = head.iter().map(|(n, t)| (*n, t)).collect();
    let want = Engine::run_async(model, &refs).await?;
    let got: Vec<(String, Tensor)> = outputs
        .iter()
        .map(|(n, t)| Ok((n.clone(), head_rows(t, rows)?)))
        .collect::<Result<_, OnnxError>>()?;
    let tier = Tier::of(model);
    let outputs = compare_under_tier(&got, &want, tier);
    Ok(SampleCheck {
        rows,
        max_abs_diff: largest_difference(&outputs),
        tier,
        outputs,
    })
}

/// Where the MLP tier lets a label differ: a row whose top two scores on the CPU are
/// closer than this.
pub const NEAR_TIE: f32 = 1e-4;

/// The GPU's outputs (`got`) against the CPU engine's (`want`) under `tier`. Labels must
/// be equal, but in the MLP tier a row whose top two CPU scores (the first `[rows, k ≥ 2]`
/// f32 output, the probabilities) are within [`NEAR_TIE`] may flip: a near-tie decided
/// by an ULP of `exp`, not a defect.
pub fn compare_under_tier(
    got: &[(String, Tensor)],
    want: &[(String, Tensor)],
    tier: Tier,
) -> Vec<crate::parity::NamedComparison> {
    use crate::onnx::TensorData;
    use crate::parity::OutputComparison;
    let mut outputs = crate::parity::compare_outputs(got, want, tier.tolerance());
    if tier != Tier::Mlp {
        return outputs;
    }
    let near_tie: Option<Vec<bool>> = want.iter().find_map(|(_, t)| match (t.shape(), t.data()) {
        ([_, k], TensorData::F32(v)) if *k >= 2 => Some(
            v.chunks(*k)
                .map(|row| {
                    let (mut first, mut second) = (f32::NEG_INFINITY, f32::NEG_INFINITY);
                    for &x in row {
                        if x > first {
                            (first, second) = (x, first);
                        } else if x > second {
                            second = x;
                        }
                    }
                    first - second < NEAR_TIE
                })
                .collect(),
        ),
        _ => None,
    });
    let Some(near_tie) = near_tie else {
        return outputs;
    };
    for named in &mut outputs {
        let OutputComparison::Labels { values, .. } = named.comparison else {
            continue;
        };
        let (Some((_, g)), Some((_, w))) = (
            got.iter().find(|(n, _)| *n == named.output),
            want.iter().find(|(n, _)| *n == named.output),
        ) else {
            continue;
        };
        if values != near_tie.len() {
            continue; // not one label per row
        }
        let differs: Vec<bool> = match (g.data(), w.data()) {
            (TensorData::I64(a), TensorData::I64(b)) => {
                a.iter().zip(b).map(|(x, y)| x != y).collect()
            }
            (TensorData::Str(a), TensorData::Str(b)) => {
                a.iter().zip(b).map(|(x, y)| x != y).collect()
            }
            _ => continue,
        };
        let counted: Vec<usize> = differs
            .iter()
            .zip(&near_tie)
            .enumerate()
            .filter(|(_, (d, tie))| **d && !**tie)
            .map(|(i, _)| i)
            .collect();
        named.comparison = OutputComparison::Labels {
            disagreements: counted.len(),
            values,
            first_disagreement_row: counted.first().copied(),
        };
    }
    outputs
}

/// The largest |Δ| over the float outputs of a comparison.
fn largest_difference(outputs: &[crate::parity::NamedComparison]) -> f64 {
    outputs
        .iter()
        .filter_map(|o| match o.comparison {
            crate::parity::OutputComparison::Float { max_abs_diff, .. } => Some(max_abs_diff),
            _ => None,
        })
        .fold(0.0, f64::max)
}

/// A whole batch on the GPU engine against the CPU engine, under the model's tier: the
/// page's parity view (natively `lockstep parity --engines gpu,core`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GpuParity {
    /// The adapter the GPU engine ran on.
    pub adapter: String,
    /// The model's tier ([`Tier::of`]).
    pub tier: Tier,
    /// Rows compared: the whole batch.
    pub rows: usize,
    pub gpu_seconds: f64,
    pub cpu_seconds: f64,
    /// The largest |GPU − CPU| over every float output.
    pub max_abs_diff: f64,
    /// Per output (the CPU engine is the reference).
    pub outputs: Vec<crate::parity::NamedComparison>,
}

impl GpuParity {
    /// Every output within the tier, labels equal.
    pub fn passed(&self) -> bool {
        self.outputs.iter().all(|o| o.comparison.passed())
    }

    /// One sentence: what ran against what, on how many rows, the tier and the verdict.
    pub fn summary(&self) -> String {
        format!(
            "WebGPU ({}) against the CPU engine on {} rows, {} tier: {}; largest difference {:.3e}; GPU {:.1} ms, CPU {:.1} ms",
            self.adapter,
            self.rows,
            self.tier.describe(),
            if self.passed() { "PASS" } else { "FAIL" },
            self.max_abs_diff,
            self.gpu_seconds * 1e3,
            self.cpu_seconds * 1e3,
        )
    }
}

/// Runs `inputs` on `engine` and on the CPU engine and compares every row under the
/// model's tier ([`GpuParity`]). `clock` (seconds) times both runs. Awaitable in the
/// browser.
pub async fn parity(
    engine: &GpuEngine,
    inputs: &[(&str, &Tensor)],
    clock: &dyn Fn() -> f64,
) -> Result<GpuParity, crate::parity::EngineFailed> {
    let failed = |engine: &str| {
        let engine = engine.to_owned();
        move |source| crate::parity::EngineFailed { engine, source }
    };
    let t0 = clock();
    let got = GpuEngine::run_async(engine, inputs)
        .await
        .map_err(failed(GPU))?;
    let t1 = clock();
    let want = Engine::run_async(&engine.model, inputs)
        .await
        .map_err(failed(CORE))?;
    let t2 = clock();
    let rows = batch_of(inputs);
    let tier = Tier::of(&engine.model);
    let outputs = compare_under_tier(&got, &want, tier);
    Ok(GpuParity {
        adapter: engine.adapter().to_owned(),
        tier,
        rows,
        gpu_seconds: t1 - t0,
        cpu_seconds: t2 - t1,
        max_abs_diff: largest_difference(&outputs),
        outputs,
    })
}
