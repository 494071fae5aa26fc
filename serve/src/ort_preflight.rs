//! A pre-flight check of an ONNX model before it is handed to ONNX Runtime.
//!
//! ONNX Runtime trusts the model it is given: a graph of 100,000 `Concat` nodes took
//! 5.1 GB to load (issue 19, finding 11), a tensor can declare any shape, data can live
//! in "external" files named by the model, and nested subgraphs recurse. Lockstep's own
//! engine refuses such models; this check gives `--engine onnxruntime` (and the server,
//! and `lockstep skew`) the same protection by walking the model's protobuf encoding
//! itself — without allocating what the model declares — and refusing, with a named
//! error, a model that exceeds [`ModelLimits`]:
//!
//! - nodes, counted over the main graph, every subgraph (`If`, `Loop`, `Scan`) and every
//!   local function: at most [`MAX_NODES`];
//! - subgraph nesting: at most [`MAX_GRAPH_DEPTH`] levels;
//! - any tensor the model stores (initializers, `Constant` values, attributes): at most
//!   [`MAX_TENSOR_ELEMENTS`] elements (core's limit), and never more bytes declared than
//!   the model file holds (a tensor whose declared shape outgrows its data is refused
//!   before anything allocates it);
//! - the shape fed to `ConstantOfShape` or `Expand` from an initializer: at most
//!   [`MAX_TENSOR_ELEMENTS`] elements (ONNX Runtime folds such constants while loading);
//! - tensor data stored outside the model (`data_location: EXTERNAL`): refused, since it
//!   would make ONNX Runtime open files the model names.
//!
//! The file's size is capped before it is read (`input::MAX_MODEL_BYTES`).

use lockstep_core::onnx::MAX_ELEMENTS;

/// Nodes in the whole model (subgraphs and functions included). Measured with ONNX
/// Runtime 1.32 (Python, one thread, a chain of `Concat`s): 1,000 nodes load in 72 MB of
/// RSS, 20,000 in 194 MB (≈ 6.4 KB a node on top of the runtime).
pub const MAX_NODES: u64 = 20_000;
/// Levels of nested subgraphs.
pub const MAX_GRAPH_DEPTH: usize = 16;
/// Elements of one stored tensor (the core engine's own limit).
pub const MAX_TENSOR_ELEMENTS: u64 = MAX_ELEMENTS as u64;

/// What a model may cost ONNX Runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelLimits {
    pub max_nodes: u64,
    pub max_graph_depth: usize,
    pub max_tensor_elements: u64,
}

impl Default for ModelLimits {
    fn default() -> Self {
        Self {
            max_nodes: MAX_NODES,
            max_graph_depth: MAX_GRAPH_DEPTH,
            max_tensor_elements: MAX_TENSOR_ELEMENTS,
        }
    }
}

/// Why a model was refused before ONNX Runtime saw it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PreflightError {
    #[error("the model is not a readable ONNX file: {0}")]
    Malformed(String),
    #[error(
        "the model has more than {limit} nodes (subgraphs and functions included); ONNX Runtime would need about 6.4 KB of memory per node to load it"
    )]
    TooManyNodes { limit: u64 },
    #[error("the model nests subgraphs more than {limit} levels deep")]
    TooDeep { limit: usize },
    #[error("tensor `{name}` declares shape {dims:?}: more than {limit} elements")]
    TensorTooLarge {
        name: String,
        dims: Vec<i64>,
        limit: u64,
    },
    #[error("tensor `{name}` declares a negative dimension in shape {dims:?}")]
    NegativeDimension { name: String, dims: Vec<i64> },
    #[error(
        "the model's tensors declare {declared} bytes of data, more than the {file} bytes of the model file"
    )]
    DeclaredBeyondFile { declared: u64, file: u64 },
    #[error(
        "tensor `{name}` keeps its data outside the model (external data); Lockstep loads only self-contained models"
    )]
    ExternalData { name: String },
    #[error(
        "`{op}` node `{node}` would make a tensor of shape {shape:?}: more than {limit} elements"
    )]
    ShapeTooLarge {
        op: String,
        node: String,
        shape: Vec<i64>,
        limit: u64,
    },
}

/// What the check counted in an accepted model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelSummary {
    pub nodes: u64,
    pub graph_depth: usize,
    /// Bytes the stored tensors declare (dims × element size; strings count 0).
    pub tensor_bytes: u64,
}

/// Checks `bytes` (an ONNX `ModelProto`) against `limits`.
pub fn check(bytes: &[u8], limits: &ModelLimits) -> Result<ModelSummary, PreflightError> {
    let mut walk = Walk {
        limits,
        summary: ModelSummary::default(),
    };
    for field in Fields::new(bytes) {
        let (number, value) = field?;
        match (number, value) {
            // ModelProto.graph
            (7, Value::Bytes(graph)) => walk.graph(graph, 1)?,
            // ModelProto.functions (FunctionProto.node = 7)
            (25, Value::Bytes(function)) => {
                for field in Fields::new(function) {
                    if let (7, Value::Bytes(node)) = field? {
                        walk.node(node, 1, &[])?;
                    }
                }
            }
            _ => {}
        }
    }
    let file = bytes.len() as u64;
    if walk.summary.tensor_bytes > file {
        return Err(PreflightError::DeclaredBeyondFile {
            declared: walk.summary.tensor_bytes,
            file,
        });
    }
    Ok(walk.summary)
}

