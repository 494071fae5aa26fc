//! `ai.onnx.ml` Scaler: `y = (x - offset) * scale`, per column or broadcast, in f32.

use super::{BuildCtx, Op, Rows, ValueType, expect_inputs, numeric_input, rows_cols};
use crate::onnx::error::OpError;
use crate::onnx::tensor::{DType, Tensor, TensorData};

#[derive(Debug)]
pub(crate) struct Scaler {
    offset: Vec<f32>,
    scale: Vec<f32>,
}

/// Value `j` of a per-column parameter that may also be a single broadcast value.
fn param(v: &[f32], j: usize, default: f32) -> f32 {
    match v.len() {
        0 => default,
        1 => v[0],
        _ => v[j],
    }
}

impl Scaler {
    pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Self, OpError> {
        let offset = ctx.attrs.floats("offset").to_vec();
        let scale = ctx.attrs.floats("scale").to_vec();
        // ONNX Runtime refuses differing lengths (scaler.cc); so do we.
        if offset.len() != scale.len() {
            return Err(OpError::bad_attr(
                "scale",
                format!(
                    "{} scale values but {} offset values",
                    scale.len(),
                    offset.len()
                ),
            ));
        }
        Ok(Self { offset, scale })
    }

    fn check_width(&self, cols: usize) -> Result<(), OpError> {
        for (name, v) in [("offset", &self.offset), ("scale", &self.scale)] {
            if v.len() > 1 && v.len() != cols {
                return Err(OpError::shape(format!(
                    "attribute `{name}` has {} values, but the input has {cols} columns",
                    v.len()
                )));
            }
        }
        Ok(())
    }
}

impl Scaler {
    /// The input checked as [`Op::run`] checks it: the tensor, its values as f32, its width.
    pub(crate) fn input<'t>(
        &self,
        inputs: &[&'t Tensor],
    ) -> Result<(&'t Tensor, std::borrow::Cow<'t, [f32]>, usize), OpError> {
        expect_inputs(inputs, 1, 1)?;
        let x = inputs[0];
        let (_, cols) = rows_cols(x);
        self.check_width(cols)?;
        let data = x.to_f32_cow().map_err(|found| OpError::InputType {
            index: 0,
            expected: "float32, float64 or int64".into(),
            found,
        })?;
        Ok((x, data, cols))
    }

    /// Offset and scale per column, broadcast values expanded (for the GPU kernel).
    #[cfg(feature = "gpu")]
    pub(crate) fn columns(&self, cols: usize) -> (Vec<f32>, Vec<f32>) {
        (
            (0..cols).map(|j| param(&self.offset, j, 0.0)).collect(),
            (0..cols).map(|j| param(&self.scale, j, 1.0)).collect(),
        )
    }
}

impl Op for Scaler {
    fn rows(&self, inputs: &[Rows], types: &[ValueType]) -> Rows {
        Rows::per_matrix_row(inputs, types)
    }

    fn infer(&self, inputs: &[ValueType]) -> Result<Vec<ValueType>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        numeric_input(&inputs[0], 0)?;
        if let Some(c) = inputs[0].last_dim() {
            self.check_width(c)?;
        }
        Ok(vec![ValueType::new(DType::F32, inputs[0].shape.clone())])
    }

    #[cfg(feature = "gpu")]
    fn as_scaler(&self) -> Option<&Scaler> {
        Some(self)
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        let (x, data, cols) = self.input(inputs)?;
        let mut out = data.into_owned();
        for row in out.chunks_exact_mut(cols.max(1)) {
            for (j, v) in row.iter_mut().enumerate() {
                *v = (*v - param(&self.offset, j, 0.0)) * param(&self.scale, j, 1.0);
            }
        }
        Ok(vec![Tensor::from_parts(
            x.shape().to_vec(),
            TensorData::F32(out),
        )?])
    }
}
