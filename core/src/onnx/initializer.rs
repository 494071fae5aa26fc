//! Decoding `TensorProto`s (initializers and tensor attributes) into [`Tensor`]s, with
//! every size checked before anything is allocated.

use super::error::OnnxError;
use super::proto::{TensorProto, data_type};
use super::tensor::{DType, MAX_DIM, MAX_ELEMENTS, Tensor, TensorData};

/// Validates declared dims and returns them with the element count.
pub(crate) fn checked_dims(dims: &[i64], context: &str) -> Result<(Vec<usize>, usize), OnnxError> {
    let mut shape = Vec::with_capacity(dims.len().min(64));
    let mut count: u64 = 1;
    for (index, &d) in dims.iter().enumerate() {
        if d < 0 || d as u64 > MAX_DIM {
            return Err(OnnxError::BadDimension {
                context: context.to_owned(),
                index,
                value: d,
                limit: MAX_DIM,
            });
        }
        count = count.saturating_mul(d as u64);
        shape.push(d as usize);
    }
    if count > MAX_ELEMENTS as u64 {
        return Err(OnnxError::TooLarge {
            context: context.to_owned(),
            shape: dims.iter().map(|&d| d as u64).collect(),
            limit: MAX_ELEMENTS,
        });
    }
    Ok((shape, count as usize))
}

fn bad(name: &str, message: String) -> OnnxError {
    OnnxError::BadInitializer {
        name: name.to_owned(),
        message,
    }
}

fn from_raw<const N: usize, T>(
    raw: &[u8],
    count: usize,
    name: &str,
    f: impl Fn([u8; N]) -> T,
) -> Result<Vec<T>, OnnxError> {
    if raw.len() != count.saturating_mul(N) {
        return Err(bad(
            name,
            format!(
                "raw_data has {} bytes, but {count} elements of {N} bytes need {}",
                raw.len(),
                count.saturating_mul(N)
            ),
        ));
    }
    Ok(raw
        .chunks_exact(N)
        .map(|c| {
            let mut b = [0u8; N];
            b.copy_from_slice(c);
            f(b)
        })
        .collect())
}

fn check_len(len: usize, count: usize, field: &str, name: &str) -> Result<(), OnnxError> {
    if len == count {
        Ok(())
    } else {
        Err(bad(
            name,
            format!("{field} has {len} values, but the dims need {count}"),
        ))
    }
}

/// Decodes one tensor. `context` names it in errors (initializer or attribute name).
pub(crate) fn tensor_from_proto(t: &TensorProto, context: &str) -> Result<Tensor, OnnxError> {
    let name = if t.name.is_empty() { context } else { &t.name };
    if t.data_location == 1 {
        return Err(bad(
            name,
            "the data is stored externally; lockstep-core reads only self-contained models".into(),
        ));
    }
    let (shape, count) = checked_dims(&t.dims, &format!("initializer `{name}`"))?;
    let dtype = DType::from_onnx(t.data_type).ok_or_else(|| OnnxError::UnsupportedDataType {
        context: format!("initializer `{name}`"),
        code: t.data_type,
    })?;
    let raw = !t.raw_data.is_empty() || count == 0;
    let data = match (t.data_type, raw) {
        (data_type::FLOAT, true) => {
            TensorData::F32(from_raw(&t.raw_data, count, name, f32::from_le_bytes)?)
        }
        (data_type::FLOAT, false) => {
            check_len(t.float_data.len(), count, "float_data", name)?;
            TensorData::F32(t.float_data.clone())
        }
        (data_type::DOUBLE, true) => {
            TensorData::F64(from_raw(&t.raw_data, count, name, f64::from_le_bytes)?)
        }
        (data_type::DOUBLE, false) => {
            check_len(t.double_data.len(), count, "double_data", name)?;
            TensorData::F64(t.double_data.clone())
        }
        (data_type::INT64, true) => {
            TensorData::I64(from_raw(&t.raw_data, count, name, i64::from_le_bytes)?)
        }
        (data_type::INT64, false) => {
            check_len(t.int64_data.len(), count, "int64_data", name)?;
            TensorData::I64(t.int64_data.clone())
        }
        (data_type::INT32, true) => {
            TensorData::I64(from_raw(&t.raw_data, count, name, |b: [u8; 4]| {
                i64::from(i32::from_le_bytes(b))
            })?)
        }
        (data_type::INT8, true) => {
            TensorData::I64(from_raw(&t.raw_data, count, name, |b: [u8; 1]| {
                i64::from(b[0] as i8)
            })?)
        }
        (data_type::UINT8 | data_type::BOOL, true) => {
            TensorData::I64(from_raw(&t.raw_data, count, name, |b: [u8; 1]| {
                i64::from(b[0])
            })?)
        }
        (data_type::INT32 | data_type::INT8 | data_type::UINT8 | data_type::BOOL, false) => {
            check_len(t.int32_data.len(), count, "int32_data", name)?;
            TensorData::I64(t.int32_data.iter().map(|&v| i64::from(v)).collect())
        }
        (data_type::STRING, _) => {
            check_len(t.string_data.len(), count, "string_data", name)?;
            let strings = t
                .string_data
                .iter()
                .map(|s| String::from_utf8(s.clone()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| bad(name, "a string is not valid UTF-8".into()))?;
            TensorData::Str(strings)
        }
        _ => {
            return Err(OnnxError::UnsupportedDataType {
                context: format!("initializer `{name}` ({dtype})"),
                code: t.data_type,
            });
        }
    };
    Tensor::new(shape, data)
}