struct Walk<'l> {
    limits: &'l ModelLimits,
    summary: ModelSummary,
}

/// A stored tensor's name and, when it is a small int64 vector, its values (a shape).
struct TensorInfo {
    name: String,
    int64s: Option<Vec<i64>>,
}

impl Walk<'_> {
    fn graph(&mut self, graph: &[u8], depth: usize) -> Result<(), PreflightError> {
        if depth > self.limits.max_graph_depth {
            return Err(PreflightError::TooDeep {
                limit: self.limits.max_graph_depth,
            });
        }
        self.summary.graph_depth = self.summary.graph_depth.max(depth);
        // Initializers first (their order in the file is free), so that shape inputs can
        // be looked up when the nodes are walked.
        let mut initializers = Vec::new();
        for field in Fields::new(graph) {
            match field? {
                (5, Value::Bytes(tensor)) => initializers.push(self.tensor(tensor)?),
                // GraphProto.sparse_initializer: SparseTensorProto.values = 1, indices = 2
                (15, Value::Bytes(sparse)) => self.sparse(sparse)?,
                _ => {}
            }
        }
        for field in Fields::new(graph) {
            if let (1, Value::Bytes(node)) = field? {
                self.node(node, depth, &initializers)?;
            }
        }
        Ok(())
    }

    fn node(
        &mut self,
        node: &[u8],
        depth: usize,
        initializers: &[TensorInfo],
    ) -> Result<(), PreflightError> {
        self.summary.nodes += 1;
        if self.summary.nodes > self.limits.max_nodes {
            return Err(PreflightError::TooManyNodes {
                limit: self.limits.max_nodes,
            });
        }
        let mut inputs = Vec::new();
        let mut op = String::new();
        let mut name = String::new();
        for field in Fields::new(node) {
            match field? {
                (1, Value::Bytes(input)) => inputs.push(text(input)),
                (3, Value::Bytes(n)) => name = text(n),
                (4, Value::Bytes(o)) => op = text(o),
                (5, Value::Bytes(attribute)) => self.attribute(attribute, depth)?,
                _ => {}
            }
        }
        let shape_input = match op.as_str() {
            "ConstantOfShape" => inputs.first(),
            "Expand" => inputs.get(1),
            _ => None,
        };
        if let Some(shape) = shape_input
            .and_then(|input| initializers.iter().find(|t| t.name == *input))
            .and_then(|t| t.int64s.as_ref())
        {
            let limit = self.limits.max_tensor_elements;
            if elements(shape).is_none_or(|n| n > limit) {
                return Err(PreflightError::ShapeTooLarge {
                    op,
                    node: name,
                    shape: shape.clone(),
                    limit,
                });
            }
        }
        Ok(())
    }

    fn attribute(&mut self, attribute: &[u8], depth: usize) -> Result<(), PreflightError> {
        for field in Fields::new(attribute) {
            match field? {
                // t, tensors
                (5 | 10, Value::Bytes(tensor)) => {
                    self.tensor(tensor)?;
                }
                // g, graphs
                (6 | 11, Value::Bytes(graph)) => self.graph(graph, depth + 1)?,
                // sparse_tensor, sparse_tensors
                (22 | 23, Value::Bytes(sparse)) => self.sparse(sparse)?,
                _ => {}
            }
        }
        Ok(())
    }

    fn sparse(&mut self, sparse: &[u8]) -> Result<(), PreflightError> {
        for field in Fields::new(sparse) {
            if let (1 | 2, Value::Bytes(tensor)) = field? {
                self.tensor(tensor)?;
            }
        }
        Ok(())
    }

    /// A `TensorProto`: its declared size is checked and counted.
    fn tensor(&mut self, tensor: &[u8]) -> Result<TensorInfo, PreflightError> {
        let mut dims = Vec::new();
        let mut data_type = 0_u64;
        let mut name = String::new();
        let mut external = false;
        let mut raw: Option<&[u8]> = None;
        let mut int64_data = Vec::new();
        for field in Fields::new(tensor) {
            match field? {
                (1, Value::Varint(d)) => dims.push(d as i64),
                (1, Value::Bytes(packed)) => {
                    for d in Varints(packed) {
                        dims.push(d? as i64);
                    }
                }
                (2, Value::Varint(t)) => data_type = t,
                (7, Value::Varint(v)) if int64_data.len() <= 64 => int64_data.push(v as i64),
                (7, Value::Bytes(packed)) if packed.len() <= 64 * 10 => {
                    for v in Varints(packed) {
                        int64_data.push(v? as i64);
                    }
                }
                (8, Value::Bytes(n)) => name = text(n),
                (9, Value::Bytes(r)) => raw = Some(r),
                (14, Value::Varint(1)) => external = true,
                _ => {}
            }
        }
        if external {
            return Err(PreflightError::ExternalData { name });
        }
        if dims.iter().any(|&d| d < 0) {
            return Err(PreflightError::NegativeDimension { name, dims });
        }
        let limit = self.limits.max_tensor_elements;
        let count = match elements(&dims) {
            Some(n) if n <= limit => n,
            _ => return Err(PreflightError::TensorTooLarge { name, dims, limit }),
        };
        self.summary.tensor_bytes = self
            .summary
            .tensor_bytes
            .saturating_add(count.saturating_mul(element_bytes(data_type)));
        // INT64 (7): a small vector may be a shape fed to ConstantOfShape / Expand.
        let int64s = (data_type == 7 && dims.len() <= 1 && count <= 64).then(|| match raw {
            Some(raw) => raw
                .chunks_exact(8)
                .map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                .collect(),
            None => int64_data,
        });
        Ok(TensorInfo { name, int64s })
    }
}

