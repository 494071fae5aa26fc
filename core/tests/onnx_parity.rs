//! The ONNX engine against ONNX Runtime: every model in tests/data/onnx was exported and
//! run by scripts/fixtures/gen_onnx_models.py; its outputs are ORT's (single-threaded).
//! Labels must be equal; scores must agree within the tolerance stated per model family.

// Test helpers outside #[test] fns are not covered by clippy's allow-unwrap-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use lockstep_core::onnx::{Model, Tensor, TensorData};
use serde_json::Value;

mod onnx_fixture;
use onnx_fixture::{inputs_of, tensor_from_json};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/onnx")
}

/// Absolute and relative tolerance for float outputs: |ours - ort| <= atol + rtol * |ort|.
struct Tol {
    atol: f64,
    rtol: f64,
}

/// Outcome of one model's comparison, for the summary.
struct Report {
    max_abs: f64,
    bit_identical: bool,
}

fn check_model(name: &str, tol: Tol) -> Report {
    let dir = data_dir();
    let fixture: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap())
            .unwrap();
    let bytes = std::fs::read(dir.join(fixture["model"].as_str().unwrap())).unwrap();
    let model = Model::from_bytes(&bytes).unwrap_or_else(|e| panic!("{name}: load failed: {e}"));
    let inputs = inputs_of(&fixture);
    let refs: Vec<(&str, &Tensor)> = inputs.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let outputs = model
        .run(&refs)
        .unwrap_or_else(|e| panic!("{name}: run failed: {e}"));
    // The matrix convenience must give exactly the same outputs for single-input models.
    if let [(_, t)] = inputs.as_slice()
        && let (Some(data), [rows, cols]) = (t.as_f32(), t.shape())
    {
        let via_matrix = model.run_f32_matrix(data.to_vec(), *rows, *cols).unwrap();
        assert_eq!(
            via_matrix, outputs,
            "{name}: run_f32_matrix differs from run"
        );
    }
    let expected = fixture["outputs"].as_array().unwrap();
    assert_eq!(outputs.len(), expected.len(), "{name}: number of outputs");
    let mut report = Report {
        max_abs: 0.0,
        bit_identical: true,
    };
    for ((out_name, got), want) in outputs.iter().zip(expected) {
        let want_t = tensor_from_json(want);
        assert_eq!(
            out_name,
            want["name"].as_str().unwrap(),
            "{name}: output order"
        );
        assert_eq!(got.shape(), want_t.shape(), "{name}/{out_name}: shape");
        match (got.data(), want_t.data()) {
            (TensorData::I64(a), TensorData::I64(b)) => {
                assert_eq!(a, b, "{name}/{out_name}: labels")
            }
            (TensorData::Str(a), TensorData::Str(b)) => {
                assert_eq!(a, b, "{name}/{out_name}: labels")
            }
            (TensorData::F32(a), TensorData::F32(b)) => {
                for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
                    let (x, y) = (f64::from(x), f64::from(y));
                    let diff = (x - y).abs();
                    report.max_abs = report.max_abs.max(diff);
                    report.bit_identical &= x == y;
                    assert!(
                        diff <= tol.atol + tol.rtol * y.abs(),
                        "{name}/{out_name}[{i}]: ours {x} vs ORT {y} (diff {diff:e}, atol {}, rtol {})",
                        tol.atol,
                        tol.rtol
                    );
                }
            }
            (a, b) => panic!(
                "{name}/{out_name}: dtype {} vs ORT {}",
                a.dtype(),
                b.dtype()
            ),
        }
    }
    eprintln!(
        "{name}: max |diff| {:e}, bit-identical: {}",
        report.max_abs, report.bit_identical
    );
    report
}

