//! Load-time fusion of dense layers: `MatMul|Gemm → [Add constant] → [Relu|Sigmoid|Tanh]`
//! becomes one [`FusedDense`] node that computes the bias and the activation on each tile
//! of the product while it is still in registers, instead of three passes over the batch.
//! Fused layers that feed only each other (an MLP) then become one [`DenseStack`], which
//! keeps the activations between layers in the kernel's own layout.
//!
//! A node is absorbed only when the value it reads is read by nothing else and is not a
//! graph output, so no observable value disappears. The fused op computes every element
//! with the same f32 operations in the same order as the unfused nodes (see
//! `ops::gemm_kernel`), so fusion changes no output bit; `Model::ops` still lists the
//! nodes as the model declares them.

use super::attrs::Attrs;
use super::graph::Node;
use super::ops::dense_stack::DenseStack;
use super::ops::elementwise::UnaryKind;
use super::ops::matmul::FusedDense;
use super::ops::{BuildCtx, Op, ValueType};
use super::proto::NodeProto;
use super::tensor::{DType, Tensor};

/// What the pass needs to know about the graph around the nodes.
pub(crate) struct FuseCtx<'a> {
    /// The proto of each compiled node (same order as the nodes).
    pub protos: Vec<&'a NodeProto>,
    /// Constant values by slot (initializers).
    pub consts: &'a [Option<Tensor>],
    /// Inferred types by slot.
    pub types: &'a [Option<ValueType>],
    /// Slots that are graph outputs.
    pub outputs: &'a [usize],
}

fn activation(op_type: &str) -> Option<UnaryKind> {
    match op_type {
        "Relu" => Some(UnaryKind::Relu),
        "Sigmoid" => Some(UnaryKind::Sigmoid),
        "Tanh" => Some(UnaryKind::Tanh),
        _ => None,
    }
}

/// Whether a constant of shape `bias` added to a value of shape `out` (last dimension `n`)
/// is a row vector broadcast that leaves the shape unchanged.
fn is_row_bias(bias: &[usize], out: &[Option<usize>], n: usize) -> bool {
    let Some((&last, lead)) = bias.split_last() else {
        return true; // a scalar
    };
    bias.len() <= out.len() && lead.iter().all(|&d| d == 1) && (last == 1 || last == n)
}

/// A node's new op, with its input and output slots.
type Replacement = (Box<dyn Op>, usize, usize);

