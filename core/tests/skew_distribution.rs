//! Distribution skew against an independent computation (pandas value counts for L∞,
//! scipy's `jensenshannon` over numpy decile bins) made by scripts/fixtures/gen_skew.py.
//! Tolerance 1e-12: both sides sum the same counts; only log2 rounding differs.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use std::path::{Path, PathBuf};

use lockstep_core::skew::{FeatureDistance, SkewThresholds, distribution_skew};
use lockstep_core::table::{CsvOptions, Table};
use serde_json::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/skew")
}

fn table(name: &str) -> Table {
    Table::from_csv(
        &std::fs::read(dir().join(name)).unwrap(),
        &CsvOptions::default(),
    )
    .unwrap()
}

#[test]
fn distances_match_pandas_and_scipy() {
    let expected: Value =
        serde_json::from_slice(&std::fs::read(dir().join("expected.json")).unwrap()).unwrap();
    let skew = distribution_skew(
        &table("train.csv"),
        &table("serving.csv"),
        &SkewThresholds::default(),
    );
    let columns = expected["columns"].as_object().unwrap();
    assert_eq!(skew.len(), columns.len());
    for s in &skew {
        let want = &columns[&s.column];
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12;
        assert!(
            close(s.train_null_rate, want["train_null_rate"].as_f64().unwrap()),
            "{}",
            s.column
        );
        assert!(
            close(
                s.serving_null_rate,
                want["serving_null_rate"].as_f64().unwrap()
            ),
            "{}",
            s.column
        );
        match (&s.distance, want["measure"].as_str().unwrap()) {
            (
                FeatureDistance::Linf {
                    value,
                    category,
                    unseen_rate,
                },
                "linf",
            ) => {
                assert!(
                    close(*value, want["value"].as_f64().unwrap()),
                    "{}: L∞ {value} vs {}",
                    s.column,
                    want["value"]
                );
                assert_eq!(
                    category.as_deref(),
                    want["category"].as_str(),
                    "{}",
                    s.column
                );
                assert!(
                    close(*unseen_rate, want["unseen_rate"].as_f64().unwrap()),
                    "{}",
                    s.column
                );
            }
            (FeatureDistance::JensenShannon { value, edges }, "jensen_shannon") => {
                let want_edges: Vec<f64> = want["edges"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e.as_f64().unwrap())
                    .collect();
                assert_eq!(edges, &want_edges, "{}: decile edges", s.column);
                assert!(
                    close(*value, want["value"].as_f64().unwrap()),
                    "{}: JS {value} vs {}",
                    s.column,
                    want["value"]
                );
            }
            (got, measure) => panic!("{}: {got:?} but the reference used {measure}", s.column),
        }
    }
}

#[test]
fn shifted_columns_are_flagged_with_reasons_and_overrides_apply() {
    let skew = distribution_skew(
        &table("train.csv"),
        &table("serving.csv"),
        &SkewThresholds::default(),
    );
    let by_name = |n: &str| skew.iter().find(|s| s.column == n).unwrap();
    // income is drawn from the same distribution on both sides.
    assert!(!by_name("income").skewed, "{:?}", by_name("income"));
    // city's shares were rotated; device gained an unseen category; age's null rate grew.
    assert!(
        by_name("city").reasons.iter().any(|r| r.contains("L∞")),
        "{:?}",
        by_name("city")
    );
    assert!(
        by_name("device")
            .reasons
            .iter()
            .any(|r| r.contains("never seen"))
    );
    assert!(
        by_name("age")
            .reasons
            .iter()
            .any(|r| r.contains("null rate"))
    );

    let mut relaxed = SkewThresholds::default();
    relaxed.per_feature.insert("city".into(), 0.5);
    let skew = distribution_skew(&table("train.csv"), &table("serving.csv"), &relaxed);
    let city = skew.iter().find(|s| s.column == "city").unwrap();
    assert!(!city.skewed, "{city:?}");
    assert_eq!(city.threshold, 0.5);
}

#[test]
fn identical_samples_have_zero_distance() {
    let train = table("train.csv");
    for s in distribution_skew(&train, &train, &SkewThresholds::default()) {
        let value = match s.distance {
            FeatureDistance::Linf { value, .. } | FeatureDistance::JensenShannon { value, .. } => {
                value
            }
            FeatureDistance::Undefined { reason } => panic!("{}: {reason}", s.column),
        };
        assert_eq!(value, 0.0, "{}", s.column);
        assert!(!s.skewed);
    }
}

#[test]
fn streaming_in_batches_and_merging_gives_the_same_result() {
    use lockstep_core::skew::TrainingProfile;
    let train = table("train.csv");
    let text = std::fs::read_to_string(dir().join("serving.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let body: Vec<&str> = lines.collect();
    let profile = TrainingProfile::new(&train);
    let thresholds = SkewThresholds::default();
    let mut whole = profile.accumulator();
    whole.add(&table("serving.csv"));
    // Three uneven batches, counted by two "workers" and merged.
    let batch = |rows: &[&str]| {
        Table::from_csv(
            format!("{header}\n{}\n", rows.join("\n")).as_bytes(),
            &CsvOptions::default(),
        )
        .unwrap()
    };
    let mut first = profile.accumulator();
    first.add(&batch(&body[..100]));
    first.add(&batch(&body[100..900]));
    let mut second = profile.accumulator();
    second.add(&batch(&body[900..]));
    first.merge(second);
    assert_eq!(first.finish(&thresholds), whole.finish(&thresholds));
}
