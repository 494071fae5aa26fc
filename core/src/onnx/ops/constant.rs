//! `Constant`: the graph builder folds each Constant node into a constant value at load,
//! like an initializer, so that the ops reading it see it at load (a Reshape's target
//! shape, a Squeeze's axes, a weight matrix to pack). This reads the node's value.

use crate::onnx::attrs::Attrs;
use crate::onnx::error::OpError;
use crate::onnx::initializer::tensor_from_proto;
use crate::onnx::tensor::{Tensor, TensorData};

/// The attributes that can hold a Constant's value (exactly one must be present).
const VALUE_ATTRS: [&str; 8] = [
    "value",
    "value_float",
    "value_floats",
    "value_int",
    "value_ints",
    "value_string",
    "value_strings",
    "sparse_value",
];

/// The value of a Constant node with these attributes.
pub(crate) fn value(attrs: &Attrs<'_>) -> Result<Tensor, OpError> {
    let present: Vec<&str> = VALUE_ATTRS.into_iter().filter(|a| attrs.has(a)).collect();
    let [name] = present.as_slice() else {
        return Err(OpError::bad_attr(
            "value",
            format!(
                "a Constant needs exactly one of {}; found {}",
                VALUE_ATTRS.join(", "),
                if present.is_empty() {
                    "none".to_owned()
                } else {
                    present.join(", ")
                }
            ),
        ));
    };
    let utf8 = |b: &[u8]| {
        String::from_utf8(b.to_vec())
            .map_err(|_| OpError::bad_attr("value_string", "not valid UTF-8"))
    };
    let (shape, data) = match *name {
        "value" => {
            let t = attrs
                .tensor("value")
                .ok_or_else(|| OpError::bad_attr("value", "expected a tensor"))?;
            return tensor_from_proto(t, "Constant value")
                .map_err(|e| OpError::bad_attr("value", e.to_string()));
        }
        "value_float" => (
            vec![],
            TensorData::F32(vec![attrs.f32_or("value_float", 0.0)]),
        ),
        "value_floats" => {
            let v = attrs.floats("value_floats").to_vec();
            (vec![v.len()], TensorData::F32(v))
        }
        "value_int" => (vec![], TensorData::I64(vec![attrs.i64_or("value_int", 0)])),
        "value_ints" => {
            let v = attrs.ints("value_ints").to_vec();
            (vec![v.len()], TensorData::I64(v))
        }
        "value_string" => {
            let s = attrs
                .get("value_string")
                .map_or(Ok(String::new()), |a| utf8(&a.s))?;
            (vec![], TensorData::Str(vec![s]))
        }
        "value_strings" => {
            let v = attrs.strings("value_strings")?;
            (vec![v.len()], TensorData::Str(v))
        }
        _ => {
            return Err(OpError::Unsupported(
                "a Constant with a sparse_value is not supported".into(),
            ));
        }
    };
    Tensor::from_parts(shape, data)
}
