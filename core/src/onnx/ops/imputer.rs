//! `ai.onnx.ml` Imputer: replaces `replaced_value_*` (NaN when that is NaN) by the
//! per-column or broadcast `imputed_value_*`.

use super::{BuildCtx, Op, Rows, ValueType, expect_inputs, rows_cols};
use crate::onnx::error::OpError;
use crate::onnx::tensor::{DType, Tensor, TensorData};

#[derive(Debug)]
pub(crate) struct Imputer {
    floats: Vec<f32>,
    replaced_float: f32,
    ints: Vec<i64>,
    replaced_int: i64,
}

fn pick<T: Copy>(v: &[T], j: usize) -> T {
    if v.len() == 1 { v[0] } else { v[j] }
}

impl Imputer {
    pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Self, OpError> {
        let a = &ctx.attrs;
        let floats = a.floats("imputed_value_floats").to_vec();
        let ints = a.ints("imputed_value_int64s").to_vec();
        if floats.is_empty() == ints.is_empty() {
            return Err(OpError::bad_attr(
                "imputed_value_floats",
                "exactly one of imputed_value_floats and imputed_value_int64s must be given",
            ));
        }
        Ok(Self {
            floats,
            replaced_float: a.f32_or("replaced_value_float", 0.0),
            ints,
            replaced_int: a.i64_or("replaced_value_int64", 0),
        })
    }

    fn check(&self, n: usize, cols: usize) -> Result<(), OpError> {
        if n != 1 && n != cols {
            return Err(OpError::shape(format!(
                "{n} imputed values for an input of {cols} columns"
            )));
        }
        Ok(())
    }
}

#[cfg(feature = "gpu")]
impl Imputer {
    /// For the GPU kernel, on f32 inputs: the replaced value and the imputed value per
    /// column (a broadcast value expanded), or the CPU op's own width error.
    pub(crate) fn f32_columns(&self, cols: usize) -> Result<Option<(f32, Vec<f32>)>, OpError> {
        if self.floats.is_empty() {
            return Ok(None);
        }
        self.check(self.floats.len(), cols)?;
        Ok(Some((
            self.replaced_float,
            (0..cols).map(|j| pick(&self.floats, j)).collect(),
        )))
    }
}

impl Op for Imputer {
    #[cfg(feature = "gpu")]
    fn as_gpu(&self) -> Option<super::GpuOp<'_>> {
        Some(super::GpuOp::Imputer(self))
    }

    fn rows(&self, inputs: &[Rows], types: &[ValueType]) -> Rows {
        Rows::per_matrix_row(inputs, types)
    }

    fn infer(&self, inputs: &[ValueType]) -> Result<Vec<ValueType>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        let t = &inputs[0];
        let ok = if self.ints.is_empty() {
            matches!(t.dtype, DType::F32 | DType::F64)
        } else {
            t.dtype == DType::I64
        };
        if !ok {
            return Err(OpError::InputType {
                index: 0,
                expected: if self.ints.is_empty() {
                    "float32 or float64"
                } else {
                    "int64"
                }
                .into(),
                found: t.dtype,
            });
        }
        Ok(vec![t.clone()])
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        let x = inputs[0];
        let (_, cols) = rows_cols(x);
        let w = cols.max(1);
        let data = match x.data() {
            TensorData::F32(v) if !self.floats.is_empty() => {
                self.check(self.floats.len(), cols)?;
                let r = self.replaced_float;
                let mut out = v.clone();
                for row in out.chunks_exact_mut(w) {
                    for (j, v) in row.iter_mut().enumerate() {
                        if (r.is_nan() && v.is_nan()) || *v == r {
                            *v = pick(&self.floats, j);
                        }
                    }
                }
                TensorData::F32(out)
            }
            TensorData::F64(v) if !self.floats.is_empty() => {
                self.check(self.floats.len(), cols)?;
                let r = f64::from(self.replaced_float);
                let mut out = v.clone();
                for row in out.chunks_exact_mut(w) {
                    for (j, v) in row.iter_mut().enumerate() {
                        if (r.is_nan() && v.is_nan()) || *v == r {
                            *v = f64::from(pick(&self.floats, j));
                        }
                    }
                }
                TensorData::F64(out)
            }
            TensorData::I64(v) if !self.ints.is_empty() => {
                self.check(self.ints.len(), cols)?;
                let mut out = v.clone();
                for row in out.chunks_exact_mut(w) {
                    for (j, v) in row.iter_mut().enumerate() {
                        if *v == self.replaced_int {
                            *v = pick(&self.ints, j);
                        }
                    }
                }
                TensorData::I64(out)
            }
            other => {
                return Err(OpError::InputType {
                    index: 0,
                    expected: if self.ints.is_empty() {
                        "float32 or float64"
                    } else {
                        "int64"
                    }
                    .into(),
                    found: other.dtype(),
                });
            }
        };
        Ok(vec![Tensor::from_parts(x.shape().to_vec(), data)?])
    }
}
