//! `ai.onnx.ml` OneHotEncoder: appends a dimension of size `len(cats)` holding a 1.0 at
//! the category's position. Unknown categories give all zeros (`zeros=1`, the default) or
//! an error naming the value (`zeros=0`).

use std::collections::HashMap;

use super::{BuildCtx, Op, Rows, ValueType, expect_inputs};
use crate::onnx::error::OpError;
use crate::onnx::tensor::{DType, Tensor, TensorData, element_count};

#[derive(Debug)]
pub(crate) struct OneHotEncoder {
    ints: HashMap<i64, usize>,
    strings: HashMap<String, usize>,
    n: usize,
    zeros: bool,
}

impl OneHotEncoder {
    pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Self, OpError> {
        let a = &ctx.attrs;
        let ints = a.ints("cats_int64s");
        let strings = a.strings("cats_strings")?;
        if ints.is_empty() == strings.is_empty() {
            return Err(OpError::bad_attr(
                "cats_int64s",
                "exactly one of cats_int64s and cats_strings must be given",
            ));
        }
        let n = ints.len().max(strings.len());
        Ok(Self {
            ints: ints.iter().enumerate().map(|(i, &v)| (v, i)).collect(),
            strings: strings
                .into_iter()
                .enumerate()
                .map(|(i, v)| (v, i))
                .collect(),
            n,
            zeros: a.i64_or("zeros", 1) != 0,
        })
    }

    fn unknown(&self, value: String) -> Result<Option<usize>, OpError> {
        if self.zeros {
            Ok(None)
        } else {
            Err(OpError::Unsupported(format!(
                "category `{value}` is not among the {} known categories (zeros=0)",
                self.n
            )))
        }
    }
}

#[cfg(feature = "gpu")]
impl OneHotEncoder {
    /// Integer categories in index order (`None` for string categories), the width, and
    /// whether unknown values give zeros.
    pub(crate) fn int_categories(&self) -> Option<(Vec<i64>, bool)> {
        if self.ints.is_empty() {
            return None;
        }
        let mut cats = vec![None; self.n];
        for (&v, &i) in &self.ints {
            cats[i] = Some(v);
        }
        // Duplicated categories leave an index no value hits: the kernel does not take
        // those (the CPU engine runs them).
        let cats: Option<Vec<i64>> = cats.into_iter().collect();
        Some((cats?, self.zeros))
    }

    pub(crate) fn width(&self) -> usize {
        self.n
    }
}

impl Op for OneHotEncoder {
    #[cfg(feature = "gpu")]
    fn as_gpu(&self) -> Option<super::GpuOp<'_>> {
        Some(super::GpuOp::OneHot(self))
    }

    /// Element-wise, with one more dimension after the input's: batched as the input.
    fn rows(&self, inputs: &[Rows], _types: &[ValueType]) -> Rows {
        inputs.first().copied().unwrap_or(Rows::Mixed)
    }

    fn infer(&self, inputs: &[ValueType]) -> Result<Vec<ValueType>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        let t = &inputs[0];
        if (t.dtype == DType::Str) == self.strings.is_empty() {
            return Err(OpError::InputType {
                index: 0,
                expected: if self.strings.is_empty() {
                    "a number"
                } else {
                    "string"
                }
                .into(),
                found: t.dtype,
            });
        }
        let shape = t.shape.clone().map(|mut s| {
            s.push(Some(self.n));
            s
        });
        Ok(vec![ValueType::new(DType::F32, shape)])
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        let x = inputs[0];
        let mut shape = x.shape().to_vec();
        shape.push(self.n);
        let mut out = vec![0f32; element_count(&shape)?];
        let int_hit = |v: i64| match self.ints.get(&v) {
            Some(&i) => Ok(Some(i)),
            None => self.unknown(v.to_string()),
        };
        let float_hit = |v: f64, element: usize| {
            if v.is_nan() {
                return Err(OpError::NanInput {
                    index: 0,
                    element,
                    why: "has no category",
                });
            }
            int_hit(v as i64)
        };
        for k in 0..x.len() {
            let hit = match x.data() {
                TensorData::Str(v) => match self.strings.get(&v[k]) {
                    Some(&i) => Some(i),
                    None => self.unknown(v[k].clone())?,
                },
                TensorData::I64(v) => int_hit(v[k])?,
                TensorData::F32(v) => float_hit(f64::from(v[k]), k)?,
                TensorData::F64(v) => float_hit(v[k], k)?,
            };
            if let Some(i) = hit {
                out[k * self.n + i] = 1.0;
            }
        }
        Ok(vec![Tensor::from_parts(shape, TensorData::F32(out))?])
    }
}
