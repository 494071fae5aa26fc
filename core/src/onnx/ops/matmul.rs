//! MatMul (`[..., M, K] x [K, N]`, and 1-D operands) and Gemm, in f32 or f64, and the
//! fused dense layer that the graph builder makes of `MatMul|Gemm → [Add] → [activation]`
//! chains. f32 products run on the blocked kernel in `gemm_kernel` (B packed once at load
//! when it is an initializer); f64 on a plain loop. Either way each output element
//! accumulates its K products in order, in the input precision.

use super::elementwise::UnaryKind;
use super::gemm_kernel::{Addend, Epilogue, PackedB, gemm};
use super::{BuildCtx, Op, Rows, ValueType, expect_inputs};
use crate::onnx::error::OpError;
use crate::onnx::tensor::{DType, Tensor, TensorData, element_count};

/// `out[m, n] = sum_k a[m, k] * b[k, n]` for row-major a (m x k) and b (k x n), f64; the
/// i-k-j loop order streams rows of `b`, so the inner loop vectorises.
fn gemm_f64(a: &[f64], b: &[f64], m: usize, k: usize, n: usize) -> Vec<f64> {
    let mut out = vec![0.0; m * n];
    for (arow, orow) in a
        .chunks_exact(k.max(1))
        .take(m)
        .zip(out.chunks_exact_mut(n.max(1)))
    {
        for (p, &av) in arow.iter().enumerate() {
            let brow = &b[p * n..(p + 1) * n];
            for (o, &bv) in orow.iter_mut().zip(brow) {
                *o += av * bv;
            }
        }
    }
    out
}

fn transpose<T: Copy>(x: &[T], rows: usize, cols: usize) -> Vec<T> {
    let mut out = Vec::with_capacity(x.len());
    for c in 0..cols {
        out.extend((0..rows).map(|r| x[r * cols + c]));
    }
    out
}

/// `out = epilogue(A · B)` in f32, with B packed at load (`packed`) or now from `b`.
fn gemm_f32(
    a: &[f32],
    m: usize,
    b: &[f32],
    (k, n, trans_b): (usize, usize, bool),
    packed: Option<&PackedB>,
    epilogue: &Epilogue<'_>,
) -> Vec<f32> {
    let fresh;
    let packed = match packed.filter(|p| p.k() == k && p.n() == n) {
        Some(p) => p,
        None => {
            fresh = PackedB::pack(b, k, n, trans_b);
            &fresh
        }
    };
    let mut out = vec![0.0f32; m * n];
    gemm(a, m, packed, &mut out, epilogue);
    out
}

/// B packed at load, when input `index` is an f32 2-D initializer.
fn pack_const(ctx: &BuildCtx<'_>, index: usize, trans_b: bool) -> Option<PackedB> {
    let t = ctx.consts.get(index).copied().flatten()?;
    let (&[r, c], Some(data)) = (t.shape(), t.as_f32()) else {
        return None;
    };
    let (k, n) = if trans_b { (c, r) } else { (r, c) };
    Some(PackedB::pack(data, k, n, trans_b))
}

/// MatMul's second operand: `[k, n]` or a vector `[k]` (then `n` is `None`).
fn second_operand(sb: &[usize]) -> Result<(usize, Option<usize>), OpError> {
    match sb {
        [k, n] => Ok((*k, Some(*n))),
        [k] => Ok((*k, None)),
        _ => Err(OpError::Unsupported(format!(
            "MatMul with a second operand of shape {sb:?} (only 1-D or 2-D)"
        ))),
    }
}

/// MatMul's output shape: A's shape with its last dimension replaced by N (or dropped
/// when B is 1-D), after checking the inner dimensions.
fn matmul_shape(sa: &[usize], k: usize, n: Option<usize>) -> Result<Vec<usize>, OpError> {
    let ka = sa.last().copied().unwrap_or(0);
    if ka != k {
        return Err(OpError::shape(format!(
            "MatMul of shapes {sa:?} and [{k}, ..]: inner dimensions {ka} and {k} differ"
        )));
    }
    let mut shape = sa.to_vec();
    match n {
        Some(n) => {
            if let Some(l) = shape.last_mut() {
                *l = n;
            }
        }
        None => {
            shape.pop();
        }
    }
    element_count(&shape)?;
    Ok(shape)
}

