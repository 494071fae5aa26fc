//! Concat, Reshape, Flatten and Identity: data movement without arithmetic.

use super::{BuildCtx, Dim, Op, Rows, ValueType, expect_inputs, known_axis, norm_axis};
use crate::onnx::error::OpError;
use crate::onnx::tensor::{DType, Tensor, TensorData, element_count};

#[derive(Debug)]
pub(crate) struct Identity;

impl Op for Identity {
    fn rows(&self, inputs: &[Rows], _types: &[ValueType]) -> Rows {
        inputs.first().copied().unwrap_or(Rows::Mixed)
    }

    fn infer(&self, inputs: &[ValueType]) -> Result<Vec<ValueType>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        Ok(vec![inputs[0].clone()])
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        Ok(vec![inputs[0].clone()])
    }

    fn run_owned(&self, first: Tensor, rest: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(rest, 0, 0)?;
        Ok(vec![first])
    }
}

#[derive(Debug)]
pub(crate) struct Concat {
    axis: i64,
}

impl Concat {
    pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Self, OpError> {
        if !ctx.attrs.has("axis") {
            return Err(OpError::MissingAttribute { name: "axis" });
        }
        Ok(Self {
            axis: ctx.attrs.i64_or("axis", 0),
        })
    }
}

impl Op for Concat {
    /// Batched when every input is batched along the same axis, before the concat axis.
    fn rows(&self, inputs: &[Rows], types: &[ValueType]) -> Rows {
        let axis = known_axis(self.axis, types.first());
        match inputs.first() {
            Some(&Rows::Batched { axis: b })
                if inputs.iter().all(|r| *r == Rows::Batched { axis: b })
                    && axis.is_some_and(|a| a > b) =>
            {
                Rows::Batched { axis: b }
            }
            _ => Rows::conservative(inputs),
        }
    }

    fn infer(&self, inputs: &[ValueType]) -> Result<Vec<ValueType>, OpError> {
        expect_inputs(inputs, 1, usize::MAX)?;
        let dtype = inputs[0].dtype;
        if let Some((i, t)) = inputs.iter().enumerate().find(|(_, t)| t.dtype != dtype) {
            return Err(OpError::InputType {
                index: i,
                expected: dtype.to_string(),
                found: t.dtype,
            });
        }
        let shapes: Option<Vec<&Vec<Dim>>> = inputs.iter().map(|t| t.shape.as_ref()).collect();
        let shape = match shapes {
            Some(s) if s.iter().all(|x| x.len() == s[0].len()) => {
                if s[0].is_empty() {
                    return Err(OpError::shape(
                        "Concat inputs must have at least one dimension",
                    ));
                }
                let axis = norm_axis(self.axis, s[0].len())?;
                let mut out = s[0].clone();
                out[axis] = s.iter().map(|x| x[axis]).sum::<Option<usize>>();
                Some(out)
            }
            Some(_) => return Err(OpError::shape("Concat inputs differ in rank")),
            None => None,
        };
        Ok(vec![ValueType::new(dtype, shape)])
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(inputs, 1, usize::MAX)?;
        let first = inputs[0].shape();
        if first.is_empty() {
            return Err(OpError::shape(
                "Concat inputs must have at least one dimension",
            ));
        }
        let axis = norm_axis(self.axis, first.len())?;
        let mut shape = first.to_vec();
        shape[axis] = 0;
        for (i, t) in inputs.iter().enumerate() {
            let s = t.shape();
            let same = s.len() == first.len()
                && s.iter()
                    .zip(first)
                    .enumerate()
                    .all(|(d, (a, b))| d == axis || a == b);
            if !same || t.dtype() != inputs[0].dtype() {
                return Err(OpError::shape(format!(
                    "input {i} ({}, shape {s:?}) does not match input 0 ({}, shape {first:?}) off axis {axis}",
                    t.dtype(),
                    inputs[0].dtype()
                )));
            }
            shape[axis] += s[axis];
        }
        let outer: usize = first[..axis].iter().product();
        let n = element_count(&shape)?;
        macro_rules! cat {
            ($variant:ident) => {{
                let mut out = Vec::with_capacity(n);
                for o in 0..outer {
                    for t in inputs {
                        if let TensorData::$variant(v) = t.data() {
                            let block: usize = t.shape()[axis..].iter().product();
                            if block == 1 {
                                // One value per row (a classifier's `[1 - p, p]`): a
                                // push, not a copy of unknown length (on wasm32 a
                                // `memory.copy` call per value).
                                out.push(v[o].clone());
                            } else {
                                out.extend_from_slice(&v[o * block..(o + 1) * block]);
                            }
                        }
                    }
                }
                TensorData::$variant(out)
            }};
        }
        let data = match inputs[0].dtype() {
            DType::F32 => cat!(F32),
            DType::F64 => cat!(F64),
            DType::I64 => cat!(I64),
            DType::Str => cat!(Str),
        };
        Ok(vec![Tensor::from_parts(shape, data)?])
    }
}

