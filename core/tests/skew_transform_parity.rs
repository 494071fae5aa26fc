//! Transform parity: logged features against the offline pipeline on the same raw rows.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use std::path::{Path, PathBuf};

use lockstep_core::skew::transform_parity;
use lockstep_core::table::{CsvOptions, Table};
use lockstep_core::transform::{self, PipelineSpec};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/transforms")
        .join(name)
}

fn table(name: &str) -> Table {
    Table::from_csv(&std::fs::read(data(name)).unwrap(), &CsvOptions::default()).unwrap()
}

fn spec() -> PipelineSpec {
    let case: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data("cases/combined.json")).unwrap()).unwrap();
    PipelineSpec::from_json(&case["spec"].to_string()).unwrap()
}

#[test]
fn same_pipeline_same_rows_is_exact_and_a_changed_value_is_named() {
    let pipeline = transform::fit(&spec(), &table("train.csv")).unwrap();
    let raw = table("test.csv");
    let mut logged = transform::apply(&pipeline, &raw).unwrap().values().to_vec();
    let ids: Vec<String> = (0..raw.num_rows()).map(|i| format!("req-{i}")).collect();

    let parity =
        transform_parity(&pipeline, &raw, pipeline.feature_names(), &logged, &ids).unwrap();
    assert!(parity.passed(), "{parity:?}");
    assert_eq!(parity.rows, raw.num_rows() as u64);

    // One flipped bit in one logged feature: exactly that feature and row are reported.
    let width = pipeline.feature_names().len();
    let (row, feature) = (3, 2);
    let slot = row * width + feature;
    logged[slot] = f32::from_bits(logged[slot].to_bits() ^ 1);
    let parity =
        transform_parity(&pipeline, &raw, pipeline.feature_names(), &logged, &ids).unwrap();
    assert!(!parity.passed());
    let bad: Vec<_> = parity
        .features
        .iter()
        .filter(|f| f.mismatches > 0)
        .collect();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0].feature, pipeline.feature_names()[feature]);
    assert_eq!(bad[0].example_ids, ["req-3"]);
    assert!(bad[0].max_abs_diff > 0.0);
}

#[test]
fn a_pipeline_fitted_on_other_data_is_caught_feature_by_feature() {
    let train = table("train.csv");
    let served_with = transform::fit(&spec(), &train).unwrap();
    // "Serving" used statistics from only the first half of the training data.
    let half = Table::from_csv(
        &std::fs::read(data("train.csv"))
            .unwrap()
            .split(|b| *b == b'\n')
            .take(train.num_rows() / 2 + 1)
            .collect::<Vec<_>>()
            .join(&b'\n'),
        &CsvOptions::default(),
    )
    .unwrap();
    let skewed = transform::fit(&spec(), &half).unwrap();
    assert_ne!(skewed.fingerprint(), served_with.fingerprint());
    let raw = table("test.csv");
    let logged = transform::apply(&skewed, &raw).unwrap().values().to_vec();
    let ids: Vec<String> = (0..raw.num_rows()).map(|i| i.to_string()).collect();
    let parity =
        transform_parity(&served_with, &raw, skewed.feature_names(), &logged, &ids).unwrap();
    assert!(!parity.passed());
    let standardized = parity
        .features
        .iter()
        .find(|f| f.feature == "score")
        .unwrap();
    assert!(standardized.mismatches > 0, "{standardized:?}");
}

#[test]
fn shape_errors_are_named() {
    let pipeline = transform::fit(&spec(), &table("train.csv")).unwrap();
    let raw = table("test.csv");
    let err = transform_parity(
        &pipeline,
        &raw,
        pipeline.feature_names(),
        &[1.0, 2.0],
        &[] as &[String],
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("logged features have 2 values"),
        "{err}"
    );
}