/// Rows of A as a matrix: the product of all dimensions but the last (1 for a vector).
fn rows_of(sa: &[usize]) -> usize {
    sa.split_last().map_or(1, |(_, lead)| lead.iter().product())
}

#[derive(Debug)]
pub(crate) struct MatMul {
    packed: Option<PackedB>,
}

impl MatMul {
    pub(crate) fn build(ctx: &BuildCtx<'_>) -> Self {
        Self {
            packed: pack_const(ctx, 1, false),
        }
    }
}

impl Op for MatMul {
    #[cfg(feature = "gpu")]
    fn as_gpu(&self) -> Option<super::GpuOp<'_>> {
        Some(super::GpuOp::MatMul(self))
    }

    /// Batched A (the batch before its last axis) times a constant B: row by row.
    fn rows(&self, inputs: &[Rows], types: &[ValueType]) -> Rows {
        let rank = types.first().and_then(|t| t.shape.as_ref()).map(Vec::len);
        match inputs {
            [Rows::Batched { axis }, Rows::Const] if rank.is_some_and(|r| axis + 1 < r) => {
                inputs[0]
            }
            _ => Rows::conservative(inputs),
        }
    }

    fn infer(&self, inputs: &[ValueType]) -> Result<Vec<ValueType>, OpError> {
        expect_inputs(inputs, 2, 2)?;
        let (a, b) = (&inputs[0], &inputs[1]);
        if a.dtype != b.dtype || !matches!(a.dtype, DType::F32 | DType::F64) {
            return Err(OpError::InputType {
                index: 1,
                expected: format!("{} (float, same as input 0)", a.dtype),
                found: b.dtype,
            });
        }
        let shape = match (&a.shape, &b.shape) {
            (Some(sa), Some(sb)) if sb.len() == 2 && !sa.is_empty() => {
                if let (Some(Some(ka)), Some(kb)) = (sa.last(), sb[0])
                    && *ka != kb
                {
                    return Err(OpError::shape(format!(
                        "inner dimensions differ: {ka} and {kb}"
                    )));
                }
                let mut s = sa.clone();
                if let Some(l) = s.last_mut() {
                    *l = sb[1];
                }
                Some(s)
            }
            _ => None,
        };
        Ok(vec![ValueType::new(a.dtype, shape)])
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(inputs, 2, 2)?;
        let (a, b) = (inputs[0], inputs[1]);
        let (sa, sb) = (a.shape(), b.shape());
        let (k, n) = second_operand(sb)?;
        let shape = matmul_shape(sa, k, n)?;
        let m = rows_of(sa);
        let n = n.unwrap_or(1);
        let data = match (a.data(), b.data()) {
            (TensorData::F32(x), TensorData::F32(y)) => TensorData::F32(gemm_f32(
                x,
                m,
                y,
                (k, n, false),
                self.packed.as_ref(),
                &Epilogue::NONE,
            )),
            (TensorData::F64(x), TensorData::F64(y)) => TensorData::F64(gemm_f64(x, y, m, k, n)),
            (x, y) => {
                return Err(OpError::InputType {
                    index: 1,
                    expected: format!("{} (float, same as input 0)", x.dtype()),
                    found: y.dtype(),
                });
            }
        };
        Ok(vec![Tensor::from_parts(shape, data)?])
    }
}

#[derive(Debug)]
pub(crate) struct Gemm {
    alpha: f32,
    beta: f32,
    trans_a: bool,
    trans_b: bool,
    packed: Option<PackedB>,
}

impl Gemm {
    pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Self, OpError> {
        let a = &ctx.attrs;
        let trans_b = a.i64_or("transB", 0) != 0;
        Ok(Self {
            alpha: a.f32_or("alpha", 1.0),
            beta: a.f32_or("beta", 1.0),
            trans_a: a.i64_or("transA", 0) != 0,
            trans_b,
            packed: pack_const(ctx, 1, trans_b),
        })
    }