/// Tree ensembles: same f32 comparisons and the same f32 summation order as ORT, so the
/// sums are bit-identical; post transforms (exp) may differ by an ulp between libm
/// implementations, hence 1e-6 absolute (probabilities) plus 1e-6 relative (regression
/// values in the hundreds carry f32 ulps of ~1.5e-5). In practice every tree fixture is
/// bit-identical. (Multi-threaded ORT splits the tree sum differently and itself moves by
/// up to 1 ulp — measured 3.8e-5 on diabetes regressors — still inside this bound.)
const TREES: Tol = Tol {
    atol: 1e-6,
    rtol: 1e-6,
};

/// Linear models and MLPs: ORT computes dot products with blocked MLAS GEMM (different
/// summation order, FMA) and vectorised exp/tanh/logistic approximations; we accumulate
/// in order. Probabilities agree to 1e-6; raw regression outputs (~100s) to 2e-6 relative.
const DENSE: Tol = Tol {
    atol: 1e-6,
    rtol: 2e-6,
};

macro_rules! parity {
    ($($test:ident => $tol:expr),* $(,)?) => {$(
        #[test]
        fn $test() {
            check_model(stringify!($test), $tol);
        }
    )*};
}

parity! {
    logreg_binary_breast_cancer => DENSE,
    logreg_multinomial_iris => DENSE,
    minmax_logreg_wine => DENSE,
    linreg_diabetes => DENSE,
    ridge_scaled_diabetes => DENSE,
    penguins_pipeline_logreg => DENSE,
    mlp_classifier_iris => DENSE,
    mlp_logistic_binary_breast_cancer => DENSE,
    mlp_regressor_diabetes => DENSE,
    // PyTorch MLPs through torch.onnx (scripts/fixtures/gen_onnx_torch.py, needs torch).
    torch_mlp_classifier_wine => DENSE,
    torch_mlp_binary_breast_cancer => DENSE,
    torch_mlp_regressor_diabetes => DENSE,
    rf_binary_breast_cancer => TREES,
    rf_multiclass_iris => TREES,
    et_multiclass_wine => TREES,
    rf_regressor_diabetes => TREES,
    et_regressor_diabetes => TREES,
    gb_binary_breast_cancer_100 => TREES,
    gb_multiclass_iris => TREES,
    gb_regressor_diabetes => TREES,
    hgb_binary_breast_cancer => TREES,
    hgb_multiclass_wine => TREES,
    hgb_regressor_diabetes => TREES,
    xgb_binary_breast_cancer => TREES,
    xgb_multiclass_iris => TREES,
    xgb_regressor_diabetes => TREES,
    lgbm_binary_breast_cancer => TREES,
    lgbm_multiclass_iris => TREES,
    lgbm_regressor_diabetes => TREES,
    // Hand-built graphs covering options the exporters do not emit (outputs still ORT's).
    synth_tree_modes_average => TREES,
    synth_tree_min_two_targets => TREES,
    synth_tree_max_probit => TREES,
    synth_tree_sum_softmax_three_targets => TREES,
    synth_tree_strings_softmax_zero => TREES,
    synth_tree_binary_mixed_none => TREES,
    synth_tree_binary_mixed_logistic => TREES,
    synth_tree_binary_two_ids_logistic => TREES,
    synth_linear_classifier_one_row => DENSE,
    synth_linear_regressor_two_targets_softmax => DENSE,
    synth_dense_ops => DENSE,
    synth_softmax_legacy => DENSE,
    synth_preprocessing => DENSE,
    // ai.onnx.ml opset 5 TreeEnsemble.
    v5_rf_regressor_diabetes => TREES,
    v5_gb_regressor_diabetes => TREES,
    v5_member_sets_logistic => TREES,
}

/// Every fixture in the directory is covered by a test above (a new fixture must be added).
#[test]
fn every_fixture_has_a_parity_test() {
    let listed = include_str!("onnx_parity.rs");
    let mut count = 0;
    for entry in std::fs::read_dir(data_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
            assert!(
                listed.contains(&format!("    {stem} => ")),
                "fixture {stem} has no parity test"
            );
            count += 1;
        }
    }
    assert!(count >= 30, "only {count} fixtures found");
}
