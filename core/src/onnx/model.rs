//! The public model type: load from bytes, inspect, run.

use prost::Message;

use super::error::OnnxError;
use super::graph::{self, DimInfo, Graph, OpInfo, ValueInfo};
use super::proto::ModelProto;
use super::split;
use super::tensor::{DType, MAX_DIM, Tensor};

/// Rows per chunk when [`Model::run`] splits a batch: small enough that a chunk's
/// intermediates stay in the L2 cache, large enough that per-chunk overhead is noise.
pub const CHUNK_ROWS: usize = 512;

/// A loaded, validated and compiled ONNX model.
#[derive(Debug)]
pub struct Model {
    graph: Graph,
    producer: String,
    ir_version: i64,
    opsets: Vec<(String, i64)>,
}

/// A value during a run: a borrowed constant or input, or an owned intermediate result.
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

impl Model {
    /// Decodes, validates and compiles a model. Fails with a named error on corrupt bytes,
    /// unsupported ops, cycles, oversized dimensions or invalid attributes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, OnnxError> {
        let proto = ModelProto::decode(bytes).map_err(|e| OnnxError::Decode {
            len: bytes.len(),
            message: e.to_string(),
        })?;
        let graph = graph::build(&proto)?;
        Ok(Model {
            graph,
            producer: format!("{} {}", proto.producer_name, proto.producer_version)
                .trim()
                .to_owned(),
            ir_version: proto.ir_version,
            opsets: proto
                .opset_import
                .iter()
                .map(|o| {
                    let d = if o.domain.is_empty() {
                        "ai.onnx"
                    } else {
                        &o.domain
                    };
                    (d.to_owned(), o.version)
                })
                .collect(),
        })
    }

    /// The graph inputs (initializers excluded).
    pub fn inputs(&self) -> &[ValueInfo] {
        &self.graph.inputs
    }

    /// The graph outputs, with inferred types and shapes where the model declares none.
    pub fn outputs(&self) -> &[ValueInfo] {
        &self.graph.outputs
    }

    /// The nodes in execution order.
    pub fn ops(&self) -> impl Iterator<Item = &OpInfo> {
        self.graph.infos.iter()
    }

    /// Producer name and version as recorded in the model.
    pub fn producer(&self) -> &str {
        &self.producer
    }

    pub fn ir_version(&self) -> i64 {
        self.ir_version
    }

    /// Imported opsets as (domain, version).
    pub fn opsets(&self) -> &[(String, i64)] {
        &self.opsets
    }

    fn check_input(info: &ValueInfo, t: &Tensor) -> Result<(), OnnxError> {
        if let Some(expected) = info.dtype.filter(|&d| d != t.dtype()) {
            return Err(OnnxError::InputType {
                name: info.name.clone(),
                expected,
                found: t.dtype(),
            });
        }
        let describe = |shape: &[DimInfo]| {
            let dims: Vec<String> = shape
                .iter()
                .map(|d| match d {
                    DimInfo::Fixed(n) => n.to_string(),
                    DimInfo::Symbolic(s) => s.clone(),
                    DimInfo::Unknown => "?".into(),
                })
                .collect();
            format!("[{}]", dims.join(", "))
        };
        if let Some(shape) = &info.shape {
            if shape.len() != t.shape().len() {
                return Err(OnnxError::InputShape {
                    name: info.name.clone(),
                    expected: describe(shape),
                    found: t.shape().to_vec(),
                    index: shape.len().min(t.shape().len()),
                });
            }
            for (index, (d, &n)) in shape.iter().zip(t.shape()).enumerate() {
                let bad = match d {
                    DimInfo::Fixed(f) => *f != n,
                    _ => n as u64 > MAX_DIM,
                };
                if bad {
                    return Err(OnnxError::InputShape {
                        name: info.name.clone(),
                        expected: describe(shape),
                        found: t.shape().to_vec(),
                        index,
                    });
                }
            }
        }
        Ok(())
    }

    /// Runs the model on named inputs; returns every graph output, by name, in the
    /// model's output order. NaN in float inputs is passed through as ONNX Runtime does
    /// (tree ensembles route it by `nodes_missing_value_tracks_true`); ops that cannot
    /// give NaN a meaning (Cast to int64, category lookups) fail with a named error.
    ///
    /// Batches of more than [`CHUNK_ROWS`] rows run in chunks when the graph computes each
    /// row from that row alone (see [`Model::splits_batch`]); the outputs are the same, bit
    /// for bit, as an unsplit run's.
    pub fn run(&self, inputs: &[(&str, &Tensor)]) -> Result<Vec<(String, Tensor)>, OnnxError> {
        self.run_chunked(inputs, CHUNK_ROWS)
    }

    /// [`Model::run`] with `chunk_rows` rows per chunk (0: never split). The outputs do not
    /// depend on it; errors neither: when a chunk fails, the whole batch runs again unsplit
    /// so that the error (element indices included) is the one an unsplit run reports.
    pub fn run_chunked(
        &self,
        inputs: &[(&str, &Tensor)],
        chunk_rows: usize,
    ) -> Result<Vec<(String, Tensor)>, OnnxError> {
        let bound = self.bind(inputs)?;
        self.run_bound(&bound, chunk_rows)
    }

    /// Whether a batch can be split into chunks of rows, and so run in chunks and, natively,
    /// on several threads: true when every graph input has a free first (batch) dimension
    /// and every output is constant or computed row by row.
    pub fn splits_batch(&self) -> bool {
        self.graph.split.is_some()
    }

    pub(crate) fn run_bound(
        &self,
        bound: &[&Tensor],
        chunk_rows: usize,
    ) -> Result<Vec<(String, Tensor)>, OnnxError> {
        match self.batch_rows(bound) {
            Some(rows) if chunk_rows > 0 && rows > chunk_rows => self
                .run_rows(bound, 0..rows, chunk_rows)
                .map_or_else(|| self.execute(bound), Ok),
            _ => self.execute(bound),
        }
    }

    /// The compiled graph (the GPU engine runs its nodes itself).
    #[cfg(feature = "gpu")]
    pub(crate) fn graph(&self) -> &Graph {
        &self.graph
    }

    /// How each output depends on the batch, when the batch can be split.
    pub(crate) fn split_plan(&self) -> Option<&[split::Rows]> {
        self.graph.split.as_deref()
    }

    /// The batch size, when the batch can be split: every input's first dimension, equal.
    pub(crate) fn batch_rows(&self, bound: &[&Tensor]) -> Option<usize> {
        self.graph.split.as_ref()?;
        let rows = *bound.first()?.shape().first()?;
        bound
            .iter()
            .all(|t| t.shape().first() == Some(&rows))
            .then_some(rows)
    }

    /// Runs rows `range` of the bound inputs in chunks of `chunk_rows` and concatenates the
    /// outputs. `None` when a chunk fails (the caller reruns unsplit to report the error).
    pub(crate) fn run_rows(
        &self,
        bound: &[&Tensor],
        range: std::ops::Range<usize>,
        chunk_rows: usize,
    ) -> Option<Vec<(String, Tensor)>> {
        let plan = self.split_plan()?;
        let mut buffers: Vec<Option<super::tensor::TensorData>> = vec![None; bound.len()];
        let mut outputs = None;
        for start in range.clone().step_by(chunk_rows.max(1)) {
            let end = (start + chunk_rows).min(range.end);
            let chunk = bound
                .iter()
                .zip(&mut buffers)
                .map(|(t, buf)| split::slice_rows(t, start, end, buf.take()))
                .collect::<Option<Vec<Tensor>>>()?;
            let refs: Vec<&Tensor> = chunk.iter().collect();
            let part = self.execute(&refs).ok()?;
            split::merge(&mut outputs, part, plan)?;
            for (buf, t) in buffers.iter_mut().zip(chunk) {
                *buf = Some(t.into_data());
            }
        }
        outputs
    }

    /// Checks named inputs against the graph's and returns them in graph-input order.
    pub(crate) fn bind<'t>(
        &self,
        inputs: &[(&str, &'t Tensor)],
    ) -> Result<Vec<&'t Tensor>, OnnxError> {
        let g = &self.graph;
        let expected: Vec<String> = g.inputs.iter().map(|i| i.name.clone()).collect();
        for (name, _) in inputs {
            if !g.inputs.iter().any(|i| i.name == *name) {
                return Err(OnnxError::UnknownInput {
                    name: (*name).to_owned(),
                    expected,
                });
            }
        }
        let mut bound = Vec::with_capacity(g.inputs.len());
        for info in &g.inputs {
            let (_, t) = inputs
                .iter()
                .find(|(n, _)| *n == info.name)
                .ok_or_else(|| OnnxError::MissingInput {
                    name: info.name.clone(),
                    expected: expected.clone(),
                })?;
            Self::check_input(info, t)?;
            bound.push(*t);
        }
        Ok(bound)
    }

    /// Runs the nodes on checked inputs (in graph-input order), the whole batch at once.
    fn execute(&self, bound: &[&Tensor]) -> Result<Vec<(String, Tensor)>, OnnxError> {
        let g = &self.graph;
        let mut slots: Vec<Slot<'_>> = g
            .consts
            .iter()
            .map(|c| c.as_ref().map_or(Slot::Empty, Slot::Borrowed))
            .collect();
        for (&slot, &t) in g.input_slots.iter().zip(bound) {
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
            let missing = || node_err("internal: an input value was not computed".into());
            // Hand the first input over when it is an intermediate no later node reads.
            let movable = node.inputs.first().copied().filter(|&s0| {
                g.last_use.get(s0) == Some(&pos)
                    && matches!(slots.get(s0), Some(Slot::Owned(_)))
                    && node.inputs.iter().filter(|&&s| s == s0).count() == 1
            });
            let results = match movable {
                Some(s0) => {
                    let Slot::Owned(first) = std::mem::replace(&mut slots[s0], Slot::Empty) else {
                        return Err(missing());
                    };
                    let rest = node.inputs[1..]
                        .iter()
                        .map(|&s| slots.get(s).and_then(Slot::get))
                        .collect::<Option<Vec<&Tensor>>>()
                        .ok_or_else(missing)?;
                    node.op.run_owned(first, &rest)
                }
                None => {
                    let args = node
                        .inputs
                        .iter()
                        .map(|&s| slots.get(s).and_then(Slot::get))
                        .collect::<Option<Vec<&Tensor>>>()
                        .ok_or_else(missing)?;
                    node.op.run(&args)
                }
            }
            .map_err(|e| node_err(e.to_string()))?;
            for (&slot, t) in node.outputs.iter().zip(results) {
                if let Some(s) = slots.get_mut(slot) {
                    *s = Slot::Owned(t);
                }
            }
            // Free intermediate values no later node reads.
            for &s in &node.inputs {
                if g.last_use.get(s) == Some(&pos) && matches!(slots[s], Slot::Owned(_)) {
                    slots[s] = Slot::Empty;
                }
            }
        }

        let mut out = Vec::with_capacity(g.outputs.len());
        for (info, &slot) in g.outputs.iter().zip(&g.output_slots) {
            let t = match std::mem::replace(&mut slots[slot], Slot::Empty) {
                Slot::Owned(t) => t,
                Slot::Borrowed(t) => t.clone(),
                Slot::Empty => {
                    // The same value listed twice as an output: clone the first copy.
                    match out
                        .iter()
                        .find(|(n, _): &&(String, Tensor)| *n == info.name)
                    {
                        Some((_, t)) => t.clone(),
                        None => {
                            return Err(OnnxError::UnknownOutput {
                                name: info.name.clone(),
                            });
                        }
                    }
                }
            };
            out.push((info.name.clone(), t));
        }
        Ok(out)
    }

    /// Convenience for the common case: one float input, a row-major `[rows, cols]` matrix.
    pub fn run_f32_matrix(
        &self,
        data: Vec<f32>,
        rows: usize,
        cols: usize,
    ) -> Result<Vec<(String, Tensor)>, OnnxError> {
        let [input] = self.graph.inputs.as_slice() else {
            return Err(OnnxError::NotSingleInput {
                count: self.graph.inputs.len(),
                names: self.graph.inputs.iter().map(|i| i.name.clone()).collect(),
            });
        };
        if let Some(dtype) = input.dtype.filter(|d| *d != DType::F32) {
            return Err(OnnxError::InputType {
                name: input.name.clone(),
                expected: dtype,
                found: DType::F32,
            });
        }
        let expected = rows.saturating_mul(cols);
        if data.len() != expected {
            return Err(OnnxError::MatrixLength {
                what: "the matrix data",
                rows,
                cols,
                len: data.len(),
                expected,
            });
        }
        let tensor = Tensor::f32(vec![rows, cols], data)?;
        self.run(&[(input.name.as_str(), &tensor)])
    }
}