    /// (M, K, N) from the shapes of A and B, checked.
    fn dims(&self, sa: &[usize], sb: &[usize]) -> Result<(usize, usize, usize), OpError> {
        let (&[ar, ac], &[br, bc]) = (sa, sb) else {
            return Err(OpError::shape("Gemm needs 2-D A and B"));
        };
        let (m, k) = if self.trans_a { (ac, ar) } else { (ar, ac) };
        let (kb, n) = if self.trans_b { (bc, br) } else { (br, bc) };
        if k != kb {
            return Err(OpError::shape(format!(
                "inner dimensions {k} and {kb} differ"
            )));
        }
        element_count(&[m, n])?;
        Ok((m, k, n))
    }
}

/// C of shape `shape` as an addend broadcast to `[m, n]`, or an error naming the shapes.
fn addend<'a>(
    data: &'a [f32],
    shape: &[usize],
    beta: f32,
    m: usize,
    n: usize,
) -> Result<Addend<'a>, OpError> {
    let (rows, cols) = match shape {
        [] => (1, 1),
        [x] => (1, *x),
        [r, x] => (*r, *x),
        s => {
            return Err(OpError::shape(format!(
                "C of shape {s:?} is not broadcastable to [{m}, {n}]"
            )));
        }
    };
    if !(rows == 1 || rows == m) || !(cols == 1 || cols == n) {
        return Err(OpError::shape(format!(
            "C of shape {shape:?} is not broadcastable to [{m}, {n}]"
        )));
    }
    Ok(Addend {
        data,
        rows,
        cols,
        beta,
    })
}

impl Op for Gemm {
    #[cfg(feature = "gpu")]
    fn as_gpu(&self) -> Option<super::GpuOp<'_>> {
        Some(super::GpuOp::Gemm(self))
    }

    /// Batched A (not transposed) times a constant B, plus a constant C that is the same
    /// for every row.
    fn rows(&self, inputs: &[Rows], types: &[ValueType]) -> Rows {
        let c_per_row = types.get(2).is_some_and(|c| {
            c.shape
                .as_ref()
                .is_none_or(|s| s.len() == 2 && s[0] != Some(1))
        });
        match inputs {
            [Rows::Batched { axis: 0 }, Rows::Const, rest @ ..]
                if !self.trans_a && rest.iter().all(|r| *r == Rows::Const) && !c_per_row =>
            {
                inputs[0]
            }
            _ => Rows::conservative(inputs),
        }
    }

    fn infer(&self, inputs: &[ValueType]) -> Result<Vec<ValueType>, OpError> {
        expect_inputs(inputs, 2, 3)?;
        if inputs.iter().any(|t| t.dtype != DType::F32) {
            return Err(OpError::Unsupported(
                "Gemm is supported for float32 inputs only".into(),
            ));
        }
        let dim =
            |t: &ValueType, i: usize| t.shape.as_ref().and_then(|s| s.get(i).copied().flatten());
        let m = dim(&inputs[0], usize::from(self.trans_a));
        let n = dim(&inputs[1], usize::from(!self.trans_b));
        Ok(vec![ValueType::new(DType::F32, Some(vec![m, n]))])
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(inputs, 2, 3)?;
        let f = |i: usize| super::f32_input(inputs[i], i);
        let (a, b) = (f(0)?, f(1)?);
        let (m, k, n) = self.dims(inputs[0].shape(), inputs[1].shape())?;
        let a_t;
        let a = if self.trans_a {
            a_t = transpose(a, k, m);
            &a_t
        } else {
            a
        };
        let c = match inputs.get(2) {
            Some(c) => Some(addend(f(2)?, c.shape(), self.beta, m, n)?),
            None => None,
        };
        let epilogue = Epilogue {
            alpha: self.alpha,
            addend: c,
            activation: None,
        };
        let out = gemm_f32(
            a,
            m,
            b,
            (k, n, self.trans_b),
            self.packed.as_ref(),
            &epilogue,
        );
        Ok(vec![Tensor::from_parts(vec![m, n], TensorData::F32(out))?])
    }
}

