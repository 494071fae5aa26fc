//! Squeeze and Unsqueeze: remove or insert dimensions of size 1, any element type.
//! The axes are an attribute before opset 13 and an int64 input from opset 13 (what
//! `torch.onnx.export` emits for `x.squeeze(-1)` / `x.unsqueeze(1)`).

use super::{BuildCtx, Dim, Op, Rows, ValueType, expect_inputs};
use crate::onnx::error::OpError;
use crate::onnx::tensor::{DType, Tensor};

/// The axes given as an attribute (opset < 13) or as a constant second input.
fn build_axes(ctx: &BuildCtx<'_>) -> Option<Vec<i64>> {
    if ctx.opset < 13 {
        ctx.attrs
            .has("axes")
            .then(|| ctx.attrs.ints("axes").to_vec())
    } else {
        ctx.consts
            .get(1)
            .copied()
            .flatten()
            .and_then(Tensor::as_i64)
            .map(<[i64]>::to_vec)
    }
}

/// The axes for a run: the second input (opset >= 13) when given, else the attribute.
fn run_axes(
    axes_input: Option<&&Tensor>,
    fixed: Option<&Vec<i64>>,
) -> Result<Option<Vec<i64>>, OpError> {
    match axes_input {
        Some(t) => t
            .as_i64()
            .map(|a| Some(a.to_vec()))
            .ok_or(OpError::InputType {
                index: 1,
                expected: "int64".into(),
                found: t.dtype(),
            }),
        None => Ok(fixed.cloned()),
    }
}