#[derive(Debug)]
pub(crate) struct Reshape {
    allowzero: bool,
    /// The target shape when it is an initializer (lets shapes be inferred at load).
    constant: Option<Vec<i64>>,
}

impl Reshape {
    pub(crate) fn build(ctx: &BuildCtx<'_>) -> Self {
        Self {
            allowzero: ctx.attrs.i64_or("allowzero", 0) != 0,
            constant: ctx
                .consts
                .get(1)
                .copied()
                .flatten()
                .and_then(|t| t.as_i64())
                .map(<[i64]>::to_vec),
        }
    }

    /// Resolves 0 and -1 entries against the input's dims.
    fn resolve(&self, input: &[usize], target: &[i64]) -> Result<Vec<usize>, OpError> {
        let total: usize = input.iter().product();
        let mut out = Vec::with_capacity(target.len());
        let mut infer_at = None;
        for (i, &d) in target.iter().enumerate() {
            match d {
                -1 if infer_at.is_none() => {
                    infer_at = Some(i);
                    out.push(1);
                }
                0 if !self.allowzero => out.push(*input.get(i).ok_or_else(|| {
                    OpError::shape(format!(
                        "shape entry {i} is 0 but the input has rank {}",
                        input.len()
                    ))
                })?),
                d if d >= 0 => out.push(
                    usize::try_from(d)
                        .map_err(|_| OpError::shape(format!("dimension {d} is too large")))?,
                ),
                _ => return Err(OpError::shape(format!("invalid target shape {target:?}"))),
            }
        }
        let known = out
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .ok_or_else(|| OpError::shape(format!("target shape {target:?} overflows")))?;
        if let Some(i) = infer_at {
            if known == 0 || !total.is_multiple_of(known) {
                return Err(OpError::shape(format!(
                    "cannot reshape {input:?} ({total} elements) to {target:?}"
                )));
            }
            out[i] = total / known;
        } else if known != total {
            return Err(OpError::shape(format!(
                "cannot reshape {input:?} ({total} elements) to {target:?} ({known} elements)"
            )));
        }
        Ok(out)
    }
}

impl Op for Reshape {
    /// Batched when the constant target shape is `[1, .., 1, -1, d1, .., dk]` (or has a 0
    /// copying the batch dimension in place of the -1) with `d1 · .. · dk` equal to the
    /// input's known elements per row: the batch then lands on the -1.
    fn rows(&self, inputs: &[Rows], types: &[ValueType]) -> Rows {
        let (Some(&Rows::Batched { axis }), Some(target), Some(shape)) = (
            inputs.first(),
            self.constant.as_ref(),
            types.first().and_then(|t| t.shape.as_ref()),
        ) else {
            return Rows::conservative(inputs);
        };
        if inputs.get(1) != Some(&Rows::Const) {
            return Rows::Mixed;
        }
        let per_row: Option<usize> = shape
            .get(axis + 1..)
            .and_then(|s| s.iter().copied().product());
        let Some(o) = target.iter().position(|&d| d != 1) else {
            return Rows::Mixed;
        };
        let batch_here = target[o] == -1 || (target[o] == 0 && !self.allowzero && o == axis);
        let rest = &target[o + 1..];
        let rest_size = rest.iter().try_fold(1usize, |acc, &d| {
            usize::try_from(d)
                .ok()
                .filter(|&d| d > 0)
                .and_then(|d| acc.checked_mul(d))
        });
        if batch_here && rest_size.is_some() && rest_size == per_row {
            Rows::Batched { axis: o }
        } else {
            Rows::Mixed
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
        let shape = self.constant.as_ref().map(|c| {
            c.iter()
                .enumerate()
                .map(|(i, &d)| match d {
                    0 if !self.allowzero => inputs[0]
                        .shape
                        .as_ref()
                        .and_then(|s| s.get(i).copied().flatten()),
                    d if d > 0 => usize::try_from(d).ok(),
                    _ => None,
                })
                .collect()
        });
        Ok(vec![ValueType::new(inputs[0].dtype, shape)])
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(inputs, 2, 2)?;
        let target = inputs[1].as_i64().ok_or(OpError::InputType {
            index: 1,
            expected: "int64".into(),
            found: inputs[1].dtype(),
        })?;
        let shape = self.resolve(inputs[0].shape(), target)?;
        Ok(vec![inputs[0].clone().reshaped(shape)?])
    }

    fn run_owned(&self, first: Tensor, rest: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(rest, 1, 1)?;
        let target = rest[0].as_i64().ok_or(OpError::InputType {
            index: 1,
            expected: "int64".into(),
            found: rest[0].dtype(),
        })?;
        let shape = self.resolve(first.shape(), target)?;
        Ok(vec![first.reshaped(shape)?])
    }
}

#[derive(Debug)]
pub(crate) struct Flatten {
    axis: i64,
}

impl Flatten {
    pub(crate) fn build(ctx: &BuildCtx<'_>) -> Self {
        Self {
            axis: ctx.attrs.i64_or("axis", 1),
        }
    }

