//! From a decoded `ModelProto` to a compiled, topologically ordered graph.

use std::collections::HashMap;

use super::attrs::Attrs;
use super::error::OnnxError;
use super::fuse;
use super::initializer::{checked_dims, tensor_from_proto};
use super::ops::{self, BuildCtx, Dim, Op, ValueType};
use super::proto::{GraphProto, ModelProto, NodeProto, ValueInfoProto};
use super::split::{self, Rows};
use super::tensor::{DType, Tensor};

/// One dimension of a declared graph input or output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DimInfo {
    /// A fixed size.
    Fixed(usize),
    /// A named free dimension (e.g. `N`).
    Symbolic(String),
    /// A free dimension without a name.
    Unknown,
}

/// A graph input or output, as declared by the model (outputs: as inferred where the
/// model declares nothing).
#[derive(Debug, Clone, PartialEq)]
pub struct ValueInfo {
    pub name: String,
    /// `None` for values that are not tensors of a supported type.
    pub dtype: Option<DType>,
    /// `None` when the rank is unknown.
    pub shape: Option<Vec<DimInfo>>,
}

/// One node, for display.
#[derive(Debug, Clone, PartialEq)]
pub struct OpInfo {
    pub name: String,
    pub op_type: String,
    pub domain: String,
    pub opset: i64,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
}

#[derive(Debug)]
pub(crate) struct Node {
    pub info: OpInfo,
    pub op: Box<dyn Op>,
    pub inputs: Vec<usize>,
    pub outputs: Vec<usize>,
}

#[derive(Debug)]
pub(crate) struct Graph {
    pub inputs: Vec<ValueInfo>,
    pub input_slots: Vec<usize>,
    pub outputs: Vec<ValueInfo>,
    pub output_slots: Vec<usize>,
    /// Every node as the model declares it, in execution order (for display).
    pub infos: Vec<OpInfo>,
    /// The nodes that run, in order: `infos` after load-time fusion (`fuse`).
    pub nodes: Vec<Node>,
    /// Constant values by slot (initializers).
    pub consts: Vec<Option<Tensor>>,
    /// For each slot, the index of the last node that reads it (to free it early).
    pub last_use: Vec<usize>,
    /// When the batch can be split into chunks of rows (see `split`): how each graph
    /// output depends on it (constant, or batched along an axis).
    pub split: Option<Vec<Rows>>,
}

fn canonical_domain(domain: &str) -> &str {
    if domain.is_empty() { "ai.onnx" } else { domain }
}

fn value_info(v: &ValueInfoProto) -> ValueInfo {
    let tensor = v.r#type.as_ref().and_then(|t| t.tensor_type.as_ref());
    let dtype = tensor.and_then(|t| DType::from_onnx(t.elem_type));
    let shape = tensor.and_then(|t| t.shape.as_ref()).map(|s| {
        s.dim
            .iter()
            .map(|d| match (d.dim_value, &d.dim_param) {
                (Some(v), _) if v >= 0 => DimInfo::Fixed(v as usize),
                (_, Some(p)) if !p.is_empty() => DimInfo::Symbolic(p.clone()),
                _ => DimInfo::Unknown,
            })
            .collect()
    });
    ValueInfo {
        name: v.name.clone(),
        dtype,
        shape,
    }
}

fn display_name(node: &NodeProto, index: usize) -> String {
    if node.name.is_empty() {
        format!("#{index} {}", node.op_type)
    } else {
        node.name.clone()
    }
}

