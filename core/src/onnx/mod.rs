//! # The ONNX model engine
//!
//! A small, dependency-light CPU engine for the classic tabular models that scikit-learn
//! (via skl2onnx), XGBoost and LightGBM (via onnxmltools) and PyTorch (via `torch.onnx`)
//! export. It runs in the browser (wasm32) and on the server with identical results.
//!
//! ## Data flow
//!
//! 1. [`Model::from_bytes`] decodes the protobuf (hand-derived `prost` messages in
//!    `proto`), decodes initializers with every size checked before allocation, orders
//!    the nodes topologically (a cycle is a named error), folds `Constant` nodes into
//!    constants, compiles each node into an op (attributes are validated once, here; the
//!    weights of MatMul/Gemm are packed for the matrix kernel), infers element types and
//!    shapes, works out whether the batch can be split into rows (`split`), fuses
//!    `MatMul|Gemm → Add → Relu|Sigmoid|Tanh` chains into one op and runs fused layers
//!    that feed only each other (an MLP) as one stack with feature-major activations
//!    (`fuse`, `ops::dense_stack`).
//! 2. [`Model::run`] (named [`Tensor`] inputs) or [`Model::run_f32_matrix`] (one
//!    row-major `[rows, features]` matrix) checks inputs against the declared types and
//!    shapes, runs the ops in order — on chunks of [`CHUNK_ROWS`] rows when the graph
//!    computes each row from that row alone, else on the whole batch — frees intermediates
//!    after their last use, and returns the graph outputs by name. Natively,
//!    `Model::run_parallel` runs the chunks on several threads. Splitting never changes an
//!    output bit (`core/tests/onnx_split.rs`).
//!
//! ```no_run
//! use lockstep_core::onnx::{Model, OnnxError};
//!
//! fn score(model_bytes: &[u8], rows: Vec<f32>, n_rows: usize) -> Result<(), OnnxError> {
//!     let model = Model::from_bytes(model_bytes)?;
//!     let n_features = rows.len() / n_rows.max(1);
//!     for (name, tensor) in model.run_f32_matrix(rows, n_rows, n_features)? {
//!         println!("{name}: shape {:?}, {}", tensor.shape(), tensor.dtype());
//!     }
//!     Ok(())
//! }
//! ```
//!
//! ## Supported ops
//!
//! | domain | ops |
//! |---|---|
//! | `ai.onnx` | Add, Sub, Mul, Div (broadcasting), MatMul, Gemm, Relu, Sigmoid, Tanh, Softmax, ArgMax, Cast, Concat, Reshape, Flatten, Squeeze, Unsqueeze, Identity, Constant (folded at load) |
//! | `ai.onnx.ml` | Scaler, Normalizer, Imputer, OneHotEncoder, ArrayFeatureExtractor, LinearClassifier, LinearRegressor, TreeEnsembleClassifier, TreeEnsembleRegressor, TreeEnsemble (opset 5) |
//!
//! `ZipMap` is refused with a hint to export with ZipMap disabled; any other op fails at
//! load with [`OnnxError::UnsupportedOp`], naming the op type, domain, opset and node.
//! Opset versions are recorded and reported but not used to pick semantics, except where
//! they change defaults (Softmax before/after opset 13). For the opset-5 `TreeEnsemble`,
//! `post_transform` codes 1 and 2 follow ONNX Runtime 1.32 (1 = LOGISTIC, 2 = SOFTMAX),
//! which swaps them relative to the ONNX spec.
//!
//! ## Numerics
//!
//! Element types are f32, f64, int64 and string (int32/bool/int8/uint8 initializers are
//! widened to int64). Tree ensembles compare and accumulate in f32, tree by tree in model
//! order, exactly like single-threaded ONNX Runtime, and reproduce its binary-classifier
//! conventions. Dot products accumulate in f32 in feature order, one rounded multiply and
//! one rounded add per step (the blocked kernel in `ops::gemm_kernel` keeps that order, and
//! no FMA, so wasm32 and x86_64 agree bit for bit); ONNX Runtime uses MLAS GEMM with FMA
//! and vectorised exp/logistic/tanh, so MLPs and linear models agree with it to within
//! float rounding rather than bit for bit (see `core/tests/onnx_parity.rs` for the
//! tolerances per model family).

mod attrs;
mod class_labels;
mod error;
mod fuse;
pub(crate) mod graph;
mod initializer;
mod model;
pub(crate) mod ops;
#[cfg(not(target_arch = "wasm32"))]
mod parallel;
mod parts;
pub mod proto;
mod split;
pub(crate) mod tensor;

pub use class_labels::class_labels;
pub use error::{OnnxError, OpError};
pub use graph::{DimInfo, OpInfo, ValueInfo};
pub use model::{CHUNK_ROWS, Model};
pub use ops::SUPPORTED_OPS;
#[cfg(not(target_arch = "wasm32"))]
pub use parallel::ParallelModel;
pub use tensor::{DType, MAX_DIM, MAX_ELEMENTS, Tensor, TensorData};
