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

use lockstep_core::engine::Engine;
use lockstep_core::onnx::{DimInfo, Model, Tensor, TensorData};
use lockstep_core::parity::{self, Tolerance};
use lockstep_serve::ort_engine::OrtEngine;
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

/// Every fixture of tests/data/onnx that names a model, in name order: (name, the
/// fixture's JSON, the model's bytes).
fn model_fixtures() -> Vec<(String, Value, Vec<u8>)> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(onnx_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    entries.sort();
    entries
        .into_iter()
        .filter_map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let fixture: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            let bytes = std::fs::read(onnx_dir().join(fixture["model"].as_str()?)).unwrap();
            Some((name, fixture, bytes))
        })
        .collect()
}

#[test]
fn core_engine_matches_live_onnx_runtime_on_every_fixture() {
    lockstep_tests::init_ort();
    let mut checked = 0;
    for (name, fixture, bytes) in model_fixtures() {
        let core = Model::from_bytes(&bytes).unwrap_or_else(|e| panic!("{name}: core: {e}"));
        let ort = OrtEngine::from_bytes(&bytes, 1).unwrap_or_else(|e| panic!("{name}: ort: {e}"));
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

/// Every fixture model's input metadata and outputs, through the engine seam: the core
/// engine and ONNX Runtime's pool are both `&dyn Engine`, declare the same inputs, and
/// agree in `parity::compare_engines` within the model family's tolerance.
#[test]
fn both_engines_run_through_the_engine_trait_and_agree_in_parity() {
    lockstep_tests::init_ort();
    let mut checked = 0;
    for (name, fixture, bytes) in model_fixtures() {
        let model = Model::from_bytes(&bytes).unwrap();
        // Two sessions: the pool the server and `lockstep skew` use.
        let pool = OrtEngine::pool(&bytes, 2, 1).unwrap();
        let core: &dyn Engine = &model;
        let ort: &dyn Engine = &pool;
        assert_eq!((core.name(), ort.name()), ("core", "onnxruntime"));
        assert_eq!(core.inputs().len(), ort.inputs().len(), "{name}: inputs");
        for (ours, theirs) in core.inputs().iter().zip(ort.inputs()) {
            assert_eq!(ours.name, theirs.name, "{name}: input name");
            assert_eq!(ours.dtype, theirs.dtype, "{name}/{}: dtype", ours.name);
            let fixed = |shape: &Option<Vec<DimInfo>>| {
                shape.as_ref().map(|dims| {
                    dims.iter()
                        .map(|d| match d {
                            DimInfo::Fixed(n) => Some(*n),
                            _ => None,
                        })
                        .collect::<Vec<_>>()
                })
            };
            assert_eq!(
                fixed(&ours.shape),
                fixed(&theirs.shape),
                "{name}/{}: fixed dimensions",
                ours.name
            );
        }
        let inputs = inputs_of(&fixture);
        let refs: Vec<(&str, &Tensor)> = inputs.iter().map(|(n, t)| (n.as_str(), t)).collect();
        let (atol, rtol) = tolerance(&name);
        let results = parity::compare_engines(core, ort, &refs, Tolerance { atol, rtol })
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(results.len(), model.outputs().len(), "{name}: outputs");
        for r in &results {
            assert!(
                r.comparison.passed(),
                "{name}/{}: {:?}",
                r.output,
                r.comparison
            );
        }
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} ONNX fixtures were checked");
}

/// An engine error is typed and names the engine: ONNX Runtime's rejection of a
/// wrong-width input comes back through the trait as a backend error.
#[test]
fn onnx_runtime_errors_come_through_the_trait_typed() {
    lockstep_tests::init_ort();
    let bytes = std::fs::read(onnx_dir().join("logreg_multinomial_iris.onnx")).unwrap();
    let pool = OrtEngine::pool(&bytes, 1, 1).unwrap();
    let ort: &dyn Engine = &pool;
    let input = ort.inputs()[0].name.clone();
    let wrong = Tensor::f32(vec![1, 3], vec![0.0; 3]).unwrap();
    let err = ort.run(&[(input.as_str(), &wrong)]).unwrap_err();
    let lockstep_core::engine::EngineError::Backend { engine, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(engine, "onnxruntime");
    assert!(
        err.to_string()
            .starts_with("ONNX Runtime failed to run the model"),
        "{err}"
    );
}