pub(crate) fn build(model: &ModelProto) -> Result<Graph, OnnxError> {
    let graph: &GraphProto = model.graph.as_ref().ok_or(OnnxError::NoGraph)?;
    let opsets: HashMap<&str, i64> = model
        .opset_import
        .iter()
        .map(|o| (canonical_domain(&o.domain), o.version))
        .collect();

    let mut slots: HashMap<String, usize> = HashMap::new();
    let mut consts: Vec<Option<Tensor>> = Vec::new();
    let mut types: Vec<Option<ValueType>> = Vec::new();

    for init in &graph.initializer {
        if slots.contains_key(&init.name) {
            return Err(OnnxError::DuplicateValue {
                name: init.name.clone(),
            });
        }
        let tensor = tensor_from_proto(init, &init.name)?;
        slots.insert(init.name.clone(), consts.len());
        types.push(Some(ValueType::new(
            tensor.dtype(),
            Some(tensor.shape().iter().map(|&d| Some(d)).collect()),
        )));
        consts.push(Some(tensor));
    }

    let mut inputs = Vec::new();
    let mut input_slots = Vec::new();
    for v in &graph.input {
        if slots.get(&v.name).is_some_and(|&s| consts[s].is_some()) {
            continue; // an initializer listed as an input (IR < 4)
        }
        let info = value_info(v);
        if let Some(shape) = v
            .r#type
            .as_ref()
            .and_then(|t| t.tensor_type.as_ref())
            .and_then(|t| t.shape.as_ref())
        {
            let fixed: Vec<i64> = shape.dim.iter().map(|d| d.dim_value.unwrap_or(0)).collect();
            checked_dims(&fixed, &format!("graph input `{}`", v.name))?;
        }
        let slot = consts.len();
        if slots.insert(v.name.clone(), slot).is_some() {
            return Err(OnnxError::DuplicateValue {
                name: v.name.clone(),
            });
        }
        consts.push(None);
        types.push(info.dtype.map(|dtype| {
            let shape = info.shape.as_ref().map(|s| {
                s.iter()
                    .map(|d| match d {
                        DimInfo::Fixed(n) => Some(*n),
                        _ => None,
                    })
                    .collect::<Vec<Dim>>()
            });
            ValueType::new(dtype, shape)
        }));
        input_slots.push(slot);
        inputs.push(info);
    }

    // Constant nodes are folded at load: each value becomes a constant slot, like an
    // initializer, so the ops that read it see it when they are compiled.
    let mut folded = vec![false; graph.node.len()];
    let mut infos = Vec::new();
    for (ni, node) in graph.node.iter().enumerate() {
        if canonical_domain(&node.domain) != "ai.onnx" || node.op_type != "Constant" {
            continue;
        }
        let name = display_name(node, ni);
        let opset = *opsets
            .get("ai.onnx")
            .ok_or_else(|| OnnxError::MissingOpset {
                domain: "ai.onnx".into(),
                node: name.clone(),
                op_type: node.op_type.clone(),
            })?;
        let node_err = |message: String| OnnxError::Node {
            node: name.clone(),
            op_type: node.op_type.clone(),
            domain: "ai.onnx".into(),
            opset,
            message,
        };
        let value = ops::constant::value(&Attrs::new(&node.attribute))
            .map_err(|e| node_err(e.to_string()))?;
        let [out] = node.output.as_slice() else {
            return Err(node_err(format!(
                "expects 1 output, got {}",
                node.output.len()
            )));
        };
        if slots.insert(out.clone(), consts.len()).is_some() {
            return Err(OnnxError::DuplicateValue { name: out.clone() });
        }
        types.push(Some(ValueType::new(
            value.dtype(),
            Some(value.shape().iter().map(|&d| Some(d)).collect()),
        )));
        consts.push(Some(value));
        folded[ni] = true;
        infos.push(OpInfo {
            name,
            op_type: node.op_type.clone(),
            domain: "ai.onnx".into(),
            opset,
            inputs: node.input.clone(),
            outputs: node.output.clone(),
        });
    }

    // Every node output gets a slot; a name produced twice is an error.
    let mut producer: Vec<Option<usize>> = vec![None; consts.len()];
    for (ni, node) in graph.node.iter().enumerate() {
        if folded[ni] {
            continue;
        }
        for out in node.output.iter().filter(|o| !o.is_empty()) {
            if slots.contains_key(out) {
                return Err(OnnxError::DuplicateValue { name: out.clone() });
            }
            slots.insert(out.clone(), consts.len());
            consts.push(None);
            types.push(None);
            producer.push(Some(ni));
        }
    }

    // Kahn's algorithm over node dependencies.
    let n = graph.node.len();
    let mut pending = vec![0usize; n];
    let mut consumers: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut input_ids: Vec<Vec<usize>> = Vec::with_capacity(n);
    for (ni, node) in graph.node.iter().enumerate() {
        let mut ids = Vec::with_capacity(node.input.len());
        let used = node
            .input
            .iter()
            .rposition(|i| !i.is_empty())
            .map_or(0, |p| p + 1);
        for name in &node.input[..used] {
            let slot = *slots.get(name).ok_or_else(|| OnnxError::UnknownValue {
                node: display_name(node, ni),
                op_type: node.op_type.clone(),
                name: name.clone(),
            })?;
            if let Some(p) = producer[slot] {
                pending[ni] += 1;
                consumers[p].push(ni);
            }
            ids.push(slot);
        }
        input_ids.push(ids);
    }
    let mut ready: Vec<usize> = (0..n).filter(|&i| pending[i] == 0).rev().collect();
    let mut order = Vec::with_capacity(n);
    while let Some(ni) = ready.pop() {
        order.push(ni);
        for &c in consumers[ni].iter().rev() {
            pending[c] -= 1;
            if pending[c] == 0 {
                ready.push(c);
            }
        }
    }
    if order.len() < n {
        let stuck = (0..n).find(|&i| pending[i] > 0).unwrap_or(0);
        let node = &graph.node[stuck];
        return Err(OnnxError::Cycle {
            node: display_name(node, stuck),
            op_type: node.op_type.clone(),
        });
    }

    // Compile each node and infer its output types, in topological order.
    let mut nodes = Vec::with_capacity(n);
    let mut protos = Vec::with_capacity(n);
    for &ni in order.iter().filter(|&&ni| !folded[ni]) {
        let node = &graph.node[ni];
        let name = display_name(node, ni);
        let domain = canonical_domain(&node.domain).to_owned();
        if node.op_type == "ZipMap" {
            return Err(OnnxError::ZipMap { node: name });
        }
        let opset = *opsets
            .get(domain.as_str())
            .ok_or_else(|| OnnxError::MissingOpset {
                domain: domain.clone(),
                node: name.clone(),
                op_type: node.op_type.clone(),
            })?;
        let node_err = |message: String| OnnxError::Node {
            node: name.clone(),
            op_type: node.op_type.clone(),
            domain: domain.clone(),
            opset,
            message,
        };
        let ctx = BuildCtx {
            attrs: Attrs::new(&node.attribute),
            opset,
            consts: input_ids[ni].iter().map(|&s| consts[s].as_ref()).collect(),
        };
        let op = ops::build(&domain, &node.op_type, &ctx)
            .map_err(|e| node_err(e.to_string()))?
            .ok_or_else(|| OnnxError::UnsupportedOp {
                op_type: node.op_type.clone(),
                domain: domain.clone(),
                opset,
                node: name.clone(),
                supported: ops::SUPPORTED_OPS
                    .iter()
                    .map(|(d, o)| format!("{d}:{o}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        let in_types = input_ids[ni]
            .iter()
            .zip(&node.input)
            .map(|(&s, name)| {
                types[s].clone().ok_or_else(|| {
                    node_err(format!(
                        "input `{name}` is not a tensor of a supported element type"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let out_types = op.infer(&in_types).map_err(|e| node_err(e.to_string()))?;
        let mut out_ids = Vec::with_capacity(node.output.len());
        for (k, out) in node.output.iter().enumerate() {
            if out.is_empty() {
                out_ids.push(usize::MAX);
                continue;
            }
            let slot = slots[out];
            types[slot] = out_types.get(k).cloned();
            out_ids.push(slot);
        }
        nodes.push(Node {
            info: OpInfo {
                name,
                op_type: node.op_type.clone(),
                domain,
                opset,
                inputs: node.input.clone(),
                outputs: node.output.clone(),
            },
            op,
            inputs: input_ids[ni].clone(),
            outputs: out_ids,
        });
        protos.push(node);
    }

    let mut outputs = Vec::new();
    let mut output_slots = Vec::new();
    for v in &graph.output {
        let slot = *slots.get(&v.name).ok_or_else(|| OnnxError::UnknownOutput {
            name: v.name.clone(),
        })?;
        let mut info = value_info(v);
        if let Some(t) = &types[slot] {
            info.dtype = Some(t.dtype);
            if let Some(shape) = &t.shape {
                info.shape = Some(
                    shape
                        .iter()
                        .zip(
                            info.shape
                                .iter()
                                .flatten()
                                .map(Some)
                                .chain(std::iter::repeat(None)),
                        )
                        .map(|(d, declared)| match (d, declared) {
                            (Some(n), _) => DimInfo::Fixed(*n),
                            (None, Some(DimInfo::Symbolic(s))) => DimInfo::Symbolic(s.clone()),
                            _ => DimInfo::Unknown,
                        })
                        .collect(),
                );
            }
        }
        outputs.push(info);
        output_slots.push(slot);
    }

    // Every graph input whose first dimension is free carries the batch along axis 0.
    let batched_inputs: Vec<bool> = inputs
        .iter()
        .map(|i| matches!(i.shape.as_deref(), Some([d, ..]) if !matches!(d, DimInfo::Fixed(_))))
        .collect();
    let rows = split::analyse(consts.len(), &input_slots, &batched_inputs, &nodes, &types);
    let split = Some(
        output_slots
            .iter()
            .map(|&s| rows.get(s).copied().unwrap_or(Rows::Mixed))
            .collect::<Vec<_>>(),
    )
    .filter(|out| {
        !batched_inputs.is_empty()
            && batched_inputs.iter().all(|&b| b)
            && out.iter().all(|r| *r != Rows::Mixed)
    });

    infos.extend(nodes.iter().map(|n| n.info.clone()));
    let nodes = fuse::dense_chains(
        nodes,
        &fuse::FuseCtx {
            protos,
            consts: &consts,
            types: &types,
            outputs: &output_slots,
        },
    );

    let slot_count = consts.len();
    let mut last_use = vec![0usize; slot_count];
    for (pos, node) in nodes.iter().enumerate() {
        for &s in &node.inputs {
            last_use[s] = pos;
        }
    }
    for &s in &output_slots {
        last_use[s] = usize::MAX;
    }

    Ok(Graph {
        inputs,
        input_slots,
        outputs,
        output_slots,
        infos,
        nodes,
        consts,
        last_use,
        split,
    })
}
