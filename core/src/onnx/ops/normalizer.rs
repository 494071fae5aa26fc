//! `ai.onnx.ml` Normalizer: each row divided by its MAX, L1 or L2 norm (rows whose norm
//! is zero are left unchanged), computed in f32 as ONNX Runtime does.

use super::{BuildCtx, Op, Rows, ValueType, expect_inputs, numeric_input, rows_cols};
use crate::onnx::error::OpError;
use crate::onnx::tensor::{DType, Tensor, TensorData};

#[derive(Debug, Clone, Copy)]
enum Norm {
    Max,
    L1,
    L2,
}

#[derive(Debug)]
pub(crate) struct Normalizer {
    norm: Norm,
}

impl Normalizer {
    pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Self, OpError> {
        let norm = match ctx.attrs.string_or("norm", "MAX")?.as_str() {
            "MAX" => Norm::Max,
            "L1" => Norm::L1,
            "L2" => Norm::L2,
            other => {
                return Err(OpError::bad_attr(
                    "norm",
                    format!("`{other}` is not MAX, L1 or L2"),
                ));
            }
        };
        Ok(Self { norm })
    }
}

fn normalize_row(norm: Norm, row: &mut [f32]) {
    match norm {
        Norm::Max => {
            let max = row.iter().copied().fold(f32::MIN, f32::max);
            if max != 0.0 {
                row.iter_mut().for_each(|v| *v /= max);
            }
        }
        Norm::L1 => {
            let sum: f32 = row.iter().map(|v| v.abs()).sum();
            if sum != 0.0 {
                row.iter_mut().for_each(|v| *v /= sum);
            }
        }
        Norm::L2 => {
            let sum: f32 = row.iter().map(|v| v * v).sum();
            if sum != 0.0 {
                for v in row.iter_mut() {
                    let r = (*v * *v / sum).sqrt();
                    *v = if *v < 0.0 { -r } else { r };
                }
            }
        }
    }
}

#[cfg(feature = "gpu")]
impl Normalizer {
    /// The norm as `normalizer.wgsl` numbers it: 0 MAX, 1 L1, 2 L2.
    pub(crate) fn code(&self) -> u32 {
        match self.norm {
            Norm::Max => 0,
            Norm::L1 => 1,
            Norm::L2 => 2,
        }
    }
}

impl Op for Normalizer {
    #[cfg(feature = "gpu")]
    fn as_gpu(&self) -> Option<super::GpuOp<'_>> {
        Some(super::GpuOp::Normalizer(self))
    }

    fn rows(&self, inputs: &[Rows], types: &[ValueType]) -> Rows {
        Rows::per_matrix_row(inputs, types)
    }

    fn infer(&self, inputs: &[ValueType]) -> Result<Vec<ValueType>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        numeric_input(&inputs[0], 0)?;
        Ok(vec![ValueType::new(DType::F32, inputs[0].shape.clone())])
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        let x = inputs[0];
        let (_, cols) = rows_cols(x);
        let mut out = x
            .to_f32_cow()
            .map_err(|found| OpError::InputType {
                index: 0,
                expected: "float32, float64 or int64".into(),
                found,
            })?
            .into_owned();
        for row in out.chunks_exact_mut(cols.max(1)) {
            normalize_row(self.norm, row);
        }
        Ok(vec![Tensor::from_parts(
            x.shape().to_vec(),
            TensorData::F32(out),
        )?])
    }
}
