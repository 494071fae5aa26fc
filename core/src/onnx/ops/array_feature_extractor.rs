//! `ai.onnx.ml` ArrayFeatureExtractor: selects elements of the last dimension of `X` by
//! the indices in the second input (any type of `X`, including strings).

use super::{Op, Rows, ValueType, expect_inputs};
use crate::onnx::error::OpError;
use crate::onnx::tensor::{DType, Tensor, TensorData, element_count};

#[derive(Debug)]
pub(crate) struct ArrayFeatureExtractor;

fn gather<T: Clone>(x: &[T], stride: usize, idx: &[usize]) -> Vec<T> {
    let mut out = Vec::with_capacity((x.len() / stride.max(1)) * idx.len());
    for row in x.chunks_exact(stride.max(1)) {
        out.extend(idx.iter().map(|&i| row[i].clone()));
    }
    out
}

impl Op for ArrayFeatureExtractor {
    /// Batched X (rank >= 2) with constant indices selects within rows. A constant X whose
    /// dimensions but the last are 1 (a class list) looked up by batched indices with one
    /// index per row yields one value per row along the output's last axis.
    fn rows(&self, inputs: &[Rows], types: &[ValueType]) -> Rows {
        let shape = |i: usize| types.get(i).and_then(|t| t.shape.as_ref());
        match inputs {
            [Rows::Batched { axis: 0 }, Rows::Const] if shape(0).is_some_and(|s| s.len() >= 2) => {
                Rows::Batched { axis: 0 }
            }
            [Rows::Const, Rows::Batched { axis }] => {
                let (Some(x), Some(idx)) = (shape(0), shape(1)) else {
                    return Rows::Mixed;
                };
                let x_lead_ones = x
                    .split_last()
                    .is_some_and(|(_, lead)| lead.iter().all(|d| *d == Some(1)));
                let one_per_row = idx[axis + 1..].iter().all(|d| *d == Some(1));
                if x_lead_ones && one_per_row {
                    Rows::Batched {
                        axis: x.len().max(2) - 1,
                    }
                } else {
                    Rows::Mixed
                }
            }
            _ => Rows::conservative(inputs),
        }
    }

    fn infer(&self, inputs: &[ValueType]) -> Result<Vec<ValueType>, OpError> {
        expect_inputs(inputs, 2, 2)?;
        if inputs[1].dtype != DType::I64 {
            return Err(OpError::InputType {
                index: 1,
                expected: "int64".into(),
                found: inputs[1].dtype,
            });
        }
        let shape = inputs[0].shape.as_ref().map(|s| {
            let mut s = if s.len() == 1 {
                vec![Some(1), None]
            } else {
                s.clone()
            };
            if let Some(last) = s.last_mut() {
                *last = None;
            }
            s
        });
        Ok(vec![ValueType::new(inputs[0].dtype, shape)])
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(inputs, 2, 2)?;
        let (x, indices) = (inputs[0], inputs[1]);
        let idx = indices.as_i64().ok_or(OpError::InputType {
            index: 1,
            expected: "int64".into(),
            found: indices.dtype(),
        })?;
        let stride = *x
            .shape()
            .last()
            .ok_or_else(|| OpError::shape("X must have at least one dimension"))?;
        let idx = idx
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .filter(|&u| u < stride)
                    .ok_or_else(|| OpError::shape(format!("index {i} is outside 0..{stride}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut shape = if x.shape().len() == 1 {
            vec![1, stride]
        } else {
            x.shape().to_vec()
        };
        if let Some(last) = shape.last_mut() {
            *last = idx.len();
        }
        element_count(&shape)?;
        let data = match x.data() {
            TensorData::F32(v) => TensorData::F32(gather(v, stride, &idx)),
            TensorData::F64(v) => TensorData::F64(gather(v, stride, &idx)),
            TensorData::I64(v) => TensorData::I64(gather(v, stride, &idx)),
            TensorData::Str(v) => TensorData::Str(gather(v, stride, &idx)),
        };
        Ok(vec![Tensor::from_parts(shape, data)?])
    }
}