/// Fuses dense chains in `nodes` (topological order); returns the nodes left to run.
pub(crate) fn dense_chains(nodes: Vec<Node>, ctx: &FuseCtx<'_>) -> Vec<Node> {
    let slot_count = ctx.consts.len();
    let mut readers: Vec<Vec<usize>> = vec![Vec::new(); slot_count];
    for (pos, node) in nodes.iter().enumerate() {
        for &s in &node.inputs {
            if let Some(r) = readers.get_mut(s) {
                r.push(pos);
            }
        }
    }
    // The node that alone reads `slot`, when the slot is not a graph output.
    let sole_reader = |slot: usize| match readers.get(slot).map(Vec::as_slice) {
        Some(&[pos]) if !ctx.outputs.contains(&slot) => Some(pos),
        _ => None,
    };
    let is_onnx = |n: &Node, op: &str| n.info.domain == "ai.onnx" && n.info.op_type == op;

    let mut absorbed = vec![false; nodes.len()];
    let mut replaced: Vec<Option<(FusedDense, usize, usize)>> =
        (0..nodes.len()).map(|_| None).collect();
    for (pos, head) in nodes.iter().enumerate() {
        if absorbed[pos] || !(is_onnx(head, "MatMul") || is_onnx(head, "Gemm")) {
            continue;
        }
        let (Some(&a_slot), Some(&head_out)) = (head.inputs.first(), head.outputs.first()) else {
            continue;
        };
        let Some(out_type) = ctx.types.get(head_out).and_then(Option::as_ref) else {
            continue;
        };
        let (Some(out_shape), Some(&Some(n))) = (
            out_type.shape.as_ref(),
            out_type.shape.as_ref().and_then(|s| s.last()),
        ) else {
            continue;
        };
        if out_type.dtype != DType::F32 {
            continue;
        }
        let has_c = head.inputs.len() > 2;
        let mut chain_out = head_out;
        let mut chain = Vec::new();
        let mut add = None;
        if let Some(next) = sole_reader(chain_out).filter(|&p| p > pos)
            && is_onnx(&nodes[next], "Add")
            && !has_c
            && let [x, y] = nodes[next].inputs.as_slice()
        {
            let other = if *x == chain_out { *y } else { *x };
            if let Some(Some(t)) = ctx.consts.get(other)
                && other != chain_out
                && t.dtype() == DType::F32
                && is_row_bias(t.shape(), out_shape, n)
            {
                add = Some(t);
                chain.push(next);
                chain_out = nodes[next].outputs.first().copied().unwrap_or(usize::MAX);
            }
        }
        let mut act = None;
        if let Some(next) = sole_reader(chain_out).filter(|&p| p > pos)
            && nodes[next].info.domain == "ai.onnx"
            && let Some(kind) = activation(&nodes[next].info.op_type)
        {
            act = Some(kind);
            chain.push(next);
            chain_out = nodes[next].outputs.first().copied().unwrap_or(usize::MAX);
        }
        if chain.is_empty() || chain_out == usize::MAX {
            continue;
        }
        let proto = ctx.protos[pos];
        let build = BuildCtx {
            attrs: Attrs::new(&proto.attribute),
            opset: head.info.opset,
            consts: head
                .inputs
                .iter()
                .map(|&s| ctx.consts.get(s).and_then(Option::as_ref))
                .collect(),
        };
        if let Some(fused) = FusedDense::build(&head.info.op_type, &build, add, act) {
            for &c in &chain {
                absorbed[c] = true;
            }
            replaced[pos] = Some((fused, a_slot, chain_out));
        }
    }

    // Stacks: a fused layer whose output only the next fused layer reads, starting from a
    // 2-D input, runs with its successors as one `DenseStack`.
    let mut ops: Vec<Option<Replacement>> = (0..nodes.len()).map(|_| None).collect();
    let next_layer = |pos: usize, replaced: &[Option<(FusedDense, usize, usize)>]| {
        let (_, _, out) = replaced.get(pos)?.as_ref()?;
        let next = sole_reader(*out)?;
        match replaced.get(next)? {
            Some((_, a, _)) if a == out && next > pos => Some(next),
            _ => None,
        }
    };
    let mut in_stack = vec![false; nodes.len()];
    for pos in 0..nodes.len() {
        let Some((_, a_slot, _)) = replaced[pos].as_ref() else {
            continue;
        };
        let two_d = ctx
            .types
            .get(*a_slot)
            .and_then(Option::as_ref)
            .and_then(|t| t.shape.as_ref())
            .is_some_and(|s| s.len() == 2);
        if in_stack[pos] || !two_d {
            continue;
        }
        let mut chain = vec![pos];
        while let Some(next) = chain.last().and_then(|&p| next_layer(p, &replaced)) {
            chain.push(next);
        }
        let layers: Vec<&FusedDense> = chain
            .iter()
            .filter_map(|&p| replaced[p].as_ref().map(|(f, _, _)| f))
            .collect();
        if let Some(stack) = DenseStack::new(&layers)
            && let (Some(&last), Some((_, a, _))) = (chain.last(), replaced[pos].as_ref())
            && let Some((_, _, out)) = replaced[last].as_ref()
        {
            ops[pos] = Some((Box::new(stack), *a, *out));
            for &p in &chain {
                in_stack[p] = true;
            }
            for &p in &chain[1..] {
                absorbed[p] = true;
            }
        }
    }
    for (pos, r) in replaced.into_iter().enumerate() {
        if let Some((fused, a, out)) = r
            && !in_stack[pos]
        {
            ops[pos] = Some((Box::new(fused), a, out));
        }
    }

    nodes
        .into_iter()
        .zip(ops)
        .zip(absorbed)
        .filter(|(_, gone)| !gone)
        .map(|((mut node, fused), _)| {
            if let Some((op, a, out)) = fused {
                node.op = op;
                node.inputs = vec![a];
                node.outputs = vec![out];
            }
            node
        })
        .collect()
}
