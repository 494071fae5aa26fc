use super::tensor::DType;

/// Why a model could not be loaded or run. Variants that concern one node name its op
/// type, domain, the opset the model imports for that domain, and the node's name.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OnnxError {
    #[error("the model bytes are not a valid ONNX protobuf ({len} bytes): {message}")]
    Decode { len: usize, message: String },
    #[error("the model has no graph")]
    NoGraph,
    #[error(
        "unsupported op `{op_type}` (domain `{domain}`, opset {opset}) in node `{node}`; supported ops: {supported}"
    )]
    UnsupportedOp {
        op_type: String,
        domain: String,
        opset: i64,
        node: String,
        supported: String,
    },
    #[error(
        "node `{node}` is a ZipMap (domain `ai.onnx.ml`): its output is a sequence of maps, which this engine does not produce. Re-export the classifier with ZipMap disabled, e.g. skl2onnx `options={{id(model): {{'zipmap': False}}}}` or onnxmltools `zipmap=False`"
    )]
    ZipMap { node: String },
    #[error(
        "the model imports no opset for domain `{domain}`, used by node `{node}` (`{op_type}`)"
    )]
    MissingOpset {
        domain: String,
        node: String,
        op_type: String,
    },
    #[error("the graph has a cycle through node `{node}` (`{op_type}`)")]
    Cycle { node: String, op_type: String },
    #[error("value `{name}` is produced by more than one node or initializer")]
    DuplicateValue { name: String },
    #[error(
        "node `{node}` (`{op_type}`) reads value `{name}`, which no node, input or initializer produces"
    )]
    UnknownValue {
        node: String,
        op_type: String,
        name: String,
    },
    #[error("graph output `{name}` is not produced by any node, input or initializer")]
    UnknownOutput { name: String },
    #[error("{context}: dimension {index} is {value}; dimensions must be between 0 and {limit}")]
    BadDimension {
        context: String,
        index: usize,
        value: i64,
        limit: u64,
    },
    #[error("{context}: a tensor of shape {shape:?} would hold more than {limit} elements")]
    TooLarge {
        context: String,
        shape: Vec<u64>,
        limit: usize,
    },
    #[error("initializer `{name}`: {message}")]
    BadInitializer { name: String, message: String },
    #[error(
        "{context}: element type {code} is not supported (supported: float, double, int32, int64, string, bool)"
    )]
    UnsupportedDataType { context: String, code: i32 },
    #[error("node `{node}` (`{op_type}`, domain `{domain}`, opset {opset}): {message}")]
    Node {
        node: String,
        op_type: String,
        domain: String,
        opset: i64,
        message: String,
    },
    #[error("input `{name}` is missing (the model's inputs: {})", expected.join(", "))]
    MissingInput { name: String, expected: Vec<String> },
    #[error("the model has no input named `{name}` (the model's inputs: {})", expected.join(", "))]
    UnknownInput { name: String, expected: Vec<String> },
    #[error("input `{name}` has element type {found}, but the model expects {expected}")]
    InputType {
        name: String,
        expected: DType,
        found: DType,
    },
    #[error(
        "input `{name}` has shape {found:?}, but the model expects {expected} (dimension {index})"
    )]
    InputShape {
        name: String,
        expected: String,
        found: Vec<usize>,
        index: usize,
    },
    #[error("tensor data has {len} elements, but shape {shape:?} needs {expected}")]
    DataLength {
        shape: Vec<usize>,
        len: usize,
        expected: usize,
    },
    #[error("{what} has {len} values, but {rows} rows x {cols} features need {expected}")]
    MatrixLength {
        what: &'static str,
        rows: usize,
        cols: usize,
        len: usize,
        expected: usize,
    },
    #[error(
        "the model has {count} inputs ({}); the matrix convenience needs a single float input",
        names.join(", ")
    )]
    NotSingleInput { count: usize, names: Vec<String> },
}

/// An op-level failure, without node context; the executor wraps it into
/// [`OnnxError::Node`], which adds the op type, domain, opset and node name.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OpError {
    #[error("attribute `{name}` is required")]
    MissingAttribute { name: &'static str },
    #[error("attribute `{name}`: {message}")]
    BadAttribute { name: &'static str, message: String },
    #[error("expects {expected} inputs, got {found}")]
    InputCount { expected: String, found: usize },
    #[error("input {index} has element type {found}, expected {expected}")]
    InputType {
        index: usize,
        expected: String,
        found: DType,
    },
    #[error("{0}")]
    Shape(String),
    #[error("a result of shape {shape:?} would hold more than {limit} elements")]
    TooLarge { shape: Vec<usize>, limit: usize },
    #[error("input {index} holds NaN at element {element}, which {why}")]
    NanInput {
        index: usize,
        element: usize,
        why: &'static str,
    },
    #[error("{0}")]
    Unsupported(String),
}

impl OpError {
    pub(crate) fn shape(message: impl Into<String>) -> Self {
        Self::Shape(message.into())
    }

    pub(crate) fn bad_attr(name: &'static str, message: impl Into<String>) -> Self {
        Self::BadAttribute {
            name,
            message: message.into(),
        }
    }
}