/// A lone MatMul/Gemm as the GPU engine runs it (`gpu::linear::product`): the CPU op's
/// checks done, B transposed to `n × k`.
#[cfg(feature = "gpu")]
pub(crate) struct Product<'t> {
    pub a: std::borrow::Cow<'t, [f32]>,
    pub w: Vec<f32>,
    pub m: usize,
    pub k: usize,
    pub n: usize,
    pub alpha: f32,
    pub c: Option<Addend<'t>>,
    pub shape: Vec<usize>,
}

#[cfg(feature = "gpu")]
impl MatMul {
    /// The product's operands after the CPU op's checks; `None` for f64 (CPU only).
    pub(crate) fn product<'t>(
        &self,
        inputs: &[&'t Tensor],
    ) -> Result<Option<Product<'t>>, OpError> {
        expect_inputs(inputs, 2, 2)?;
        let (a, b) = (inputs[0], inputs[1]);
        let (Some(x), Some(y)) = (a.as_f32(), b.as_f32()) else {
            return Ok(None);
        };
        let (sa, sb) = (a.shape(), b.shape());
        let (k, n) = second_operand(sb)?;
        let shape = matmul_shape(sa, k, n)?;
        let n = n.unwrap_or(1);
        Ok(Some(Product {
            a: std::borrow::Cow::Borrowed(x),
            w: transpose(y, k, n),
            m: rows_of(sa),
            k,
            n,
            alpha: 1.0,
            c: None,
            shape,
        }))
    }
}

#[cfg(feature = "gpu")]
impl Gemm {
    /// The product's operands after the CPU op's checks.
    pub(crate) fn product<'t>(
        &self,
        inputs: &[&'t Tensor],
    ) -> Result<Option<Product<'t>>, OpError> {
        expect_inputs(inputs, 2, 3)?;
        let f = |i: usize| super::f32_input(inputs[i], i);
        let (a, b) = (f(0)?, f(1)?);
        let (m, k, n) = self.dims(inputs[0].shape(), inputs[1].shape())?;
        let a = if self.trans_a {
            std::borrow::Cow::Owned(transpose(a, k, m))
        } else {
            std::borrow::Cow::Borrowed(a)
        };
        let c = match inputs.get(2) {
            Some(c) => Some(addend(f(2)?, c.shape(), self.beta, m, n)?),
            None => None,
        };
        let w = if self.trans_b {
            b.to_vec()
        } else {
            transpose(b, k, n)
        };
        Ok(Some(Product {
            a,
            w,
            m,
            k,
            n,
            alpha: self.alpha,
            c,
            shape: vec![m, n],
        }))
    }
}

/// How a [`FusedDense`] shapes its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DenseShape {
    /// MatMul: A's shape with the last dimension replaced by N.
    MatMul,
    /// Gemm: `[M, N]`, A transposed first when `trans_a`.
    Gemm { trans_a: bool },
}

/// A constant addend: a Gemm's C, or the constant of an Add that follows the product.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ConstAddend {
    pub data: Vec<f32>,
    pub shape: Vec<usize>,
    pub beta: f32,
}

/// `activation(alpha · (A · B) + beta · C)` as one op: a MatMul or Gemm whose B (and C) are
/// initializers, with the Add of a constant row vector and the Relu/Sigmoid/Tanh that
/// followed it in the graph. Built by the graph builder; takes A as its only input and
/// computes exactly what the unfused nodes would (see `gemm_kernel`).
#[derive(Debug)]
pub(crate) struct FusedDense {
    pub packed: PackedB,
    pub shape: DenseShape,
    pub alpha: f32,
    pub addend: Option<ConstAddend>,
    pub activation: Option<UnaryKind>,
}