/// The product of `dims` (1 for a scalar), or `None` past `u64` or for a negative one.
fn elements(dims: &[i64]) -> Option<u64> {
    dims.iter().try_fold(1_u64, |n, &d| {
        u64::try_from(d).ok().and_then(|d| n.checked_mul(d))
    })
}

/// Bytes per element of an ONNX `TensorProto.DataType` (strings count 0: their bytes
/// are stored, not declared).
fn element_bytes(data_type: u64) -> u64 {
    match data_type {
        8 => 0,                   // STRING
        2 | 3 | 9 | 17..=23 => 1, // UINT8, INT8, BOOL, FLOAT8*, (U)INT4, FLOAT4
        4 | 5 | 10 | 16 => 2,     // (U)INT16, FLOAT16, BFLOAT16
        1 | 6 | 12 => 4,          // FLOAT, INT32, UINT32
        7 | 11 | 13 | 14 => 8,    // INT64, DOUBLE, UINT64, COMPLEX64
        15 => 16,                 // COMPLEX128
        _ => 8,
    }
}

fn text(bytes: &[u8]) -> String {
    lockstep_core::excerpt::excerpt(&String::from_utf8_lossy(bytes))
}

/// One protobuf field value.
enum Value<'a> {
    Varint(u64),
    Fixed,
    Bytes(&'a [u8]),
}

/// The fields of one protobuf message, in order: (field number, value).
struct Fields<'a> {
    rest: &'a [u8],
    failed: bool,
}

impl<'a> Fields<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            rest: bytes,
            failed: false,
        }
    }

    fn read(&mut self) -> Result<(u64, Value<'a>), PreflightError> {
        let key = varint(&mut self.rest)?;
        let number = key >> 3;
        let value = match key & 7 {
            0 => Value::Varint(varint(&mut self.rest)?),
            1 => {
                self.skip(8)?;
                Value::Fixed
            }
            2 => {
                let len = usize::try_from(varint(&mut self.rest)?).unwrap_or(usize::MAX);
                if len > self.rest.len() {
                    return Err(malformed("a field runs past the end of its message"));
                }
                let (bytes, rest) = self.rest.split_at(len);
                self.rest = rest;
                Value::Bytes(bytes)
            }
            5 => {
                self.skip(4)?;
                Value::Fixed
            }
            wire => return Err(malformed(&format!("wire type {wire} is not read"))),
        };
        Ok((number, value))
    }

    fn skip(&mut self, n: usize) -> Result<(), PreflightError> {
        if n > self.rest.len() {
            return Err(malformed("a field runs past the end of its message"));
        }
        self.rest = &self.rest[n..];
        Ok(())
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u64, Value<'a>), PreflightError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.rest.is_empty() {
            return None;
        }
        let field = self.read();
        self.failed = field.is_err();
        Some(field)
    }
}

/// The varints of a packed repeated field.
struct Varints<'a>(&'a [u8]);

impl Iterator for Varints<'_> {
    type Item = Result<u64, PreflightError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.0.is_empty() {
            return None;
        }
        let value = varint(&mut self.0);
        if value.is_err() {
            self.0 = &[];
        }
        Some(value)
    }
}

fn varint(bytes: &mut &[u8]) -> Result<u64, PreflightError> {
    let mut value = 0_u64;
    for (i, &b) in bytes.iter().enumerate().take(10) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            *bytes = &bytes[i + 1..];
            return Ok(value);
        }
    }
    Err(malformed("a varint is cut short or longer than 10 bytes"))
}

fn malformed(what: &str) -> PreflightError {
    PreflightError::Malformed(what.to_owned())
}
