//! Op implementations. Each op is compiled once from its node's attributes (all attribute
//! validation happens at load time) and then run on whole batches.

mod array_feature_extractor;
mod cast;
pub(crate) mod constant;
pub(crate) mod dense_stack;
pub(crate) mod elementwise;
pub(crate) mod gemm_kernel;
pub(crate) mod imputer;
pub(crate) mod linear;
pub(crate) mod matmul;
pub(crate) mod normalizer;
pub(crate) mod one_hot_encoder;
pub(crate) mod post_transform;
mod reduce;
pub(crate) mod scaler;
mod shape_ops;
mod squeeze;
pub(crate) mod tree_ensemble;
mod tree_ensemble_classifier;
mod tree_ensemble_v5;
pub(crate) mod tree_layout;

use super::attrs::Attrs;
use super::error::OpError;
pub(crate) use super::split::Rows;
use super::tensor::{DType, Tensor};

/// A dimension known at load time, or not.
pub(crate) type Dim = Option<usize>;

/// What is known about a value before running: its element type, and its shape when the
/// rank is known (individual dimensions may still be unknown, e.g. the batch size).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ValueType {
    pub dtype: DType,
    pub shape: Option<Vec<Dim>>,
}

impl ValueType {
    pub(crate) fn new(dtype: DType, shape: Option<Vec<Dim>>) -> Self {
        Self { dtype, shape }
    }

    /// Size of the last dimension, when known.
    pub(crate) fn last_dim(&self) -> Dim {
        self.shape
            .as_ref()
            .and_then(|s| s.last().copied().flatten())
    }

    /// The leading (batch) dimension, when known.
    pub(crate) fn first_dim(&self) -> Dim {
        self.shape
            .as_ref()
            .and_then(|s| s.first().copied().flatten())
    }
}

/// A compiled op.
pub(crate) trait Op: Send + Sync + std::fmt::Debug {
    /// Output types from input types (types of absent optional inputs are not passed).
    fn infer(&self, inputs: &[ValueType]) -> Result<Vec<ValueType>, OpError>;
    /// Runs the op on one batch.
    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError>;

    /// Like [`Op::run`], with the first input handed over: the executor does this when no
    /// later node reads that value, so element-wise and reshaping ops can reuse its
    /// buffer instead of allocating. The default borrows it and calls `run`.
    fn run_owned(&self, first: Tensor, rest: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        let mut args = Vec::with_capacity(rest.len() + 1);
        args.push(&first);
        args.extend_from_slice(rest);
        self.run(&args)
    }

    /// How the outputs depend on the batch (see `split`), from the inputs' dependence and
    /// their inferred types. The default is right for every op and only rules out
    /// splitting the batch; ops that compute each row from that row alone say so.
    fn rows(&self, inputs: &[Rows], _types: &[ValueType]) -> Rows {
        Rows::conservative(inputs)
    }

    /// The op as a tree ensemble, whose leaf sums the GPU engine computes (`gpu::trees`).
    #[cfg(feature = "gpu")]
    fn as_trees(&self) -> Option<&dyn tree_ensemble::TreeOp> {
        None
    }

    /// The op as a stack of dense layers (an MLP), which the GPU engine runs (`gpu::dense`).
    #[cfg(feature = "gpu")]
    fn as_dense_stack(&self) -> Option<&dense_stack::DenseStack> {
        None
    }

    /// The op as a Scaler, which the GPU engine runs (`gpu::scaler`).
    #[cfg(feature = "gpu")]
    fn as_scaler(&self) -> Option<&scaler::Scaler> {
        None
    }

    /// The op as one of the other ops the GPU engine has a kernel for (`gpu::elementwise`,
    /// `gpu::linear`, `gpu::ml`).
    #[cfg(feature = "gpu")]
    fn as_gpu(&self) -> Option<GpuOp<'_>> {
        None
    }
}

