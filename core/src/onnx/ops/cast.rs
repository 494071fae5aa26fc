//! Cast between float32, float64, int64 (also the target for int32/bool/int8/uint8) and
//! string. Float to integer truncates toward zero and saturates; NaN cannot be cast to an
//! integer and fails with a named error instead of producing an arbitrary value.

use super::{BuildCtx, Op, Rows, ValueType, expect_inputs};
use crate::onnx::error::OpError;
use crate::onnx::proto::data_type;
use crate::onnx::tensor::{DType, Tensor, TensorData};

#[derive(Debug)]
pub(crate) struct Cast {
    to: DType,
    bool_target: bool,
}

impl Cast {
    pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Self, OpError> {
        let code = ctx.attrs.i64_or("to", 0);
        let code32 = i32::try_from(code).unwrap_or(-1);
        let to = DType::from_onnx(code32).ok_or_else(|| {
            OpError::bad_attr("to", format!("element type {code} is not supported"))
        })?;
        Ok(Self {
            to,
            bool_target: code32 == data_type::BOOL,
        })
    }
}

fn float_to_int(v: f64, element: usize) -> Result<i64, OpError> {
    if v.is_nan() {
        return Err(OpError::NanInput {
            index: 0,
            element,
            why: "cannot be cast to an integer",
        });
    }
    Ok(v as i64)
}

fn parse<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, OpError> {
    s.trim()
        .parse()
        .map_err(|_| OpError::Unsupported(format!("cannot parse `{s}` as {what}")))
}

impl Op for Cast {
    fn rows(&self, inputs: &[Rows], _types: &[ValueType]) -> Rows {
        inputs.first().copied().unwrap_or(Rows::Mixed)
    }

    fn infer(&self, inputs: &[ValueType]) -> Result<Vec<ValueType>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        Ok(vec![ValueType::new(self.to, inputs[0].shape.clone())])
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        let x = inputs[0];
        let data = match (x.data(), self.to) {
            (d, to) if d.dtype() == to && !self.bool_target => d.clone(),
            (TensorData::F32(v), DType::F64) => {
                TensorData::F64(v.iter().map(|&a| f64::from(a)).collect())
            }
            (TensorData::I64(v), DType::F32) => {
                TensorData::F32(v.iter().map(|&a| a as f32).collect())
            }
            (TensorData::F64(v), DType::F32) => {
                TensorData::F32(v.iter().map(|&a| a as f32).collect())
            }
            (TensorData::I64(v), DType::F64) => {
                TensorData::F64(v.iter().map(|&a| a as f64).collect())
            }
            (TensorData::F32(v), DType::I64) if self.bool_target => {
                TensorData::I64(v.iter().map(|&a| i64::from(a != 0.0)).collect())
            }
            (TensorData::F64(v), DType::I64) if self.bool_target => {
                TensorData::I64(v.iter().map(|&a| i64::from(a != 0.0)).collect())
            }
            (TensorData::I64(v), DType::I64) => {
                TensorData::I64(v.iter().map(|&a| i64::from(a != 0)).collect())
            }
            (TensorData::F32(v), DType::I64) => TensorData::I64(
                v.iter()
                    .enumerate()
                    .map(|(i, &a)| float_to_int(f64::from(a), i))
                    .collect::<Result<_, _>>()?,
            ),
            (TensorData::F64(v), DType::I64) => TensorData::I64(
                v.iter()
                    .enumerate()
                    .map(|(i, &a)| float_to_int(a, i))
                    .collect::<Result<_, _>>()?,
            ),
            (TensorData::I64(v), DType::Str) => {
                TensorData::Str(v.iter().map(|a| a.to_string()).collect())
            }
            (TensorData::F32(v), DType::Str) => {
                TensorData::Str(v.iter().map(|a| a.to_string()).collect())
            }
            (TensorData::F64(v), DType::Str) => {
                TensorData::Str(v.iter().map(|a| a.to_string()).collect())
            }
            (TensorData::Str(v), DType::F32) => TensorData::F32(
                v.iter()
                    .map(|s| parse(s, "float32"))
                    .collect::<Result<_, _>>()?,
            ),
            (TensorData::Str(v), DType::F64) => TensorData::F64(
                v.iter()
                    .map(|s| parse(s, "float64"))
                    .collect::<Result<_, _>>()?,
            ),
            (TensorData::Str(v), DType::I64) => TensorData::I64(
                v.iter()
                    .map(|s| parse(s, "int64"))
                    .collect::<Result<_, _>>()?,
            ),
            (d, to) => {
                return Err(OpError::Unsupported(format!(
                    "Cast from {} to {to}",
                    d.dtype()
                )));
            }
        };
        Ok(vec![Tensor::from_parts(x.shape().to_vec(), data)?])
    }
}
