//! Splitting a batch into chunks of rows without changing any output.
//!
//! At load, [`analyse`] follows the batch through the graph: each value is constant,
//! *batched* (one entry per input row along an axis, each row computed from that row
//! alone), or *mixed*. Every op says how its outputs relate to its inputs
//! (`Op::rows`; the default, "mixed unless every input is constant", is always safe).
//! When every graph output is constant or batched, `Model::run` runs large batches in
//! chunks of rows, so intermediates stay in the cache and are reused instead of being
//! allocated at batch size, and (natively) `Model::run_parallel` runs chunks on threads.
//! The outputs are the chunks' outputs concatenated, bit for bit what an unsplit run
//! gives, because every batched op computes each row from that row only, with the same
//! arithmetic whatever the rows around it.

use super::graph::Node;
use super::ops::ValueType;
use super::tensor::{Tensor, TensorData};

/// How a value depends on the rows of the graph inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rows {
    /// Depends on no graph input.
    Const,
    /// Dimension `axis` has one entry per input row, every dimension before it is 1, and
    /// the entries of a row depend on that row of the inputs alone: the value for a batch
    /// is the concatenation along `axis` (flat, row-major) of the values for its chunks.
    Batched { axis: usize },
    /// Anything else.
    Mixed,
}

impl Rows {
    /// Constant when every input is, otherwise mixed: right for any op.
    pub(crate) fn conservative(inputs: &[Rows]) -> Rows {
        if inputs.iter().all(|r| *r == Rows::Const) {
            Rows::Const
        } else {
            Rows::Mixed
        }
    }

    /// For ops that read their only (first) input as a `[rows, columns]` matrix and
    /// produce one output row per input row: batched along axis 0 of a rank-2 input.
    pub(crate) fn per_matrix_row(inputs: &[Rows], types: &[ValueType]) -> Rows {
        match (inputs.first(), types.first().and_then(|t| t.shape.as_ref())) {
            (Some(Rows::Batched { axis: 0 }), Some(s)) if s.len() == 2 => Rows::Batched { axis: 0 },
            _ => Rows::conservative(inputs),
        }
    }

    /// For ops whose `axis` (normalised against `rank`) runs within a row: the batch must
    /// lie before it.
    pub(crate) fn along_axis(input: Rows, axis: Option<usize>) -> Rows {
        match (input, axis) {
            (Rows::Batched { axis: b }, Some(a)) if a > b => input,
            (Rows::Const, _) => Rows::Const,
            _ => Rows::Mixed,
        }
    }
}

/// Every slot's [`Rows`], given the graph input slots (batched along axis 0 when
/// `batched_inputs` says so) and the compiled nodes in execution order.
pub(crate) fn analyse(
    slot_count: usize,
    input_slots: &[usize],
    batched_inputs: &[bool],
    nodes: &[Node],
    types: &[Option<ValueType>],
) -> Vec<Rows> {
    let mut rows = vec![Rows::Const; slot_count];
    for (&slot, &batched) in input_slots.iter().zip(batched_inputs) {
        rows[slot] = if batched {
            Rows::Batched { axis: 0 }
        } else {
            Rows::Mixed
        };
    }
    for node in nodes {
        let ins: Vec<Rows> = node
            .inputs
            .iter()
            .map(|&s| rows.get(s).copied().unwrap_or(Rows::Mixed))
            .collect();
        let in_types: Option<Vec<ValueType>> = node
            .inputs
            .iter()
            .map(|&s| types.get(s).cloned().flatten())
            .collect();
        let out = match in_types {
            Some(t) => node.op.rows(&ins, &t),
            None => Rows::conservative(&ins),
        };
        for &s in &node.outputs {
            if let Some(r) = rows.get_mut(s) {
                *r = out;
            }
        }
    }
    rows
}

/// The rows `start..end` (along axis 0) of `t`, written into `reuse`'s buffer when given.
pub(crate) fn slice_rows(
    t: &Tensor,
    start: usize,
    end: usize,
    reuse: Option<TensorData>,
) -> Option<Tensor> {
    let (&rows, rest) = t.shape().split_first()?;
    let width = t.len().checked_div(rows).unwrap_or(0);
    let range = start * width..end * width;
    macro_rules! copy {
        ($variant:ident, $v:expr) => {{
            let src = $v.get(range)?;
            let mut buf = match reuse {
                Some(TensorData::$variant(b)) => b,
                _ => Vec::with_capacity(src.len()),
            };
            buf.clear();
            buf.extend_from_slice(src);
            TensorData::$variant(buf)
        }};
    }
    let data = match t.data() {
        TensorData::F32(v) => copy!(F32, v),
        TensorData::F64(v) => copy!(F64, v),
        TensorData::I64(v) => copy!(I64, v),
        TensorData::Str(v) => copy!(Str, v),
    };
    let mut shape = Vec::with_capacity(rest.len() + 1);
    shape.push(end - start);
    shape.extend_from_slice(rest);
    Tensor::new(shape, data).ok()
}

/// Appends `part` to `acc` along `axis`, the batch axis of both (all dimensions before it
/// are 1, so the data concatenates flat). `None` when the shapes or types disagree.
pub(crate) fn append(acc: &mut Tensor, part: Tensor, axis: usize) -> Option<()> {
    let (sa, sp) = (acc.shape(), part.shape());
    if sa.len() != sp.len()
        || axis >= sa.len()
        || sa
            .iter()
            .zip(sp)
            .enumerate()
            .any(|(d, (x, y))| d != axis && x != y)
    {
        return None;
    }
    let mut shape = sa.to_vec();
    shape[axis] += sp[axis];
    let data = std::mem::replace(acc, Tensor::empty()).into_data();
    let data = match (data, part.into_data()) {
        (TensorData::F32(mut a), TensorData::F32(b)) => {
            a.extend_from_slice(&b);
            TensorData::F32(a)
        }
        (TensorData::F64(mut a), TensorData::F64(b)) => {
            a.extend_from_slice(&b);
            TensorData::F64(a)
        }
        (TensorData::I64(mut a), TensorData::I64(b)) => {
            a.extend_from_slice(&b);
            TensorData::I64(a)
        }
        (TensorData::Str(mut a), TensorData::Str(b)) => {
            a.extend(b);
            TensorData::Str(a)
        }
        _ => return None,
    };
    *acc = Tensor::new(shape, data).ok()?;
    Some(())
}

/// Appends one part's outputs (a chunk's, or a thread's) to the outputs so far (`None`
/// before the first part): batched outputs are concatenated along their batch axis,
/// constant ones kept from the first part. `None` when `part` does not fit `plan`.
pub(crate) fn merge(
    acc: &mut Option<Vec<(String, Tensor)>>,
    part: Vec<(String, Tensor)>,
    plan: &[Rows],
) -> Option<()> {
    let Some(outputs) = acc else {
        *acc = Some(part);
        return Some(());
    };
    if outputs.len() != part.len() || part.len() != plan.len() {
        return None;
    }
    for (((_, out), (_, t)), rows) in outputs.iter_mut().zip(part).zip(plan) {
        match rows {
            Rows::Const => {}
            Rows::Batched { axis } => append(out, t, *axis)?,
            Rows::Mixed => return None,
        }
    }
    Some(())
}