/// An op the GPU engine lowers, with what its kernel needs ([`Op::as_gpu`]).
#[cfg(feature = "gpu")]
#[derive(Debug, Clone, Copy)]
pub(crate) enum GpuOp<'a> {
    Binary(elementwise::BinaryKind),
    Unary(elementwise::UnaryKind),
    Linear(&'a dyn linear::LinearOp),
    MatMul(&'a matmul::MatMul),
    Gemm(&'a matmul::Gemm),
    Imputer(&'a imputer::Imputer),
    Normalizer(&'a normalizer::Normalizer),
    OneHot(&'a one_hot_encoder::OneHotEncoder),
}

/// What a builder may see: attributes, the opset version, and constant inputs
/// (initializers) by position.
pub(crate) struct BuildCtx<'a> {
    pub attrs: Attrs<'a>,
    pub opset: i64,
    pub consts: Vec<Option<&'a Tensor>>,
}

/// Ops by (domain, op type), as listed in the module docs.
pub const SUPPORTED_OPS: &[(&str, &str)] = &[
    ("ai.onnx", "Add"),
    ("ai.onnx", "ArgMax"),
    ("ai.onnx", "Cast"),
    ("ai.onnx", "Concat"),
    ("ai.onnx", "Constant"),
    ("ai.onnx", "Div"),
    ("ai.onnx", "Flatten"),
    ("ai.onnx", "Gemm"),
    ("ai.onnx", "Identity"),
    ("ai.onnx", "MatMul"),
    ("ai.onnx", "Mul"),
    ("ai.onnx", "Relu"),
    ("ai.onnx", "Reshape"),
    ("ai.onnx", "Sigmoid"),
    ("ai.onnx", "Softmax"),
    ("ai.onnx", "Squeeze"),
    ("ai.onnx", "Sub"),
    ("ai.onnx", "Tanh"),
    ("ai.onnx", "Unsqueeze"),
    ("ai.onnx.ml", "ArrayFeatureExtractor"),
    ("ai.onnx.ml", "Imputer"),
    ("ai.onnx.ml", "LinearClassifier"),
    ("ai.onnx.ml", "LinearRegressor"),
    ("ai.onnx.ml", "Normalizer"),
    ("ai.onnx.ml", "OneHotEncoder"),
    ("ai.onnx.ml", "Scaler"),
    ("ai.onnx.ml", "TreeEnsemble"),
    ("ai.onnx.ml", "TreeEnsembleClassifier"),
    ("ai.onnx.ml", "TreeEnsembleRegressor"),
];

/// Builds the op for a node, or `Ok(None)` when (domain, op type) is not supported.
pub(crate) fn build(
    domain: &str,
    op_type: &str,
    ctx: &BuildCtx<'_>,
) -> Result<Option<Box<dyn Op>>, OpError> {
    let op: Box<dyn Op> = match (domain, op_type) {
        ("ai.onnx", "Add") => Box::new(elementwise::Binary::new(elementwise::BinaryKind::Add)),
        ("ai.onnx", "Sub") => Box::new(elementwise::Binary::new(elementwise::BinaryKind::Sub)),
        ("ai.onnx", "Mul") => Box::new(elementwise::Binary::new(elementwise::BinaryKind::Mul)),
        ("ai.onnx", "Div") => Box::new(elementwise::Binary::new(elementwise::BinaryKind::Div)),
        ("ai.onnx", "Relu") => Box::new(elementwise::Unary::new(elementwise::UnaryKind::Relu)),
        ("ai.onnx", "Sigmoid") => {
            Box::new(elementwise::Unary::new(elementwise::UnaryKind::Sigmoid))
        }
        ("ai.onnx", "Tanh") => Box::new(elementwise::Unary::new(elementwise::UnaryKind::Tanh)),
        ("ai.onnx", "MatMul") => Box::new(matmul::MatMul::build(ctx)),
        ("ai.onnx", "Gemm") => Box::new(matmul::Gemm::build(ctx)?),
        ("ai.onnx", "Softmax") => Box::new(reduce::Softmax::build(ctx)),
        ("ai.onnx", "ArgMax") => Box::new(reduce::ArgMax::build(ctx)),
        ("ai.onnx", "Cast") => Box::new(cast::Cast::build(ctx)?),
        ("ai.onnx", "Concat") => Box::new(shape_ops::Concat::build(ctx)?),
        ("ai.onnx", "Reshape") => Box::new(shape_ops::Reshape::build(ctx)),
        ("ai.onnx", "Flatten") => Box::new(shape_ops::Flatten::build(ctx)),
        ("ai.onnx", "Identity") => Box::new(shape_ops::Identity),
        ("ai.onnx", "Squeeze") => Box::new(squeeze::Squeeze::build(ctx)),
        ("ai.onnx", "Unsqueeze") => Box::new(squeeze::Unsqueeze::build(ctx)?),
        ("ai.onnx.ml", "Scaler") => Box::new(scaler::Scaler::build(ctx)?),
        ("ai.onnx.ml", "Normalizer") => Box::new(normalizer::Normalizer::build(ctx)?),
        ("ai.onnx.ml", "Imputer") => Box::new(imputer::Imputer::build(ctx)?),
        ("ai.onnx.ml", "OneHotEncoder") => Box::new(one_hot_encoder::OneHotEncoder::build(ctx)?),
        ("ai.onnx.ml", "ArrayFeatureExtractor") => {
            Box::new(array_feature_extractor::ArrayFeatureExtractor)
        }
        ("ai.onnx.ml", "LinearClassifier") => Box::new(linear::LinearClassifier::build(ctx)?),
        ("ai.onnx.ml", "LinearRegressor") => Box::new(linear::LinearRegressor::build(ctx)?),
        ("ai.onnx.ml", "TreeEnsemble") => Box::new(tree_ensemble_v5::TreeEnsemble::build(ctx)?),
        ("ai.onnx.ml", "TreeEnsembleClassifier") => Box::new(
            tree_ensemble_classifier::TreeEnsembleClassifier::build(ctx)?,
        ),
        ("ai.onnx.ml", "TreeEnsembleRegressor") => {
            Box::new(tree_ensemble::TreeEnsembleRegressor::build(ctx)?)
        }
        _ => return Ok(None),
    };
    Ok(Some(op))
}

/// Checks the number of inputs.
pub(crate) fn expect_inputs<T>(inputs: &[T], min: usize, max: usize) -> Result<(), OpError> {
    if inputs.len() < min || inputs.len() > max {
        let expected = if min == max {
            min.to_string()
        } else {
            format!("{min} to {max}")
        };
        return Err(OpError::InputCount {
            expected,
            found: inputs.len(),
        });
    }
    Ok(())
}

/// The input as f32 data, or a typed error naming the input index.
pub(crate) fn f32_input(t: &Tensor, index: usize) -> Result<&[f32], OpError> {
    t.as_f32().ok_or(OpError::InputType {
        index,
        expected: "float32".into(),
        found: t.dtype(),
    })
}

/// Rejects string inputs for ops that take numbers (ML ops convert double/int64 to f32).
pub(crate) fn numeric_input(t: &ValueType, index: usize) -> Result<(), OpError> {
    if t.dtype == DType::Str {
        return Err(OpError::InputType {
            index,
            expected: "float32, float64 or int64".into(),
            found: DType::Str,
        });
    }
    Ok(())
}

/// `axis` normalised against the rank of `t`, when the rank is known and the axis valid.
pub(crate) fn known_axis(axis: i64, t: Option<&ValueType>) -> Option<usize> {
    let rank = t?.shape.as_ref()?.len();
    norm_axis(axis, rank).ok()
}

/// Normalises a possibly negative axis for a tensor of rank `rank`.
pub(crate) fn norm_axis(axis: i64, rank: usize) -> Result<usize, OpError> {
    let r = rank as i64;
    let a = if axis < 0 { axis + r } else { axis };
    if a < 0 || a >= r.max(1) {
        return Err(OpError::bad_attr(
            "axis",
            format!("axis {axis} is out of range for rank {rank}"),
        ));
    }
    Ok(a as usize)
}

/// Matrix view of an input for row-wise ML ops: ([N, C] or [C]) -> (N, C).
pub(crate) fn rows_cols(t: &Tensor) -> (usize, usize) {
    t.as_matrix_dims()
}
