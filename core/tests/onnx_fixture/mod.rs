//! Reading the ONNX fixtures of tests/data/onnx (written by
//! scripts/fixtures/gen_onnx_models.py): shared by the engine's parity, split and wasm32
//! identity tests here, and by tests/ort_parity.rs.

use lockstep_core::onnx::Tensor;
use serde_json::Value;

/// A fixture tensor: `{"dtype", "shape", "data"}`, row-major, float NaN stored as `null`.
pub fn tensor_from_json(v: &Value) -> Tensor {
    let shape: Vec<usize> = v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    let data = v["data"].as_array().unwrap();
    let float = |x: &Value| x.as_f64().unwrap_or(f64::NAN);
    match v["dtype"].as_str().unwrap() {
        "float32" => Tensor::f32(shape, data.iter().map(|x| float(x) as f32).collect()).unwrap(),
        "float64" => Tensor::f64(shape, data.iter().map(float).collect()).unwrap(),
        "int64" => Tensor::i64(shape, data.iter().map(|x| x.as_i64().unwrap()).collect()).unwrap(),
        "string" => Tensor::strings(
            shape,
            data.iter()
                .map(|x| x.as_str().unwrap().to_owned())
                .collect(),
        )
        .unwrap(),
        other => panic!("unknown dtype {other}"),
    }
}

/// A fixture's named inputs (`fixture["inputs"]`), in order.
pub fn inputs_of(fixture: &Value) -> Vec<(String, Tensor)> {
    fixture["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["name"].as_str().unwrap().to_owned(), tensor_from_json(i)))
        .collect()
}
