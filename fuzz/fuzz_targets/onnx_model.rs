//! ONNX bytes → a compiled model (protobuf decode, graph checks, folding, fusion),
//! then one run on a small batch of zeros: a result or a named error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use lockstep_core::onnx::{DType, DimInfo, Model, Tensor};

fuzz_target!(|data: &[u8]| {
    let Ok(model) = Model::from_bytes(data) else {
        return;
    };
    let mut inputs = Vec::new();
    for info in model.inputs() {
        let (Some(dtype), Some(dims)) = (info.dtype, info.shape.as_ref()) else {
            return;
        };
        // Free dimensions are 2 rows; fixed ones are kept when small.
        let shape: Vec<usize> = dims
            .iter()
            .map(|d| match d {
                DimInfo::Fixed(n) => *n,
                _ => 2,
            })
            .collect();
        let count: usize = shape.iter().product();
        if count > 4096 {
            return;
        }
        let tensor = match dtype {
            DType::F32 => Tensor::f32(shape, vec![0.5; count]),
            DType::F64 => Tensor::f64(shape, vec![0.5; count]),
            DType::I64 => Tensor::i64(shape, vec![1; count]),
            DType::Str => Tensor::strings(shape, vec!["a".to_owned(); count]),
        };
        let Ok(tensor) = tensor else { return };
        inputs.push((info.name.clone(), tensor));
    }
    let named: Vec<(&str, &Tensor)> = inputs.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let _ = model.run(&named);
});
