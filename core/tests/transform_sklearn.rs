//! Feature transforms against scikit-learn and numpy.
//!
//! Each file in tests/data/transforms/cases was written by
//! scripts/fixtures/gen_transforms.py: a Lockstep spec, the output feature names and
//! the reference outputs (StandardScaler, MinMaxScaler, SimpleImputer,
//! KBinsDiscretizer(strategy="quantile", quantile_method="averaged_inverted_cdf"),
//! OneHotEncoder, OrdinalEncoder, FeatureHasher, np.log1p, np.clip) on the train and
//! test splits, fitted on train only.
//!
//! Tolerance: `|lockstep - reference| <= 1e-6 * max(1, |reference|)`. Lockstep
//! computes in f64 and returns f32, so the f32 rounding (relative 6e-8) is the
//! largest expected gap; encoders and bins must match exactly (they do: 0/±1 and
//! small integers are exact in f32).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use std::path::{Path, PathBuf};

use lockstep_core::table::{CsvOptions, Table};
use lockstep_core::transform::{self, FeatureMatrix, FittedPipeline, PipelineSpec};
use serde::Deserialize;

const TOLERANCE: f64 = 1e-6;

#[derive(Deserialize)]
struct Case {
    name: String,
    reference: String,
    spec: serde_json::Value,
    feature_names: Vec<String>,
    train: Vec<Vec<f64>>,
    test: Vec<Vec<f64>>,
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/transforms")
}

fn read_csv(name: &str) -> Table {
    let bytes = std::fs::read(data_dir().join(name)).unwrap();
    Table::from_csv(&bytes, &CsvOptions::default()).unwrap()
}

fn cases() -> Vec<Case> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(data_dir().join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
        .collect()
}

/// Asserts the tolerance; returns the largest scaled gap seen.
fn assert_matches(case: &Case, split: &str, actual: &FeatureMatrix, expected: &[Vec<f64>]) -> f64 {
    let mut worst = 0.0_f64;
    assert_eq!(
        actual.num_rows(),
        expected.len(),
        "{} {split}: rows",
        case.name
    );
    for (row, want) in expected.iter().enumerate() {
        let got = actual.row(row).unwrap();
        assert_eq!(got.len(), want.len(), "{} {split}: width", case.name);
        for (feature, (g, w)) in got.iter().zip(want).enumerate() {
            let g = f64::from(*g);
            worst = worst.max((g - w).abs() / w.abs().max(1.0));
            assert!(
                (g - w).abs() <= TOLERANCE * w.abs().max(1.0),
                "{} ({}) {split} row {row} feature `{}`: lockstep {g}, reference {w}",
                case.name,
                case.reference,
                case.feature_names[feature],
            );
        }
    }
    worst
}

#[test]
fn every_case_matches_its_reference() {
    let train = read_csv("train.csv");
    let test = read_csv("test.csv");
    let cases = cases();
    assert!(cases.len() >= 25, "only {} cases found", cases.len());
    for case in &cases {
        let spec = PipelineSpec::from_json(&case.spec.to_string()).unwrap();
        let fitted = transform::fit(&spec, &train)
            .unwrap_or_else(|e| panic!("{}: fit failed: {e}", case.name));
        assert_eq!(fitted.feature_names(), case.feature_names, "{}", case.name);
        let on_train = transform::apply(&fitted, &train).unwrap();
        let on_test = transform::apply(&fitted, &test).unwrap();
        let worst = assert_matches(case, "train", &on_train, &case.train)
            .max(assert_matches(case, "test", &on_test, &case.test));
        // Shown with --nocapture: how close each case really is.
        println!("{:<40} largest scaled gap {worst:.2e}", case.name);
    }
}

