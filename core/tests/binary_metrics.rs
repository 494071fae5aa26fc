//! Binary metrics against scikit-learn.
//!
//! The fixtures in tests/data/metrics were written by
//! scripts/fixtures/gen_binary_metrics.py from scikit-learn's `accuracy_score`,
//! `precision_score`, `recall_score`, `f1_score` and `confusion_matrix`
//! (`zero_division=nan`, written as JSON null). Tolerance: 1e-12 absolute; both sides
//! divide the same integer counts, so any larger gap is a real difference.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use std::path::{Path, PathBuf};

use lockstep_core::metrics::MetricsError;
use lockstep_core::metrics::binary::{self, BinaryOptions, PredictionSource};
use lockstep_core::table::{CsvOptions, Table};
use serde::Deserialize;

const TOLERANCE: f64 = 1e-12;

#[derive(Deserialize)]
struct Case {
    csv: String,
    label: String,
    prediction: String,
    threshold: Option<f64>,
    positive_label: Option<String>,
    expected: Expected,
}

#[derive(Deserialize)]
struct Expected {
    positive_label: String,
    confusion: Confusion,
    accuracy: Option<f64>,
    precision: Option<f64>,
    recall: Option<f64>,
    f1: Option<f64>,
}

#[derive(Deserialize)]
struct Confusion {
    true_positives: u64,
    false_positives: u64,
    true_negatives: u64,
    false_negatives: u64,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/metrics")
}

fn load(path: &Path) -> (Case, Table) {
    let case: Case = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let bytes = std::fs::read(fixtures().join(&case.csv)).unwrap();
    let table = Table::from_csv(&bytes, &CsvOptions::default()).unwrap();
    (case, table)
}

fn assert_close(name: &str, metric: &str, actual: Option<f64>, expected: Option<f64>) {
    match (actual, expected) {
        (Some(a), Some(e)) => assert!(
            (a - e).abs() <= TOLERANCE,
            "{name}: {metric} = {a}, scikit-learn says {e}"
        ),
        (None, None) => {}
        _ => panic!("{name}: {metric} = {actual:?}, scikit-learn says {expected:?}"),
    }
}

#[test]
fn every_fixture_matches_scikit_learn() {
    let mut seen = 0;
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let (case, table) = load(&path);
        let prediction = match case.threshold {
            None => PredictionSource::Labels {
                column: &case.prediction,
            },
            Some(threshold) => PredictionSource::Scores {
                column: &case.prediction,
                threshold,
            },
        };
        let options = BinaryOptions {
            label: &case.label,
            prediction,
            positive_label: case.positive_label.as_deref(),
        };
        let metrics = binary::evaluate(&table, &options).unwrap();
        let e = &case.expected;
        assert_eq!(metrics.positive_label, e.positive_label, "{name}");
        let c = metrics.confusion;
        assert_eq!(
            (
                c.true_positives,
                c.false_positives,
                c.true_negatives,
                c.false_negatives
            ),
            (
                e.confusion.true_positives,
                e.confusion.false_positives,
                e.confusion.true_negatives,
                e.confusion.false_negatives
            ),
            "{name}: confusion matrix"
        );
        assert_close(&name, "accuracy", metrics.accuracy, e.accuracy);
        assert_close(&name, "precision", metrics.precision, e.precision);
        assert_close(&name, "recall", metrics.recall, e.recall);
        assert_close(&name, "f1", metrics.f1, e.f1);
        // Every undefined metric is explained.
        let undefined = [metrics.precision, metrics.recall, metrics.f1]
            .iter()
            .filter(|m| m.is_none())
            .count();
        assert!(
            metrics.notes.len() >= undefined.min(1),
            "{name}: {:?}",
            metrics.notes
        );
        seen += 1;
    }
    assert!(seen >= 8, "only {seen} fixtures found");
}

fn table(text: &str) -> Table {
    Table::from_csv(text.as_bytes(), &CsvOptions::default()).unwrap()
}

fn labels<'a>(label: &'a str, prediction: &'a str) -> BinaryOptions<'a> {
    BinaryOptions {
        label,
        prediction: PredictionSource::Labels { column: prediction },
        positive_label: None,
    }
}

#[test]
fn a_null_label_names_column_and_row() {
    let t = table("y,p\n1,1\n,0\n");
    let err = binary::evaluate(&t, &labels("y", "p")).unwrap_err();
    assert_eq!(
        err,
        MetricsError::NullValue {
            column: "y".into(),
            row: 2
        }
    );
}

#[test]
fn a_third_class_is_named() {
    let t = table("y,p\n1,1\n0,2\n");
    let err = binary::evaluate(&t, &labels("y", "p")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "binary metrics need at most 2 classes, but `y` and `p` together hold 3: 0, 1, 2"
    );
}

#[test]
fn string_classes_need_a_positive_label() {
    let t = table("y,p\nyes,no\nno,no\n");
    let err = binary::evaluate(&t, &labels("y", "p")).unwrap_err();
    assert!(
        matches!(err, MetricsError::AmbiguousPositive { .. }),
        "{err}"
    );
    let options = BinaryOptions {
        positive_label: Some("maybe"),
        ..labels("y", "p")
    };
    let err = binary::evaluate(&t, &options).unwrap_err();
    assert_eq!(
        err.to_string(),
        "positive label `maybe` is not among the classes in the data (no, yes)"
    );
}

#[test]
fn float_predictions_match_integer_labels() {
    let t = table("y,p\n1,1.0\n0,0.0\n1,0.0\n");
    let m = binary::evaluate(&t, &labels("y", "p")).unwrap();
    assert_eq!(m.confusion.true_positives, 1);
    assert_eq!(m.confusion.false_negatives, 1);
    assert_eq!(m.confusion.true_negatives, 1);
}

#[test]
fn score_errors_name_the_column_and_value() {
    let t = table("y,s,name\n1,0.9,a\n0,inf,b\n");
    let scores = |column, threshold| BinaryOptions {
        label: "y",
        prediction: PredictionSource::Scores { column, threshold },
        positive_label: None,
    };
    assert_eq!(
        binary::evaluate(&t, &scores("s", 0.5))
            .unwrap_err()
            .to_string(),
        "column `s`, row 2: score `inf` is not a finite number"
    );
    assert_eq!(
        binary::evaluate(&t, &scores("name", 0.5))
            .unwrap_err()
            .to_string(),
        "column `name` has type string; a score column must hold numbers"
    );
    assert_eq!(
        binary::evaluate(&t, &scores("s", f64::NAN))
            .unwrap_err()
            .to_string(),
        "the decision threshold must be a finite number, got `NaN`"
    );
    assert!(matches!(
        binary::evaluate(&t, &scores("missing", 0.5)).unwrap_err(),
        MetricsError::Table(_)
    ));
}

#[test]
fn an_empty_table_is_an_error() {
    let t = table("y,p\n");
    assert_eq!(
        binary::evaluate(&t, &labels("y", "p")).unwrap_err(),
        MetricsError::NoRows
    );
}
