//! Model inputs and outputs between the page's wasm instances — the notebook worker, its
//! engine workers (`lockstep-frontend`'s `pool`) and the WebGPU module
//! (`lockstep-gpu-web`): named tensors as a JSON header (names, shapes, element types,
//! and strings, which are rare) and one typed array per tensor beside it, whose buffer
//! is transferred rather than copied again. [`tensors_header`] / [`tensors_from`] are
//! the plain halves, tested natively; [`put_tensors`] / [`take_tensors`] put them on and
//! take them off a message object.

use js_sys::{Array, BigInt64Array, Float32Array, Float64Array, Object, Reflect};
use lockstep_core::onnx::{Tensor, TensorData};
use wasm_bindgen::{JsCast, JsValue};

/// One tensor of a model's inputs or outputs as it travels: everything but its numbers,
/// which go beside it as one typed array each (strings, rare, go in the header).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct TensorHead {
    name: String,
    shape: Vec<usize>,
    /// `f32`, `f64`, `i64` or `str`: checked against the array that comes beside it.
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    strings: Option<Vec<String>>,
}

/// A tensor's numbers, as a typed array carries them.
#[derive(Debug, Clone, PartialEq)]
pub enum Numbers {
    F32(Vec<f32>),
    F64(Vec<f64>),
    I64(Vec<i64>),
    /// A string tensor: its values are in the header.
    None,
}

/// Named tensors as a JSON header and their numbers, one [`Numbers`] per tensor, in
/// order: what a model's part travels as, to an engine worker and back.
pub fn tensors_header(tensors: &[(String, Tensor)]) -> (String, Vec<Numbers>) {
    let mut heads = Vec::with_capacity(tensors.len());
    let mut numbers = Vec::with_capacity(tensors.len());
    for (name, t) in tensors {
        let (kind, strings, n) = match t.data() {
            TensorData::F32(v) => ("f32", None, Numbers::F32(v.clone())),
            TensorData::F64(v) => ("f64", None, Numbers::F64(v.clone())),
            TensorData::I64(v) => ("i64", None, Numbers::I64(v.clone())),
            TensorData::Str(v) => ("str", Some(v.clone()), Numbers::None),
        };
        heads.push(TensorHead {
            name: name.clone(),
            shape: t.shape().to_vec(),
            kind: kind.to_owned(),
            strings,
        });
        numbers.push(n);
    }
    (serde_json::to_string(&heads).unwrap_or_default(), numbers)
}

/// The tensors a header and their numbers make again ([`tensors_header`]'s other side);
/// a header that does not match its numbers is an error naming the tensor.
pub fn tensors_from(header: &str, numbers: Vec<Numbers>) -> Result<Vec<(String, Tensor)>, String> {
    let heads: Vec<TensorHead> =
        serde_json::from_str(header).map_err(|e| format!("malformed tensors: {e}"))?;
    if heads.len() != numbers.len() {
        return Err(format!(
            "{} tensors but {} arrays of numbers",
            heads.len(),
            numbers.len()
        ));
    }
    heads
        .into_iter()
        .zip(numbers)
        .map(|(head, n)| {
            let data = match (head.kind.as_str(), head.strings, n) {
                ("str", Some(s), Numbers::None) => TensorData::Str(s),
                ("f32", None, Numbers::F32(v)) => TensorData::F32(v),
                ("f64", None, Numbers::F64(v)) => TensorData::F64(v),
                ("i64", None, Numbers::I64(v)) => TensorData::I64(v),
                _ => return Err(format!("tensor `{}`: its numbers do not match", head.name)),
            };
            Tensor::new(head.shape, data)
                .map(|t| (head.name.clone(), t))
                .map_err(|e| format!("tensor `{}`: {e}", head.name))
        })
        .collect()
}