#[test]
fn jsonl_input_gives_the_same_features_as_csv() {
    let case = cases().into_iter().find(|c| c.name == "combined").unwrap();
    let spec = PipelineSpec::from_json(&case.spec.to_string()).unwrap();
    let read_jsonl = |name: &str| {
        let bytes = std::fs::read(data_dir().join(name)).unwrap();
        Table::from_jsonl(&bytes, &Default::default()).unwrap()
    };
    let from_csv = transform::fit(&spec, &read_csv("train.csv")).unwrap();
    let from_jsonl = transform::fit(&spec, &read_jsonl("train.jsonl")).unwrap();
    assert_eq!(from_csv.fingerprint(), from_jsonl.fingerprint());
    let a = transform::apply(&from_csv, &read_csv("test.csv")).unwrap();
    let b = transform::apply(&from_jsonl, &read_jsonl("test.jsonl")).unwrap();
    assert_eq!(a.values(), b.values());
    assert_matches(&case, "test (jsonl)", &b, &case.test);
}

#[test]
fn unseen_categories_are_counted_per_column() {
    let case = cases().into_iter().find(|c| c.name == "combined").unwrap();
    let spec = PipelineSpec::from_json(&case.spec.to_string()).unwrap();
    let fitted = transform::fit(&spec, &read_csv("train.csv")).unwrap();
    // No category is unseen in the training table itself.
    let on_train = transform::apply(&fitted, &read_csv("train.csv")).unwrap();
    assert!(
        on_train
            .oov()
            .iter()
            .all(|c| c.rows == 0 && c.distinct == 0)
    );
    // The test split holds rows of two cities absent from training: exactly the rows
    // scikit-learn's OneHotEncoder(handle_unknown="ignore") encodes as all zeros.
    let ignored = cases()
        .into_iter()
        .find(|c| c.name == "one_hot_unseen_ignored")
        .unwrap();
    let unknown_rows = ignored
        .test
        .iter()
        .filter(|r| r.iter().all(|v| *v == 0.0))
        .count() as u64;
    assert!(unknown_rows > 0);
    let on_test = transform::apply(&fitted, &read_csv("test.csv")).unwrap();
    let city = on_test.oov().iter().find(|c| c.column == "city").unwrap();
    assert_eq!(city.rows, unknown_rows);
    assert_eq!(city.examples, ["Yerevan", "Zagreb"]);
    assert_eq!(city.distinct, 2);
    // Every cross of an unseen city is unseen too (and maybe some new pairs).
    let cross = on_test
        .oov()
        .iter()
        .find(|c| c.column == "city_x_device")
        .unwrap();
    assert!(cross.rows >= unknown_rows, "cross OOV rows {}", cross.rows);
    let columns: Vec<&str> = on_test.oov().iter().map(|c| c.column.as_str()).collect();
    assert_eq!(
        columns,
        ["device", "city", "plan", "plan_ordinal", "city_x_device"]
    );
}

#[test]
fn fitted_pipeline_round_trips_through_json() {
    let case = cases().into_iter().find(|c| c.name == "combined").unwrap();
    let spec = PipelineSpec::from_json(&case.spec.to_string()).unwrap();
    let train = read_csv("train.csv");
    let fitted = transform::fit(&spec, &train).unwrap();
    let json = fitted.to_json().unwrap();
    let loaded = FittedPipeline::from_json(&json).unwrap();
    assert_eq!(loaded, fitted);
    assert_eq!(loaded.to_json().unwrap(), json);
    assert_eq!(loaded.fingerprint().len(), 64);
    let test = read_csv("test.csv");
    assert_eq!(
        transform::apply(&loaded, &test).unwrap(),
        transform::apply(&fitted, &test).unwrap()
    );
    // The JSON carries the input schema, the feature names and the statistics.
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let schema = value["input_schema"].as_array().unwrap();
    let age = schema.iter().find(|c| c["name"] == "age").unwrap();
    assert_eq!(age["data_type"], "float64");
    assert_eq!(age["nullable"], true);
    let device = schema.iter().find(|c| c["name"] == "device").unwrap();
    assert_eq!(
        device["categories"],
        serde_json::json!(["android", "ios", "web"])
    );
    assert_eq!(
        value["feature_names"].as_array().unwrap().len(),
        case.feature_names.len()
    );
}

