//! Typed access to a node's attributes, with errors that name the attribute.

use super::error::OpError;
use super::proto::{AttributeProto, TensorProto};

#[derive(Clone, Copy)]
pub(crate) struct Attrs<'a> {
    attrs: &'a [AttributeProto],
}

impl<'a> Attrs<'a> {
    pub(crate) fn new(attrs: &'a [AttributeProto]) -> Self {
        Self { attrs }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&'a AttributeProto> {
        self.attrs.iter().find(|a| a.name == name)
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub(crate) fn f32_or(&self, name: &str, default: f32) -> f32 {
        self.get(name).map_or(default, |a| a.f)
    }

    pub(crate) fn i64_or(&self, name: &str, default: i64) -> i64 {
        self.get(name).map_or(default, |a| a.i)
    }

    pub(crate) fn string_or(&self, name: &'static str, default: &str) -> Result<String, OpError> {
        match self.get(name) {
            None => Ok(default.to_owned()),
            Some(a) => String::from_utf8(a.s.clone())
                .map_err(|_| OpError::bad_attr(name, "the value is not valid UTF-8")),
        }
    }

    pub(crate) fn floats(&self, name: &str) -> &'a [f32] {
        self.get(name).map_or(&[], |a| a.floats.as_slice())
    }

    pub(crate) fn ints(&self, name: &str) -> &'a [i64] {
        self.get(name).map_or(&[], |a| a.ints.as_slice())
    }

    pub(crate) fn strings(&self, name: &'static str) -> Result<Vec<String>, OpError> {
        self.get(name).map_or(Ok(Vec::new()), |a| {
            a.strings
                .iter()
                .map(|s| {
                    String::from_utf8(s.clone())
                        .map_err(|_| OpError::bad_attr(name, "a value is not valid UTF-8"))
                })
                .collect()
        })
    }

    pub(crate) fn tensor(&self, name: &str) -> Option<&'a TensorProto> {
        self.get(name).and_then(|a| a.t.as_ref())
    }

    /// A list of floats given either as `name` (floats) or as `name_as_tensor` (a float or
    /// double tensor, read as f32: the engine compares and accumulates in f32, as ONNX
    /// Runtime does for float inputs).
    pub(crate) fn floats_or_tensor(
        &self,
        name: &'static str,
        tensor_name: &'static str,
    ) -> Result<Vec<f32>, OpError> {
        if let Some(t) = self.tensor(tensor_name) {
            let tensor = super::initializer::tensor_from_proto(t, tensor_name)
                .map_err(|e| OpError::bad_attr(tensor_name, e.to_string()))?;
            return match tensor.into_data() {
                super::tensor::TensorData::F32(v) => Ok(v),
                super::tensor::TensorData::F64(v) => Ok(v.into_iter().map(|x| x as f32).collect()),
                other => Err(OpError::bad_attr(
                    tensor_name,
                    format!("expected a float or double tensor, got {}", other.dtype()),
                )),
            };
        }
        Ok(self.floats(name).to_vec())
    }
}

/// Converts a non-negative i64 attribute value to usize, naming the attribute on failure.
pub(crate) fn to_index(name: &'static str, value: i64, limit: usize) -> Result<usize, OpError> {
    usize::try_from(value)
        .ok()
        .filter(|&v| v < limit)
        .ok_or_else(|| OpError::bad_attr(name, format!("value {value} is outside 0..{limit}")))
}