    fn axis(&self, rank: usize) -> Result<usize, OpError> {
        let r = rank as i64;
        let a = if self.axis < 0 {
            self.axis + r
        } else {
            self.axis
        };
        if !(0..=r).contains(&a) {
            return Err(OpError::bad_attr(
                "axis",
                format!("axis {} is out of range for rank {rank}", self.axis),
            ));
        }
        Ok(a as usize)
    }
}

impl Op for Flatten {
    /// Batched along axis 0 when the flattening axis comes after the batch and the
    /// dimensions between them are 1.
    fn rows(&self, inputs: &[Rows], types: &[ValueType]) -> Rows {
        let shape = types.first().and_then(|t| t.shape.as_ref());
        match (inputs.first(), shape) {
            (Some(&Rows::Batched { axis: b }), Some(s)) => match self.axis(s.len()) {
                Ok(f) if f > b && s[b + 1..f].iter().all(|d| *d == Some(1)) => {
                    Rows::Batched { axis: 0 }
                }
                _ => Rows::Mixed,
            },
            _ => Rows::conservative(inputs),
        }
    }

    fn infer(&self, inputs: &[ValueType]) -> Result<Vec<ValueType>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        let shape = match &inputs[0].shape {
            Some(s) => {
                let a = self.axis(s.len())?;
                Some(vec![
                    s[..a].iter().copied().product::<Option<usize>>(),
                    s[a..].iter().copied().product::<Option<usize>>(),
                ])
            }
            None => None,
        };
        Ok(vec![ValueType::new(inputs[0].dtype, shape)])
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        let s = inputs[0].shape();
        let a = self.axis(s.len())?;
        let shape = vec![s[..a].iter().product(), s[a..].iter().product()];
        Ok(vec![inputs[0].clone().reshaped(shape)?])
    }

    fn run_owned(&self, first: Tensor, rest: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(rest, 0, 0)?;
        let s = first.shape();
        let a = self.axis(s.len())?;
        let shape = vec![s[..a].iter().product(), s[a..].iter().product()];
        Ok(vec![first.reshaped(shape)?])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reshape_resolves_zero_and_minus_one() {
        let r = Reshape {
            allowzero: false,
            constant: None,
        };
        assert_eq!(r.resolve(&[4, 6], &[0, -1]).unwrap(), vec![4, 6]);
        assert_eq!(r.resolve(&[4, 6], &[-1]).unwrap(), vec![24]);
        assert_eq!(r.resolve(&[4, 6], &[2, -1, 3]).unwrap(), vec![2, 4, 3]);
        assert!(r.resolve(&[4, 6], &[5, -1]).is_err());
        assert!(r.resolve(&[4, 6], &[-1, -1]).is_err());
        assert!(r.resolve(&[4, 6], &[1 << 40, 1 << 40]).is_err());
    }

    #[test]
    fn concat_joins_along_the_axis() {
        let c = Concat { axis: -1 };
        let a = Tensor::f32(vec![2, 1], vec![1.0, 2.0]).unwrap();
        let b = Tensor::f32(vec![2, 2], vec![3.0, 4.0, 5.0, 6.0]).unwrap();
        let out = c.run(&[&a, &b]).unwrap();
        assert_eq!(out[0].shape(), &[2, 3]);
        assert_eq!(out[0].as_f32().unwrap(), &[1.0, 3.0, 4.0, 2.0, 5.0, 6.0]);
        let s = Tensor::strings(vec![2, 1], vec!["x".into(), "y".into()]).unwrap();
        assert!(c.run(&[&a, &s]).is_err());
    }
}