#[test]
fn an_edited_fitted_pipeline_is_refused() {
    let case = cases()
        .into_iter()
        .find(|c| c.name == "standardize")
        .unwrap();
    let spec = PipelineSpec::from_json(&case.spec.to_string()).unwrap();
    let fitted = transform::fit(&spec, &read_csv("train.csv")).unwrap();
    let json = fitted.to_json().unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value["blocks"][0]["steps"][0]["scale"] = serde_json::json!(2.5);
    let err = FittedPipeline::from_json(&value.to_string()).unwrap_err();
    assert!(
        matches!(err, transform::TransformError::FingerprintMismatch { ref stored, .. } if stored == fitted.fingerprint()),
        "{err}"
    );
}

#[test]
fn the_fingerprint_depends_on_the_training_data() {
    let case = cases()
        .into_iter()
        .find(|c| c.name == "standardize")
        .unwrap();
    let spec = PipelineSpec::from_json(&case.spec.to_string()).unwrap();
    let a = transform::fit(&spec, &read_csv("train.csv")).unwrap();
    let b = transform::fit(&spec, &read_csv("test.csv")).unwrap();
    let again = transform::fit(&spec, &read_csv("train.csv")).unwrap();
    assert_eq!(a.fingerprint(), again.fingerprint());
    assert_ne!(a.fingerprint(), b.fingerprint());
}

#[derive(Deserialize)]
struct QuantileCase {
    values: Vec<f64>,
    n_bins: u32,
    inner_edges: Vec<f64>,
}

/// KBinsDiscretizer's quantile edges on 252 small samples: the fitted inner edges
/// are bit-for-bit numpy's (Lockstep repeats its arithmetic operation by operation).
#[test]
fn quantile_edges_equal_kbins_discretizer_bit_for_bit() {
    use lockstep_core::table::{Column, ColumnData};
    use lockstep_core::transform::FittedStep;
    let text = std::fs::read(data_dir().join("quantile_edges.json")).unwrap();
    let grid: Vec<QuantileCase> = serde_json::from_slice(&text).unwrap();
    assert!(grid.len() > 200);
    for (i, case) in grid.iter().enumerate() {
        let column = ColumnData::Float64(case.values.iter().copied().map(Some).collect());
        let table = Table::new(vec![Column::new("x", column)]).unwrap();
        let spec = PipelineSpec::from_json(&format!(
            r#"{{"columns": [{{"name": "x", "steps": [{{"step": "bucketize", "quantiles": {}}}]}}]}}"#,
            case.n_bins
        ))
        .unwrap();
        let fitted = transform::fit(&spec, &table).unwrap();
        let FittedStep::Bucketize { inner_edges } = &fitted.blocks()[0].steps[0] else {
            panic!("case {i}: not a bucketize step");
        };
        assert_eq!(
            inner_edges,
            &case.inner_edges,
            "case {i}: n = {}, n_bins = {}",
            case.values.len(),
            case.n_bins
        );
    }
}

#[derive(Deserialize)]
struct MurmurVector {
    text: String,
    hash: i32,
}

/// The hash behind `hash` steps equals scikit-learn's `murmurhash3_32(text, seed=0)`
/// on 125 strings of every tail length, empty and non-ASCII ones included.
#[test]
fn murmurhash3_equals_scikit_learn() {
    let text = std::fs::read(data_dir().join("murmurhash3.json")).unwrap();
    let vectors: Vec<MurmurVector> = serde_json::from_slice(&text).unwrap();
    assert!(vectors.len() > 100);
    for v in &vectors {
        let h = lockstep_core::transform::steps::murmurhash3_x86_32(v.text.as_bytes(), 0) as i32;
        assert_eq!(h, v.hash, "murmurhash3_32({:?})", v.text);
    }
}
