//! Byte identity of the ONNX engine between wasm32 and x86_64.
//!
//! Both targets run every committed fixture model of tests/data/onnx on its stored inputs,
//! and the two benchmark models (tests/data/bench: a 100-tree GBDT and a (64, 32) MLP,
//! which runs as a dense layer stack) on 1 000 generated rows, and hash each output: the
//! sha256 of its name, dtype, shape and little-endian bytes. The native test writes those
//! lines to tests/data/onnx/identity.sha256 when `LOCKSTEP_UPDATE_FIXTURES=1` and otherwise
//! checks them against that file; the wasm32 test checks the same file.
//!
//! Native:
//!     cargo test -p lockstep-core --test onnx_wasm
//! wasm32 under Node (wasm-bindgen-cli on PATH as wasm-bindgen-test-runner):
//!     CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!         cargo test -p lockstep-core --target wasm32-unknown-unknown --test onnx_wasm

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use lockstep_core::onnx::{Model, Tensor, TensorData};
use serde_json::Value;
use sha2::{Digest, Sha256};

mod onnx_fixture;
use onnx_fixture::inputs_of;

macro_rules! fixtures {
    ($($name:literal),* $(,)?) => {
        [$((
            $name,
            include_bytes!(concat!("../../tests/data/onnx/", $name, ".onnx")).as_slice(),
            include_str!(concat!("../../tests/data/onnx/", $name, ".json")),
        )),*]
    };
}

/// Every fixture with stored inputs (a native test checks that none is missing).
const FIXTURES: [(&str, &[u8], &str); 45] = fixtures![
    "et_multiclass_wine",
    "et_regressor_diabetes",
    "gb_binary_breast_cancer_100",
    "gb_multiclass_iris",
    "gb_regressor_diabetes",
    "hgb_binary_breast_cancer",
    "hgb_multiclass_wine",
    "hgb_regressor_diabetes",
    "lgbm_binary_breast_cancer",
    "lgbm_multiclass_iris",
    "lgbm_regressor_diabetes",
    "linreg_diabetes",
    "logreg_binary_breast_cancer",
    "logreg_multinomial_iris",
    "minmax_logreg_wine",
    "mlp_classifier_iris",
    "mlp_logistic_binary_breast_cancer",
    "mlp_regressor_diabetes",
    "penguins_pipeline_logreg",
    "rf_binary_breast_cancer",
    "rf_multiclass_iris",
    "rf_regressor_diabetes",
    "ridge_scaled_diabetes",
    "synth_dense_ops",
    "synth_linear_classifier_one_row",
    "synth_linear_regressor_two_targets_softmax",
    "synth_preprocessing",
    "synth_softmax_legacy",
    "synth_tree_binary_mixed_logistic",
    "synth_tree_binary_mixed_none",
    "synth_tree_binary_two_ids_logistic",
    "synth_tree_max_probit",
    "synth_tree_min_two_targets",
    "synth_tree_modes_average",
    "synth_tree_strings_softmax_zero",
    "synth_tree_sum_softmax_three_targets",
    "torch_mlp_binary_breast_cancer",
    "torch_mlp_classifier_wine",
    "torch_mlp_regressor_diabetes",
    "v5_gb_regressor_diabetes",
    "v5_member_sets_logistic",
    "v5_rf_regressor_diabetes",
    "xgb_binary_breast_cancer",
    "xgb_multiclass_iris",
    "xgb_regressor_diabetes",
];

const GBDT: &[u8] = include_bytes!("../../tests/data/bench/gbdt_100x6.onnx");
const MLP: &[u8] = include_bytes!("../../tests/data/bench/mlp_64x32.onnx");

/// `rows × 30` values, roughly N(0, 1), from a fixed xorshift seed.
fn generated_rows(rows: usize) -> Tensor {
    let mut s = 0x5EED_0BAD_CAFE_0001u64;
    let mut uniform = move || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        ((s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32) / (1u64 << 24) as f32
    };
    let data = (0..rows * 30)
        .map(|_| (0..12).map(|_| uniform()).sum::<f32>() - 6.0)
        .collect();
    Tensor::f32(vec![rows, 30], data).unwrap()
}

/// `name output sha256` for each output of `model` on `inputs`.
fn hash_outputs(out: &mut String, name: &str, model: &[u8], inputs: &[(String, Tensor)]) {
    let model = Model::from_bytes(model).unwrap_or_else(|e| panic!("{name}: {e}"));
    let refs: Vec<(&str, &Tensor)> = inputs.iter().map(|(n, t)| (n.as_str(), t)).collect();
    for (output, t) in model.run(&refs).unwrap_or_else(|e| panic!("{name}: {e}")) {
        let mut h = Sha256::new();
        h.update(format!("{output} {} {:?}\n", t.dtype(), t.shape()));
        match t.data() {
            TensorData::F32(v) => v.iter().for_each(|x| h.update(x.to_le_bytes())),
            TensorData::F64(v) => v.iter().for_each(|x| h.update(x.to_le_bytes())),
            TensorData::I64(v) => v.iter().for_each(|x| h.update(x.to_le_bytes())),
            TensorData::Str(v) => v.iter().for_each(|x| {
                h.update(x.as_bytes());
                h.update([0]);
            }),
        }
        let digest: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        out.push_str(&format!("{name} {output} {digest}\n"));
    }
}

fn identity_lines() -> String {
    let mut out = String::new();
    for (name, model, json) in FIXTURES {
        let fixture: Value = serde_json::from_str(json).unwrap();
        let inputs = inputs_of(&fixture);
        hash_outputs(&mut out, name, model, &inputs);
    }
    let rows = vec![("input".to_owned(), generated_rows(1_000))];
    hash_outputs(&mut out, "bench_gbdt_100x6", GBDT, &rows);
    hash_outputs(&mut out, "bench_mlp_64x32", MLP, &rows);
    out
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn native_output_bytes_match_the_committed_hashes() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/onnx/identity.sha256");
    let lines = identity_lines();
    if std::env::var_os("LOCKSTEP_UPDATE_FIXTURES").is_some() {
        std::fs::write(&path, &lines).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        lines,
        committed,
        "the engine's output bytes changed; if that is intended, regenerate {} with LOCKSTEP_UPDATE_FIXTURES=1",
        path.display()
    );
}

/// Every `.json` fixture in tests/data/onnx is in `FIXTURES`.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn every_fixture_is_hashed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/onnx");
    let listed: Vec<&str> = FIXTURES.iter().map(|(n, _, _)| *n).collect();
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
            assert!(listed.contains(&stem.as_str()), "{stem} is not in FIXTURES");
            count += 1;
        }
    }
    assert_eq!(count, FIXTURES.len());
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test::wasm_bindgen_test]
fn wasm_output_bytes_match_the_native_hashes() {
    const COMMITTED: &str = include_str!("../../tests/data/onnx/identity.sha256");
    assert_eq!(identity_lines(), COMMITTED);
}
