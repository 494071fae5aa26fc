//! Dense, row-major tensors of the four element types the engine computes with.

use std::fmt;

use super::error::{OnnxError, OpError};

/// The largest number of elements any tensor may hold (2^28: 1 GiB of f32). Every
/// allocation whose size derives from the model or its inputs is checked against it first.
pub const MAX_ELEMENTS: usize = 1 << 28;

/// The largest dimension accepted anywhere (a shape in the model or an input).
pub const MAX_DIM: u64 = 1 << 31;

/// Element type of a tensor. ONNX `int32` and `bool` initializers are widened to `I64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    F32,
    F64,
    I64,
    Str,
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DType::F32 => "float32",
            DType::F64 => "float64",
            DType::I64 => "int64",
            DType::Str => "string",
        })
    }
}

impl DType {
    /// The element type for an ONNX `TensorProto.DataType` code, if supported.
    pub fn from_onnx(code: i32) -> Option<DType> {
        use super::proto::data_type as d;
        match code {
            d::FLOAT => Some(DType::F32),
            d::DOUBLE => Some(DType::F64),
            d::INT64 | d::INT32 | d::BOOL | d::INT8 | d::UINT8 => Some(DType::I64),
            d::STRING => Some(DType::Str),
            _ => None,
        }
    }
}

/// The elements of a tensor, row-major.
#[derive(Debug, Clone, PartialEq)]
pub enum TensorData {
    F32(Vec<f32>),
    F64(Vec<f64>),
    I64(Vec<i64>),
    Str(Vec<String>),
}

impl TensorData {
    pub fn len(&self) -> usize {
        match self {
            TensorData::F32(v) => v.len(),
            TensorData::F64(v) => v.len(),
            TensorData::I64(v) => v.len(),
            TensorData::Str(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn dtype(&self) -> DType {
        match self {
            TensorData::F32(_) => DType::F32,
            TensorData::F64(_) => DType::F64,
            TensorData::I64(_) => DType::I64,
            TensorData::Str(_) => DType::Str,
        }
    }
}

/// A tensor: a shape and row-major data whose length is the product of the shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    shape: Vec<usize>,
    data: TensorData,
}

/// Number of elements of `shape`, or an error if it overflows or exceeds [`MAX_ELEMENTS`].
pub fn element_count(shape: &[usize]) -> Result<usize, OpError> {
    let mut n: usize = 1;
    for &d in shape {
        n = n.checked_mul(d).ok_or_else(|| OpError::TooLarge {
            shape: shape.to_vec(),
            limit: MAX_ELEMENTS,
        })?;
    }
    if n > MAX_ELEMENTS {
        return Err(OpError::TooLarge {
            shape: shape.to_vec(),
            limit: MAX_ELEMENTS,
        });
    }
    Ok(n)
}

impl Tensor {
    /// A tensor from a shape and data; fails if the data length differs from the shape's size.
    pub fn new(shape: Vec<usize>, data: TensorData) -> Result<Tensor, OnnxError> {
        let expected = shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .unwrap_or(usize::MAX);
        if expected != data.len() {
            return Err(OnnxError::DataLength {
                shape,
                len: data.len(),
                expected,
            });
        }
        Ok(Tensor { shape, data })
    }

    /// Used by ops, which compute `data` from `shape` themselves.
    pub(crate) fn from_parts(shape: Vec<usize>, data: TensorData) -> Result<Tensor, OpError> {
        let expected = element_count(&shape)?;
        if expected != data.len() {
            return Err(OpError::shape(format!(
                "internal: data of {} elements for shape {shape:?}",
                data.len()
            )));
        }
        Ok(Tensor { shape, data })
    }

    pub fn f32(shape: Vec<usize>, data: Vec<f32>) -> Result<Tensor, OnnxError> {
        Tensor::new(shape, TensorData::F32(data))
    }

    pub fn f64(shape: Vec<usize>, data: Vec<f64>) -> Result<Tensor, OnnxError> {
        Tensor::new(shape, TensorData::F64(data))
    }

    pub fn i64(shape: Vec<usize>, data: Vec<i64>) -> Result<Tensor, OnnxError> {
        Tensor::new(shape, TensorData::I64(data))
    }

    pub fn strings(shape: Vec<usize>, data: Vec<String>) -> Result<Tensor, OnnxError> {
        Tensor::new(shape, TensorData::Str(data))
    }

    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    pub fn data(&self) -> &TensorData {
        &self.data
    }

    pub fn into_data(self) -> TensorData {
        self.data
    }

    pub fn dtype(&self) -> DType {
        self.data.dtype()
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn as_f32(&self) -> Option<&[f32]> {
        match &self.data {
            TensorData::F32(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<&[f64]> {
        match &self.data {
            TensorData::F64(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<&[i64]> {
        match &self.data {
            TensorData::I64(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_strings(&self) -> Option<&[String]> {
        match &self.data {
            TensorData::Str(v) => Some(v),
            _ => None,
        }
    }

    /// An empty f32 vector (a placeholder while a tensor is moved out).
    pub(crate) fn empty() -> Tensor {
        Tensor {
            shape: vec![0],
            data: TensorData::F32(Vec::new()),
        }
    }

    /// Same data, new shape (element counts must agree).
    pub(crate) fn reshaped(self, shape: Vec<usize>) -> Result<Tensor, OpError> {
        Tensor::from_parts(shape, self.data)
    }

    /// Rows and columns when the tensor is read as a matrix: `[n]` is one row of `n`,
    /// `[a, b, ..., z]` is `a*b*...` rows of `z`.
    pub(crate) fn as_matrix_dims(&self) -> (usize, usize) {
        match self.shape.as_slice() {
            [] => (1, 1),
            [n] => (1, *n),
            [rest @ .., last] => (rest.iter().product(), *last),
        }
    }

    /// The data converted to f32 (ML ops accept float, double and integer inputs).
    pub(crate) fn to_f32_cow(&self) -> Result<std::borrow::Cow<'_, [f32]>, DType> {
        use std::borrow::Cow;
        match &self.data {
            TensorData::F32(v) => Ok(Cow::Borrowed(v)),
            TensorData::F64(v) => Ok(Cow::Owned(v.iter().map(|&x| x as f32).collect())),
            TensorData::I64(v) => Ok(Cow::Owned(v.iter().map(|&x| x as f32).collect())),
            TensorData::Str(_) => Err(DType::Str),
        }
    }
}
