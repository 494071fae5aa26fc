//! Issue 19, finding 11: `--engine onnxruntime` had no size cap (100,000 `Concat`s took
//! 5.1 GB and exited 0). Every model handed to ONNX Runtime is now checked first
//! (`lockstep_serve::ort_preflight`). The hostile models are built by
//! `scripts/fixtures/hostile_onnx.py` with the `onnx` package's own encoder.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use lockstep_serve::ort_preflight::{self, ModelLimits, PreflightError};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The hostile models, built once per test binary.
fn hostile() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let python = repo().join(".venv/bin/python");
        let status = Command::new(&python)
            .arg(repo().join("scripts/fixtures/hostile_onnx.py"))
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success(), "hostile_onnx.py failed");
        dir
    })
    .path()
}

fn check(name: &str) -> Result<ort_preflight::ModelSummary, PreflightError> {
    let bytes = std::fs::read(hostile().join(name)).unwrap();
    ort_preflight::check(&bytes, &ModelLimits::default())
}

#[test]
fn a_model_of_100000_concats_is_refused_by_node_count() {
    assert_eq!(
        check("concat_chain_100000.onnx"),
        Err(PreflightError::TooManyNodes {
            limit: ort_preflight::MAX_NODES
        })
    );
    let small = check("concat_chain_1000.onnx").unwrap();
    assert_eq!(small.nodes, 1000);
    assert_eq!(small.graph_depth, 1);
}

#[test]
fn tensors_declaring_more_than_they_hold_are_refused() {
    let err = check("huge_initializer.onnx").unwrap_err();
    assert_eq!(
        err,
        PreflightError::TensorTooLarge {
            name: "W".into(),
            dims: vec![1 << 30],
            limit: ort_preflight::MAX_TENSOR_ELEMENTS
        }
    );
    assert_eq!(
        err.to_string(),
        "tensor `W` declares shape [1073741824]: more than 268435456 elements"
    );
    match check("declared_beyond_file.onnx").unwrap_err() {
        PreflightError::DeclaredBeyondFile { declared, file } => {
            assert_eq!(declared, 4_000_000);
            assert!(file < 200, "{file}");
        }
        other => panic!("{other}"),
    }
    assert_eq!(
        check("negative_dim.onnx").unwrap_err(),
        PreflightError::NegativeDimension {
            name: "W".into(),
            dims: vec![-1]
        }
    );
}

#[test]
fn external_data_is_refused() {
    assert_eq!(
        check("external_data.onnx").unwrap_err(),
        PreflightError::ExternalData { name: "W".into() }
    );
}

#[test]
fn a_constant_of_shape_fed_a_huge_shape_is_refused() {
    assert_eq!(
        check("constant_of_shape.onnx").unwrap_err(),
        PreflightError::ShapeTooLarge {
            op: "ConstantOfShape".into(),
            node: String::new(),
            shape: vec![1 << 20, 1 << 20],
            limit: ort_preflight::MAX_TENSOR_ELEMENTS
        }
    );
}

#[test]
fn subgraphs_nested_too_deep_are_refused_and_counted() {
    assert_eq!(
        check("nested_if_20.onnx").unwrap_err(),
        PreflightError::TooDeep {
            limit: ort_preflight::MAX_GRAPH_DEPTH
        }
    );
    let bytes = std::fs::read(hostile().join("nested_if_20.onnx")).unwrap();
    let deep = ModelLimits {
        max_graph_depth: 32,
        ..ModelLimits::default()
    };
    let summary = ort_preflight::check(&bytes, &deep).unwrap();
    // 20 Ifs, each with a leaf Identity as its else branch, and the innermost leaf.
    assert_eq!(summary.nodes, 41);
    assert_eq!(summary.graph_depth, 21);
}

#[test]
fn every_fixture_model_passes_and_a_truncated_one_is_malformed() {
    let mut models: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/data/onnx"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "onnx"))
        .collect();
    models.push(repo().join("tests/data/serving/model.onnx"));
    assert!(models.len() > 40);
    for model in &models {
        let bytes = std::fs::read(model).unwrap();
        let summary = ort_preflight::check(&bytes, &ModelLimits::default())
            .unwrap_or_else(|e| panic!("{}: {e}", model.display()));
        assert!(summary.nodes > 0, "{}", model.display());
        assert!(summary.tensor_bytes <= bytes.len() as u64);
        // Cut inside its graph, the model is a named error, never a panic.
        for cut in [bytes.len() / 2, bytes.len() - 1] {
            let _ = ort_preflight::check(&bytes[..cut], &ModelLimits::default());
        }
    }
    let bytes = std::fs::read(repo().join("tests/data/serving/model.onnx")).unwrap();
    assert!(matches!(
        ort_preflight::check(&bytes[..bytes.len() / 2], &ModelLimits::default()),
        Err(PreflightError::Malformed(_))
    ));
}

/// The CLI with `--engine onnxruntime` names the refusal (exit 2) instead of loading
/// the model into ONNX Runtime.
#[test]
fn predict_with_onnxruntime_names_the_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("x.csv");
    std::fs::write(&input, "X\n1\n2\n").unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_lockstep"));
    if let Some(lib) = lockstep_serve::ort_engine::find_in_venv(&repo()) {
        command.env("ORT_DYLIB_PATH", lib);
    }
    let out = command
        .args(["predict", "--engine", "onnxruntime", "--model"])
        .arg(hostile().join("concat_chain_100000.onnx"))
        .arg("--input")
        .arg(&input)
        .arg("-o")
        .arg(dir.path().join("out.csv"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "the model was refused before loading it into ONNX Runtime: the model has more than 20000 nodes"
        ),
        "{stderr}"
    );
}
