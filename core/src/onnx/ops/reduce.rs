//! Softmax (opset < 13: over the flattened dims from `axis`; opset >= 13: along `axis`)
//! and ArgMax (int64 indices; first maximum unless `select_last_index`).

use super::{BuildCtx, Op, Rows, ValueType, expect_inputs, known_axis, norm_axis};
use crate::onnx::error::OpError;
use crate::onnx::tensor::{DType, Tensor, TensorData};

#[derive(Debug)]
pub(crate) struct Softmax {
    axis: i64,
    legacy: bool,
}

impl Softmax {
    pub(crate) fn build(ctx: &BuildCtx<'_>) -> Self {
        let legacy = ctx.opset < 13;
        Self {
            axis: ctx.attrs.i64_or("axis", if legacy { 1 } else { -1 }),
            legacy,
        }
    }
}

/// Softmax of `n` values spaced `stride` apart starting at `start`, in f32 or f64, with
/// `$exp` from the `libm` crate (the same bits on wasm32 and native).
macro_rules! softmax_strided {
    ($v:expr, $start:expr, $n:expr, $stride:expr, $t:ty, $exp:path) => {{
        let v = $v;
        let mut max = <$t>::NEG_INFINITY;
        for i in 0..$n {
            max = max.max(v[$start + i * $stride]);
        }
        let mut sum: $t = 0.0;
        for i in 0..$n {
            let e = $exp(v[$start + i * $stride] - max);
            v[$start + i * $stride] = e;
            sum += e;
        }
        for i in 0..$n {
            v[$start + i * $stride] /= sum;
        }
    }};
}

impl Op for Softmax {
    /// Batched when the softmax runs within rows (its axis after the batch axis).
    fn rows(&self, inputs: &[Rows], types: &[ValueType]) -> Rows {
        let input = inputs.first().copied().unwrap_or(Rows::Mixed);
        Rows::along_axis(input, known_axis(self.axis, types.first()))
    }

    fn infer(&self, inputs: &[ValueType]) -> Result<Vec<ValueType>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        if !matches!(inputs[0].dtype, DType::F32 | DType::F64) {
            return Err(OpError::InputType {
                index: 0,
                expected: "float32 or float64".into(),
                found: inputs[0].dtype,
            });
        }
        if let Some(s) = &inputs[0].shape {
            norm_axis(self.axis, s.len())?;
        }
        Ok(vec![inputs[0].clone()])
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        let x = inputs[0];
        let shape = x.shape();
        let axis = norm_axis(self.axis, shape.len())?;
        let outer: usize = shape[..axis].iter().product();
        // (elements per softmax, stride between them, contiguous blocks after the axis)
        let (n, inner) = if self.legacy {
            (shape[axis..].iter().product::<usize>(), 1)
        } else {
            (
                shape.get(axis).copied().unwrap_or(1),
                shape
                    .get(axis + 1..)
                    .map_or(1, |s| s.iter().product::<usize>()),
            )
        };
        let mut data = x.data().clone();
        for o in 0..outer {
            for i in 0..inner {
                let start = o * n * inner + i;
                match &mut data {
                    TensorData::F32(v) => softmax_strided!(v, start, n, inner, f32, libm::expf),
                    TensorData::F64(v) => softmax_strided!(v, start, n, inner, f64, libm::exp),
                    other => {
                        return Err(OpError::InputType {
                            index: 0,
                            expected: "float32 or float64".into(),
                            found: other.dtype(),
                        });
                    }
                }
            }
        }
        Ok(vec![Tensor::from_parts(shape.to_vec(), data)?])
    }
}

#[derive(Debug)]
pub(crate) struct ArgMax {
    axis: i64,
    keepdims: bool,
    last: bool,
}

impl ArgMax {
    pub(crate) fn build(ctx: &BuildCtx<'_>) -> Self {
        Self {
            axis: ctx.attrs.i64_or("axis", 0),
            keepdims: ctx.attrs.i64_or("keepdims", 1) != 0,
            last: ctx.attrs.i64_or("select_last_index", 0) != 0,
        }
    }

    fn out_shape<T: Clone>(&self, shape: &[T], axis: usize, one: T) -> Vec<T> {
        let mut s = shape.to_vec();
        if self.keepdims {
            s[axis] = one;
        } else {
            s.remove(axis);
        }
        s
    }
}

fn argmax<T: Copy + PartialOrd>(
    v: &[T],
    outer: usize,
    n: usize,
    inner: usize,
    last: bool,
) -> Vec<i64> {
    let mut out = Vec::with_capacity(outer * inner);
    for o in 0..outer {
        for i in 0..inner {
            let mut best = 0usize;
            for j in 1..n {
                let (a, b) = (v[(o * n + j) * inner + i], v[(o * n + best) * inner + i]);
                if a > b || (last && a == b) {
                    best = j;
                }
            }
            out.push(best as i64);
        }
    }
    out
}

impl Op for ArgMax {
    /// Batched when the reduction runs within rows (its axis after the batch axis).
    fn rows(&self, inputs: &[Rows], types: &[ValueType]) -> Rows {
        let input = inputs.first().copied().unwrap_or(Rows::Mixed);
        Rows::along_axis(input, known_axis(self.axis, types.first()))
    }

    fn infer(&self, inputs: &[ValueType]) -> Result<Vec<ValueType>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        if inputs[0].dtype == DType::Str {
            return Err(OpError::InputType {
                index: 0,
                expected: "a number".into(),
                found: DType::Str,
            });
        }
        let shape = match &inputs[0].shape {
            Some(s) if s.is_empty() => Some(Vec::new()),
            Some(s) => Some(self.out_shape(s, norm_axis(self.axis, s.len())?, Some(1))),
            None => None,
        };
        Ok(vec![ValueType::new(DType::I64, shape)])
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        let x = inputs[0];
        let shape = x.shape();
        let axis = norm_axis(self.axis, shape.len())?;
        let n = shape.get(axis).copied().unwrap_or(1);
        if n == 0 {
            return Err(OpError::shape("ArgMax over an empty axis"));
        }
        let outer: usize = shape[..axis].iter().product();
        let inner: usize = shape.get(axis + 1..).map_or(1, |s| s.iter().product());
        let out = match x.data() {
            TensorData::F32(v) => argmax(v, outer, n, inner, self.last),
            TensorData::F64(v) => argmax(v, outer, n, inner, self.last),
            TensorData::I64(v) => argmax(v, outer, n, inner, self.last),
            TensorData::Str(_) => {
                return Err(OpError::InputType {
                    index: 0,
                    expected: "a number".into(),
                    found: DType::Str,
                });
            }
        };
        let out_shape = if shape.is_empty() {
            vec![]
        } else {
            self.out_shape(shape, axis, 1)
        };
        Ok(vec![Tensor::from_parts(out_shape, TensorData::I64(out))?])
    }
}