/// [`tensors_header`] as a message's fields: `tensors` (the header) and `arrays` (one
/// typed array per tensor, `null` for strings), their buffers added to `transfer`.
pub fn put_tensors(message: &Object, tensors: &[(String, Tensor)], transfer: &Array) {
    let (header, numbers) = tensors_header(tensors);
    let arrays = Array::new();
    for n in numbers {
        let array: JsValue = match n {
            Numbers::F32(v) => Float32Array::from(v.as_slice()).into(),
            Numbers::F64(v) => Float64Array::from(v.as_slice()).into(),
            Numbers::I64(v) => BigInt64Array::from(v.as_slice()).into(),
            Numbers::None => JsValue::NULL,
        };
        if !array.is_null() {
            transfer.push(&get(&array, "buffer"));
        }
        arrays.push(&array);
    }
    let _ = Reflect::set(message, &"tensors".into(), &header.into());
    let _ = Reflect::set(message, &"arrays".into(), &arrays);
}

/// The tensors of a message [`put_tensors`] wrote.
pub fn take_tensors(message: &JsValue) -> Result<Vec<(String, Tensor)>, String> {
    let header = get(message, "tensors")
        .as_string()
        .ok_or("a message without its tensors")?;
    let arrays = get(message, "arrays")
        .dyn_into::<Array>()
        .map_err(|_| "a message without its arrays")?;
    let numbers = arrays
        .iter()
        .map(|a| {
            if a.is_null() {
                Ok(Numbers::None)
            } else if let Some(a) = a.dyn_ref::<Float32Array>() {
                Ok(Numbers::F32(a.to_vec()))
            } else if let Some(a) = a.dyn_ref::<Float64Array>() {
                Ok(Numbers::F64(a.to_vec()))
            } else if let Some(a) = a.dyn_ref::<BigInt64Array>() {
                Ok(Numbers::I64(a.to_vec()))
            } else {
                Err("a tensor's numbers are not a typed array".to_owned())
            }
        })
        .collect::<Result<Vec<_>, String>>()?;
    tensors_from(&header, numbers)
}

/// `object[key]`, `undefined` when absent.
pub fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A model's part travels as a header and typed arrays and comes back bit for bit:
    /// every element type, a NaN's payload, strings in the header; a header that does
    /// not fit its numbers is named.
    #[test]
    fn tensors_travel_as_a_header_and_their_numbers() {
        let tensors = vec![
            (
                "x".to_owned(),
                Tensor::new(
                    vec![2, 2],
                    TensorData::F32(vec![1.5, f32::from_bits(0x7fc0_0001), -0.0, 3.0]),
                )
                .unwrap(),
            ),
            (
                "d".to_owned(),
                Tensor::new(vec![2], TensorData::F64(vec![0.1, f64::MIN_POSITIVE])).unwrap(),
            ),
            (
                "label".to_owned(),
                Tensor::new(vec![2], TensorData::I64(vec![i64::MIN, 7])).unwrap(),
            ),
            (
                "s".to_owned(),
                Tensor::new(vec![2], TensorData::Str(vec!["a\"b".into(), String::new()])).unwrap(),
            ),
        ];
        let (header, numbers) = tensors_header(&tensors);
        assert!(
            !header.contains("1.5"),
            "numbers stay out of the header: {header}"
        );
        assert_eq!(numbers[3], Numbers::None);
        let back = tensors_from(&header, numbers.clone()).unwrap();
        assert_eq!(back.len(), tensors.len());
        for ((a, x), (b, y)) in tensors.iter().zip(&back) {
            assert_eq!(a, b);
            assert_eq!(x.shape(), y.shape());
            match (x.data(), y.data()) {
                (TensorData::F32(p), TensorData::F32(q)) => assert!(
                    p.iter().zip(q).all(|(p, q)| p.to_bits() == q.to_bits()),
                    "{a}"
                ),
                (p, q) => assert_eq!(p, q, "{a}"),
            }
        }
        let mut swapped = numbers.clone();
        swapped.swap(0, 1);
        assert_eq!(
            tensors_from(&header, swapped).unwrap_err(),
            "tensor `x`: its numbers do not match"
        );
        assert_eq!(
            tensors_from(&header, numbers[..2].to_vec()).unwrap_err(),
            "4 tensors but 2 arrays of numbers"
        );
        let mut short = numbers;
        short[0] = Numbers::F32(vec![1.0]);
        assert!(
            tensors_from(&header, short)
                .unwrap_err()
                .starts_with("tensor `x`: "),
        );
        assert!(
            tensors_from("[{", vec![])
                .unwrap_err()
                .starts_with("malformed tensors")
        );
    }
}
