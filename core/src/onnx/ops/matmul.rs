//! MatMul (`[..., M, K] x [K, N]`, and 1-D operands) and Gemm, in f32 or f64. Each output
//! element accumulates its K products in order, in the input precision.

use super::{BuildCtx, Op, ValueType, expect_inputs};
use crate::onnx::error::OpError;
use crate::onnx::tensor::{DType, Tensor, TensorData, element_count};

/// `out[m, n] = sum_k a[m, k] * b[k, n]` for row-major a (m x k) and b (k x n); the i-k-j
/// loop order streams rows of `b`, so the inner loop vectorises.
fn gemm_rows<T: Copy + Default + std::ops::Add<Output = T> + std::ops::Mul<Output = T>>(
    a: &[T],
    b: &[T],
    m: usize,
    k: usize,
    n: usize,
) -> Vec<T> {
    let mut out = vec![T::default(); m * n];
    for (arow, orow) in a
        .chunks_exact(k.max(1))
        .take(m)
        .zip(out.chunks_exact_mut(n.max(1)))
    {
        for (p, &av) in arow.iter().enumerate() {
            let brow = &b[p * n..(p + 1) * n];
            for (o, &bv) in orow.iter_mut().zip(brow) {
                *o = *o + av * bv;
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

#[derive(Debug)]
pub(crate) struct MatMul;

impl Op for MatMul {
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
        let (k, n) = match sb {
            [k, n] => (*k, *n),
            [k] => (*k, 1),
            _ => {
                return Err(OpError::Unsupported(format!(
                    "MatMul with a second operand of shape {sb:?} (only 1-D or 2-D)"
                )));
            }
        };
        let ka = sa.last().copied().unwrap_or(0);
        if ka != k {
            return Err(OpError::shape(format!(
                "MatMul of shapes {sa:?} and {sb:?}: inner dimensions {ka} and {k} differ"
            )));
        }
        let m = a.len().checked_div(k).unwrap_or(0);
        let mut shape = sa.to_vec();
        if sb.len() == 2 {
            if let Some(l) = shape.last_mut() {
                *l = n;
            }
        } else {
            shape.pop();
        }
        element_count(&shape)?;
        let data = match (a.data(), b.data()) {
            (TensorData::F32(x), TensorData::F32(y)) => TensorData::F32(gemm_rows(x, y, m, k, n)),
            (TensorData::F64(x), TensorData::F64(y)) => TensorData::F64(gemm_rows(x, y, m, k, n)),
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
}

impl Gemm {
    pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Self, OpError> {
        let a = &ctx.attrs;
        Ok(Self {
            alpha: a.f32_or("alpha", 1.0),
            beta: a.f32_or("beta", 1.0),
            trans_a: a.i64_or("transA", 0) != 0,
            trans_b: a.i64_or("transB", 0) != 0,
        })
    }
}

impl Op for Gemm {
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
        let (&[ar, ac], &[br, bc]) = (inputs[0].shape(), inputs[1].shape()) else {
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
        let a = if self.trans_a {
            transpose(a, ar, ac)
        } else {
            a.to_vec()
        };
        let b = if self.trans_b {
            transpose(b, br, bc)
        } else {
            b.to_vec()
        };
        let mut out = gemm_rows(&a, &b, m, k, n);
        if self.alpha != 1.0 {
            out.iter_mut().for_each(|v| *v *= self.alpha);
        }
        if let Some(c) = inputs.get(2) {
            let cd = f(2)?;
            let (cr, cc) = match c.shape() {
                [] => (1, 1),
                [x] => (1, *x),
                [r, x] => (*r, *x),
                s => {
                    return Err(OpError::shape(format!(
                        "C of shape {s:?} is not broadcastable to [{m}, {n}]"
                    )));
                }
            };
            if !(cr == 1 || cr == m) || !(cc == 1 || cc == n) {
                return Err(OpError::shape(format!(
                    "C of shape {:?} is not broadcastable to [{m}, {n}]",
                    c.shape()
                )));
            }
            for i in 0..m {
                for j in 0..n {
                    let cv = cd[(if cr == 1 { 0 } else { i }) * cc + if cc == 1 { 0 } else { j }];
                    out[i * n + j] += self.beta * cv;
                }
            }
        }
        Ok(vec![Tensor::from_parts(vec![m, n], TensorData::F32(out))?])
    }
}
