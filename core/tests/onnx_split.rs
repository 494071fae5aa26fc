//! Splitting a batch (chunks of rows, threads natively, parts run apart as the page's
//! engine workers run them) never changes an output bit: every fixture in tests/data/onnx
//! runs unsplit, in chunks of 1, 2, 3 and 7 rows, on 2 and 3 threads and in 3 parts
//! merged again, and the outputs must be identical. The models the load-time analysis
//! refuses to split are listed, so it cannot silently become more conservative.

// Test helpers outside #[test] fns are not covered by clippy's allow-unwrap-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use lockstep_core::onnx::{Model, Tensor, TensorData};
use serde_json::Value;

mod onnx_fixture;
use onnx_fixture::inputs_of;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/onnx")
}

/// Equal shapes and bit-identical data (NaN equal to the same NaN).
fn same_bits(a: &Tensor, b: &Tensor) -> bool {
    a.shape() == b.shape()
        && match (a.data(), b.data()) {
            (TensorData::F32(x), TensorData::F32(y)) => {
                x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits())
            }
            (TensorData::F64(x), TensorData::F64(y)) => {
                x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits())
            }
            (x, y) => x == y,
        }
}

fn assert_same(model: &str, how: &str, want: &[(String, Tensor)], got: &[(String, Tensor)]) {
    assert_eq!(want.len(), got.len(), "{model} {how}: output count");
    for ((wn, w), (gn, g)) in want.iter().zip(got) {
        assert_eq!(wn, gn, "{model} {how}: output order");
        assert!(
            same_bits(w, g),
            "{model} {how}: `{wn}` differs: {:?} vs {:?}",
            w.shape(),
            g.shape()
        );
    }
}

/// Models whose graphs the analysis must refuse to split, and why.
const UNSPLIT: &[(&str, &str)] = &[
    ("synth_dense_ops", "a Softmax along axis 0 mixes rows"),
    ("zipmap_logreg_iris", "not loadable (ZipMap)"),
];

fn whole_rows(inputs: &[(&str, &Tensor)]) -> usize {
    inputs[0].1.shape()[0]
}

#[test]
fn chunked_and_threaded_runs_equal_the_unsplit_run_on_every_fixture() {
    let dir = data_dir();
    let mut split = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let fixture: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let bytes = std::fs::read(dir.join(fixture["model"].as_str().unwrap())).unwrap();
        let model = Model::from_bytes(&bytes).unwrap();
        let inputs = inputs_of(&fixture);
        let refs: Vec<(&str, &Tensor)> = inputs.iter().map(|(n, t)| (n.as_str(), t)).collect();
        let refused = UNSPLIT.iter().any(|(n, _)| *n == name);
        assert_eq!(
            model.splits_batch(),
            !refused,
            "{name}: splits_batch() should be {}",
            !refused
        );
        let whole = model.run_chunked(&refs, 0).unwrap();
        for chunk in [1, 2, 3, 7] {
            let got = model.run_chunked(&refs, chunk).unwrap();
            assert_same(&name, &format!("in chunks of {chunk}"), &whole, &got);
        }
        // Cut into parts run apart (the page's engine workers) and merged back.
        let parts = model.split_rows(&refs, 3, 1).unwrap();
        assert_eq!(parts.is_some(), !refused, "{name}: split_rows");
        if let Some(parts) = parts {
            assert_eq!(parts.len(), 3.min(whole_rows(&refs)), "{name}: parts");
            let outputs: Vec<_> = parts
                .iter()
                .map(|part| {
                    let refs: Vec<(&str, &Tensor)> =
                        part.iter().map(|(n, t)| (n.as_str(), t)).collect();
                    model.run(&refs).unwrap()
                })
                .collect();
            let got = model.merge_rows(outputs).unwrap();
            assert_same(&name, "in parts run apart", &whole, &got);
        }
        assert!(
            model.split_rows(&refs, 3, usize::MAX).unwrap().is_none(),
            "{name}: too few rows for two parts runs whole"
        );
        #[cfg(not(target_arch = "wasm32"))]
        for threads in [2, 3] {
            let got = model.run_parallel_chunked(&refs, threads, 2).unwrap();
            assert_same(&name, &format!("on {threads} threads"), &whole, &got);
        }
        split += usize::from(!refused);
    }
    assert!(split >= 35, "only {split} fixtures split");
}
