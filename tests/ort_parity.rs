//! The core engine against ONNX Runtime itself (through the `ort` crate, loading the
//! library from the onnxruntime wheel), on every model in tests/data/onnx.
//!
//! Two checks per model and input:
//! 1. `ort` in Rust reproduces the outputs Python's onnxruntime stored in the fixture
//!    (same library, single-threaded): labels equal, floats within the tolerances
//!    below — this proves the Rust-side ORT wrapper is a faithful reference. Not bit
//!    for bit: the stored outputs came from another machine's CPU, and ONNX Runtime
//!    picks different vectorised kernels on an AVX-only CPU than on an AVX2 one
//!    (seen: differences of 1e-9 on a fresh machine). Live engines are compared bit for
//!    bit only on the same machine.
//! 2. `lockstep-core`'s engine agrees with that live ORT run: labels equal; floats
//!    within 1e-6 absolute + 1e-6 relative for tree ensembles (same f32 comparisons and
//!    summation order: in practice bit-identical), and 1e-6 absolute + 2e-6 relative for
//!    linear models and MLPs (ORT's blocked MLAS GEMM and vectorised exp/tanh round
//!    differently from a plain dot product: a few f32 ulps).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use std::path::PathBuf;

use lockstep_core::onnx::{Model, Tensor, TensorData};
use lockstep_serve::ort_engine::OrtModel;
use serde_json::Value;

#[path = "../core/tests/onnx_fixture/mod.rs"]
mod onnx_fixture;
use onnx_fixture::{inputs_of, tensor_from_json};

fn onnx_dir() -> PathBuf {
    lockstep_tests::data_path("onnx")
}

/// (absolute, relative): |ours − ORT| ≤ atol + rtol·|ORT|. The same bounds as
/// core/tests/onnx_parity.rs uses against the stored outputs.
fn tolerance(name: &str) -> (f64, f64) {
    let trees = [
        "rf_",
        "et_",
        "gb_",
        "hgb_",
        "xgb_",
        "lgbm_",
        "synth_tree",
        "v5_",
    ];
    if trees.iter().any(|t| name.starts_with(t)) {
        (1e-6, 1e-6)
    } else {
        (1e-6, 2e-6)
    }
}

fn compare(what: &str, ours: &Tensor, reference: &Tensor, atol: f64, rtol: f64) -> f64 {
    assert_eq!(ours.shape(), reference.shape(), "{what}: shape");
    let mut max = 0.0_f64;
    match (ours.data(), reference.data()) {
        (TensorData::I64(a), TensorData::I64(b)) => assert_eq!(a, b, "{what}: labels"),
        (TensorData::Str(a), TensorData::Str(b)) => assert_eq!(a, b, "{what}: labels"),
        (TensorData::F32(a), TensorData::F32(b)) => {
            for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
                let (x, y) = (f64::from(x), f64::from(y));
                let diff = (x - y).abs();
                max = max.max(diff);
                assert!(
                    diff <= atol + rtol * y.abs() || (x.is_nan() && y.is_nan()),
                    "{what}[{i}]: {x} vs ORT {y} (|diff| {diff:e})"
                );
            }
        }
        (TensorData::F64(a), TensorData::F64(b)) => {
            for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
                let diff = (x - y).abs();
                max = max.max(diff);
                assert!(diff <= atol + rtol * y.abs(), "{what}[{i}]: {x} vs ORT {y}");
            }
        }
        (a, b) => panic!("{what}: dtype {} vs ORT {}", a.dtype(), b.dtype()),
    }
    max
}

#[test]
fn core_engine_matches_live_onnx_runtime_on_every_fixture() {
    lockstep_tests::init_ort();
    let mut checked = 0;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(onnx_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let fixture: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let Some(model_file) = fixture["model"].as_str() else {
            continue;
        };
        let bytes = std::fs::read(onnx_dir().join(model_file)).unwrap();
        let core = Model::from_bytes(&bytes).unwrap_or_else(|e| panic!("{name}: core: {e}"));
        let ort = OrtModel::from_bytes(&bytes, 1).unwrap_or_else(|e| panic!("{name}: ort: {e}"));
        let inputs = inputs_of(&fixture);
        let refs: Vec<(&str, &Tensor)> = inputs.iter().map(|(n, t)| (n.as_str(), t)).collect();
        let live = ort
            .run(&refs)
            .unwrap_or_else(|e| panic!("{name}: ort run: {e}"));
        let ours = core
            .run(&refs)
            .unwrap_or_else(|e| panic!("{name}: core run: {e}"));
        let stored = fixture["outputs"].as_array().unwrap();
        assert_eq!(live.len(), stored.len(), "{name}: outputs");
        let (atol, rtol) = tolerance(&name);
        let mut max = 0.0_f64;
        for (((live_name, live_t), (our_name, our_t)), stored_t) in
            live.iter().zip(&ours).zip(stored)
        {
            assert_eq!(live_name, our_name, "{name}: output order");
            let what = format!("{name}/{live_name}");
            compare(
                &format!("{what} (ort-rs vs onnxruntime-python)"),
                live_t,
                &tensor_from_json(stored_t),
                atol,
                rtol,
            );
            max = max.max(compare(&what, our_t, live_t, atol, rtol));
        }
        eprintln!("{name}: core vs ORT max |diff| {max:e}");
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} ONNX fixtures were checked");
}