/// Axes normalised against `rank`, sorted; errors on out-of-range or repeated axes.
fn normalise(axes: &[i64], rank: usize) -> Result<Vec<usize>, OpError> {
    let r = rank as i64;
    let mut out = axes
        .iter()
        .map(|&a| {
            let n = if a < 0 { a + r } else { a };
            usize::try_from(n)
                .ok()
                .filter(|&n| n < rank)
                .ok_or_else(|| {
                    OpError::bad_attr("axes", format!("axis {a} is out of range for rank {rank}"))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    out.sort_unstable();
    if out.windows(2).any(|w| w[0] == w[1]) {
        return Err(OpError::bad_attr(
            "axes",
            format!("axes {axes:?} repeat an axis"),
        ));
    }
    Ok(out)
}

fn check_axes_type(inputs: &[ValueType]) -> Result<(), OpError> {
    match inputs.get(1) {
        Some(t) if t.dtype != DType::I64 => Err(OpError::InputType {
            index: 1,
            expected: "int64".into(),
            found: t.dtype,
        }),
        _ => Ok(()),
    }
}

#[derive(Debug)]
pub(crate) struct Squeeze {
    /// Known at load (attribute, or constant input); `None` with no axes: every size-1 dim.
    axes: Option<Vec<i64>>,
}

impl Squeeze {
    pub(crate) fn build(ctx: &BuildCtx<'_>) -> Self {
        Self {
            axes: build_axes(ctx),
        }
    }

    fn out_shape(shape: &[usize], axes: Option<&[i64]>) -> Result<Vec<usize>, OpError> {
        let Some(axes) = axes else {
            return Ok(shape.iter().copied().filter(|&d| d != 1).collect());
        };
        let axes = normalise(axes, shape.len())?;
        if let Some(&a) = axes.iter().find(|&&a| shape[a] != 1) {
            return Err(OpError::shape(format!(
                "cannot squeeze axis {a} of size {} (shape {shape:?})",
                shape[a]
            )));
        }
        Ok(shape
            .iter()
            .enumerate()
            .filter(|(i, _)| axes.binary_search(i).is_err())
            .map(|(_, &d)| d)
            .collect())
    }
}

impl Op for Squeeze {
    fn infer(&self, inputs: &[ValueType]) -> Result<Vec<ValueType>, OpError> {
        expect_inputs(inputs, 1, 2)?;
        check_axes_type(inputs)?;
        let shape = match (&inputs[0].shape, &self.axes) {
            (Some(s), Some(axes)) => {
                let axes = normalise(axes, s.len())?;
                if let Some(&a) = axes.iter().find(|&&a| s[a].is_some_and(|d| d != 1)) {
                    return Err(OpError::shape(format!(
                        "cannot squeeze axis {a} of shape {s:?}"
                    )));
                }
                Some(
                    s.iter()
                        .enumerate()
                        .filter(|(i, _)| axes.binary_search(i).is_err())
                        .map(|(_, &d)| d)
                        .collect::<Vec<Dim>>(),
                )
            }
            // Without axes the rank depends on which dims are 1: known only if all are known.
            (Some(s), None) if inputs.len() == 1 && s.iter().all(Option::is_some) => {
                Some(s.iter().copied().filter(|d| *d != Some(1)).collect())
            }
            _ => None,
        };
        Ok(vec![ValueType::new(inputs[0].dtype, shape)])
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(inputs, 1, 2)?;
        self.run_owned(inputs[0].clone(), &inputs[1..])
    }

    fn run_owned(&self, first: Tensor, rest: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(rest, 0, 1)?;
        let axes = run_axes(rest.first(), self.axes.as_ref())?;
        let shape = Self::out_shape(first.shape(), axes.as_deref())?;
        Ok(vec![first.reshaped(shape)?])
    }

    /// Batched when the axes are known and spare the batch axis (which moves left by the
    /// number of squeezed axes before it). Without axes a one-row chunk would lose its
    /// batch dimension, so no.
    fn rows(&self, inputs: &[Rows], types: &[ValueType]) -> Rows {
        let rank = types.first().and_then(|t| t.shape.as_ref()).map(Vec::len);
        match (inputs.first(), &self.axes, rank) {
            (Some(&Rows::Batched { axis }), Some(axes), Some(rank))
                if inputs[1..].iter().all(|r| *r == Rows::Const) =>
            {
                match normalise(axes, rank) {
                    Ok(axes) if !axes.contains(&axis) => Rows::Batched {
                        axis: axis - axes.iter().filter(|&&a| a < axis).count(),
                    },
                    _ => Rows::Mixed,
                }
            }
            _ => Rows::conservative(inputs),
        }
    }
}

#[derive(Debug)]
pub(crate) struct Unsqueeze {
    axes: Option<Vec<i64>>,
}

impl Unsqueeze {
    pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Self, OpError> {
        if ctx.opset < 13 && !ctx.attrs.has("axes") {
            return Err(OpError::MissingAttribute { name: "axes" });
        }
        Ok(Self {
            axes: build_axes(ctx),
        })
    }

    /// For each output position, `Some(input dim index)` or `None` for an inserted 1.
    fn layout(rank: usize, axes: &[i64]) -> Result<Vec<Option<usize>>, OpError> {
        let out_rank = rank + axes.len();
        let axes = normalise(axes, out_rank)?;
        let mut next = 0;
        Ok((0..out_rank)
            .map(|i| {
                if axes.binary_search(&i).is_ok() {
                    None
                } else {
                    next += 1;
                    Some(next - 1)
                }
            })
            .collect())
    }
}

impl Op for Unsqueeze {
    fn infer(&self, inputs: &[ValueType]) -> Result<Vec<ValueType>, OpError> {
        expect_inputs(inputs, 1, 2)?;
        check_axes_type(inputs)?;
        let shape = match (&inputs[0].shape, &self.axes) {
            (Some(s), Some(axes)) => Some(
                Self::layout(s.len(), axes)?
                    .into_iter()
                    .map(|d| d.map_or(Some(1), |i| s[i]))
                    .collect(),
            ),
            _ => None,
        };
        Ok(vec![ValueType::new(inputs[0].dtype, shape)])
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(inputs, 1, 2)?;
        self.run_owned(inputs[0].clone(), &inputs[1..])
    }

    fn run_owned(&self, first: Tensor, rest: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(rest, 0, 1)?;
        let axes = run_axes(rest.first(), self.axes.as_ref())?
            .ok_or_else(|| OpError::shape("Unsqueeze needs its axes input"))?;
        let s = first.shape();
        let shape = Self::layout(s.len(), &axes)?
            .into_iter()
            .map(|d| d.map_or(1, |i| s[i]))
            .collect();
        Ok(vec![first.reshaped(shape)?])
    }

    /// Batched, with the batch axis where the input's batch dimension lands.
    fn rows(&self, inputs: &[Rows], types: &[ValueType]) -> Rows {
        let rank = types.first().and_then(|t| t.shape.as_ref()).map(Vec::len);
        match (inputs.first(), &self.axes, rank) {
            (Some(&Rows::Batched { axis }), Some(axes), Some(rank))
                if inputs[1..].iter().all(|r| *r == Rows::Const) =>
            {
                match Self::layout(rank, axes) {
                    Ok(layout) => layout
                        .iter()
                        .position(|d| *d == Some(axis))
                        .map_or(Rows::Mixed, |axis| Rows::Batched { axis }),
                    Err(_) => Rows::Mixed,
                }
            }
            _ => Rows::conservative(inputs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squeeze_removes_the_named_size_one_axes_or_all_of_them() {
        assert_eq!(
            Squeeze::out_shape(&[4, 1, 3, 1], Some(&[-1])).unwrap(),
            vec![4, 1, 3]
        );
        assert_eq!(
            Squeeze::out_shape(&[4, 1, 3, 1], Some(&[1, 3])).unwrap(),
            vec![4, 3]
        );
        assert_eq!(Squeeze::out_shape(&[1, 1, 3, 1], None).unwrap(), vec![3]);
        let err = Squeeze::out_shape(&[4, 1], Some(&[0])).unwrap_err();
        assert!(
            err.to_string().contains("cannot squeeze axis 0 of size 4"),
            "{err}"
        );
        assert!(Squeeze::out_shape(&[4, 1], Some(&[2])).is_err());
        assert!(Squeeze::out_shape(&[4, 1], Some(&[1, -1])).is_err());
    }

    #[test]
    fn unsqueeze_inserts_ones_at_output_positions() {
        let shape = |rank: usize, axes: &[i64], dims: &[usize]| -> Vec<usize> {
            Unsqueeze::layout(rank, axes)
                .unwrap()
                .into_iter()
                .map(|d| d.map_or(1, |i| dims[i]))
                .collect()
        };
        assert_eq!(shape(2, &[1], &[4, 3]), vec![4, 1, 3]);
        assert_eq!(shape(2, &[0, -1], &[4, 3]), vec![1, 4, 3, 1]);
        assert_eq!(shape(1, &[0, 2], &[5]), vec![1, 5, 1]);
        assert!(Unsqueeze::layout(2, &[3]).is_err());
        assert!(Unsqueeze::layout(2, &[1, 1]).is_err());
    }

    #[test]
    fn the_batch_axis_moves_with_the_removed_and_inserted_axes() {
        let t =
            |s: &[usize]| ValueType::new(DType::F32, Some(s.iter().map(|&d| Some(d)).collect()));
        let sq = |axes: &[i64]| Squeeze {
            axes: Some(axes.to_vec()),
        };
        let batched = |axis| Rows::Batched { axis };
        // [1, N, 1] squeezed at 0 -> [N, 1]: the batch moves to axis 0.
        assert_eq!(
            sq(&[0]).rows(&[batched(1), Rows::Const], &[t(&[1, 5, 1])]),
            batched(0)
        );
        assert_eq!(
            sq(&[-1]).rows(&[batched(0), Rows::Const], &[t(&[5, 1])]),
            batched(0)
        );
        assert_eq!(
            sq(&[0]).rows(&[batched(0), Rows::Const], &[t(&[5, 1])]),
            Rows::Mixed
        );
        assert_eq!(
            Squeeze { axes: None }.rows(&[batched(0)], &[t(&[5, 1])]),
            Rows::Mixed
        );
        let unsq = Unsqueeze {
            axes: Some(vec![0, 2]),
        };
        assert_eq!(
            unsq.rows(&[batched(0), Rows::Const], &[t(&[5])]),
            batched(1)
        );
    }
}