impl FusedDense {
    /// Builds the fused op for a MatMul/Gemm node's context, with `add` (the other operand
    /// of a following Add) and `activation`. `None` when B (or Gemm's C) is not an f32
    /// initializer, or when both Gemm's C and an Add are present.
    pub(crate) fn build(
        op_type: &str,
        ctx: &BuildCtx<'_>,
        add: Option<&Tensor>,
        activation: Option<UnaryKind>,
    ) -> Option<Self> {
        let const_addend = |t: &Tensor, beta: f32| {
            t.as_f32().map(|d| ConstAddend {
                data: d.to_vec(),
                shape: t.shape().to_vec(),
                beta,
            })
        };
        let add = match add {
            Some(t) => Some(const_addend(t, 1.0)?),
            None => None,
        };
        match op_type {
            "MatMul" => Some(Self {
                packed: pack_const(ctx, 1, false)?,
                shape: DenseShape::MatMul,
                alpha: 1.0,
                addend: add,
                activation,
            }),
            "Gemm" => {
                let g = Gemm::build(ctx).ok()?;
                let c = match ctx.consts.get(2) {
                    None => None,
                    Some(c) => Some(const_addend((*c)?, g.beta)?),
                };
                let addend = match (c, add) {
                    (Some(_), Some(_)) => return None,
                    (c, add) => c.or(add),
                };
                Some(Self {
                    packed: g.packed?,
                    shape: DenseShape::Gemm { trans_a: g.trans_a },
                    alpha: g.alpha,
                    addend,
                    activation,
                })
            }
            _ => None,
        }
    }
}

impl Op for FusedDense {
    /// As MatMul / Gemm: batched A, with an addend that is the same for every row.
    fn rows(&self, inputs: &[Rows], types: &[ValueType]) -> Rows {
        let rank = types.first().and_then(|t| t.shape.as_ref()).map(Vec::len);
        let addend_per_row = self
            .addend
            .as_ref()
            .is_some_and(|c| c.shape.len() == 2 && c.shape[0] != 1);
        match (inputs, self.shape) {
            ([Rows::Batched { axis }], DenseShape::MatMul)
                if rank.is_some_and(|r| axis + 1 < r) && !addend_per_row =>
            {
                inputs[0]
            }
            ([Rows::Batched { axis: 0 }], DenseShape::Gemm { trans_a: false })
                if !addend_per_row =>
            {
                inputs[0]
            }
            _ => Rows::conservative(inputs),
        }
    }

    fn infer(&self, inputs: &[ValueType]) -> Result<Vec<ValueType>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        let n = Some(self.packed.n());
        let shape = inputs[0].shape.as_ref().map(|s| match self.shape {
            DenseShape::MatMul => {
                let mut s = s.clone();
                if let Some(l) = s.last_mut() {
                    *l = n;
                }
                s
            }
            DenseShape::Gemm { trans_a } => {
                vec![s.get(usize::from(trans_a)).copied().flatten(), n]
            }
        });
        Ok(vec![ValueType::new(DType::F32, shape)])
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        let a = super::f32_input(inputs[0], 0)?;
        let (k, n) = (self.packed.k(), self.packed.n());
        let (shape, m, a_t) = match self.shape {
            DenseShape::MatMul => {
                let shape = matmul_shape(inputs[0].shape(), k, Some(n))?;
                (shape, rows_of(inputs[0].shape()), None)
            }
            DenseShape::Gemm { trans_a } => {
                let &[ar, ac] = inputs[0].shape() else {
                    return Err(OpError::shape("Gemm needs 2-D A and B"));
                };
                let (m, ka) = if trans_a { (ac, ar) } else { (ar, ac) };
                if ka != k {
                    return Err(OpError::shape(format!(
                        "inner dimensions {ka} and {k} differ"
                    )));
                }
                element_count(&[m, n])?;
                (vec![m, n], m, trans_a.then(|| transpose(a, k, m)))
            }
        };
        let addend = match &self.addend {
            Some(c) => Some(addend(&c.data, &c.shape, c.beta, m, n)?),
            None => None,
        };
        let epilogue = Epilogue {
            alpha: self.alpha,
            addend,
            activation: self.activation,
        };
        let mut out = vec![0.0f32; m * n];
        gemm(
            a_t.as_deref().unwrap_or(a),
            m,
            &self.packed,
            &mut out,
            &epilogue,
        );
        Ok(vec![Tensor::from_parts(shape, TensorData::F32(out))?])
    }
}
