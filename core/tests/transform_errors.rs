//! Bad input to fit and apply: every case is a typed error naming the column, the
//! row (1-based, header excluded), the value and what was expected. Never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use lockstep_core::table::{Column, ColumnData, CsvOptions, DataType, StrColumn, Table};
use lockstep_core::transform::{self, FittedPipeline, PipelineSpec, TransformError};

fn csv(text: &str) -> Table {
    Table::from_csv(text.as_bytes(), &CsvOptions::default()).unwrap()
}

fn spec(json: &str) -> PipelineSpec {
    PipelineSpec::from_json(json).unwrap()
}

const TRAIN: &str = "x,city,n\n1.5,a,1\n2.5,b,2\n3.5,a,3\n";

#[test]
fn a_column_the_spec_names_but_the_table_lacks() {
    let err = transform::fit(&spec(r#"{"columns": [{"name": "y"}]}"#), &csv(TRAIN)).unwrap_err();
    assert_eq!(
        err,
        TransformError::UnknownColumn {
            column: "y".into(),
            available: vec!["x".into(), "city".into(), "n".into()],
        }
    );
    assert_eq!(
        err.to_string(),
        "no column named `y` in the input (columns: x, city, n)"
    );
}

#[test]
fn a_column_missing_at_apply_time() {
    let fitted = transform::fit(
        &spec(r#"{"columns": [{"name": "x"}, {"name": "city", "steps": [{"step": "one_hot"}]}]}"#),
        &csv(TRAIN),
    )
    .unwrap();
    let err = transform::apply(&fitted, &csv("x\n1\n")).unwrap_err();
    assert!(
        matches!(err, TransformError::UnknownColumn { ref column, .. } if column == "city"),
        "{err}"
    );
}

#[test]
fn a_column_whose_type_changed_since_training() {
    let fitted = transform::fit(
        &spec(r#"{"columns": [{"name": "city", "steps": [{"step": "ordinal"}]}]}"#),
        &csv(TRAIN),
    )
    .unwrap();
    let err = transform::apply(&fitted, &csv("city\n1\n2\n")).unwrap_err();
    assert_eq!(
        err,
        TransformError::WrongType {
            column: "city".into(),
            found: DataType::Int64,
            expected: "string (as in training)".into(),
        }
    );
    // A column that feeds an encoder keeps its type even between numbers.
    let fitted = transform::fit(
        &spec(r#"{"columns": [{"name": "n", "steps": [{"step": "one_hot"}]}]}"#),
        &csv(TRAIN),
    )
    .unwrap();
    let err = transform::apply(&fitted, &csv("n\n1.5\n")).unwrap_err();
    assert!(
        matches!(
            err,
            TransformError::WrongType {
                found: DataType::Float64,
                ..
            }
        ),
        "{err}"
    );
    // int64 and float64 are interchangeable for numeric chains, both ways.
    let fitted = transform::fit(
        &spec(r#"{"columns": [{"name": "n", "steps": [{"step": "log1p"}]}]}"#),
        &csv(TRAIN),
    )
    .unwrap();
    let matrix = transform::apply(&fitted, &csv("n\n1.5\n")).unwrap();
    assert_eq!(matrix.values(), [ln_2_5_as_f32()]);
    let fitted = transform::fit(
        &spec(r#"{"columns": [{"name": "x", "steps": [{"step": "standardize"}]}]}"#),
        &csv(TRAIN),
    )
    .unwrap();
    let matrix = transform::apply(&fitted, &csv("x\n2\n")).unwrap();
    assert_eq!(
        matrix.values(),
        [(2.0 - 2.5) / (2.0_f64 / 3.0).sqrt()].map(|v| v as f32)
    );
}

/// ln(2.5) as f32, computed without the library under test.
fn ln_2_5_as_f32() -> f32 {
    2.5_f64.ln() as f32
}

#[test]
fn floats_cannot_be_categories() {
    let err = transform::fit(
        &spec(r#"{"columns": [{"name": "x", "steps": [{"step": "one_hot"}]}]}"#),
        &csv(TRAIN),
    )
    .unwrap_err();
    assert!(
        matches!(err, TransformError::WrongType { ref column, found: DataType::Float64, .. } if column == "x"),
        "{err}"
    );
}

#[test]
fn a_non_numeric_string_in_a_numeric_column() {
    let table = csv("x\n1.5\n2\nabc\n4\n");
    let err = transform::fit(
        &spec(r#"{"columns": [{"name": "x", "steps": [{"step": "standardize"}]}]}"#),
        &table,
    )
    .unwrap_err();
    assert_eq!(
        err,
        TransformError::NotNumeric {
            column: "x".into(),
            row: 3,
            value: "abc".into(),
            step: "standardize",
        }
    );
    assert_eq!(
        err.to_string(),
        "column `x`, row 3: `abc` is not a number, but step `standardize` needs numbers"
    );
    // The same at apply time, after fitting on clean data.
    let fitted = transform::fit(
        &spec(r#"{"columns": [{"name": "x", "steps": [{"step": "log1p"}]}]}"#),
        &csv(TRAIN),
    )
    .unwrap();
    let err = transform::apply(&fitted, &table).unwrap_err();
    assert!(
        matches!(err, TransformError::WrongType { ref column, found: DataType::Str, .. } if column == "x"),
        "{err}"
    );
}

#[test]
fn nan_and_infinity_are_refused() {
    let table = Table::new(vec![Column::new(
        "x",
        ColumnData::Float64(vec![Some(1.0), Some(f64::NAN)].into()),
    )])
    .unwrap();
    let s =
        spec(r#"{"columns": [{"name": "x", "steps": [{"step": "impute", "strategy": "mean"}]}]}"#);
    let err = transform::fit(&s, &table).unwrap_err();
    assert_eq!(
        err,
        TransformError::InvalidValue {
            column: "x".into(),
            row: 2,
            value: "NaN".into(),
            expected: "a finite number".into(),
        }
    );
    // The CSV reader reads `inf` as infinity; the transform refuses it.
    let fitted = transform::fit(&s, &csv(TRAIN)).unwrap();
    let err = transform::apply(&fitted, &csv("x\n1\n-inf\n")).unwrap_err();
    assert!(
        matches!(err, TransformError::InvalidValue { row: 2, ref value, .. } if value == "-inf"),
        "{err}"
    );
}

#[test]
fn log1p_outside_its_domain() {
    let fitted = transform::fit(
        &spec(r#"{"columns": [{"name": "x", "steps": [{"step": "log1p"}]}]}"#),
        &csv(TRAIN),
    )
    .unwrap();
    let err = transform::apply(&fitted, &csv("x\n0.5\n-1\n")).unwrap_err();
    assert_eq!(
        err,
        TransformError::InvalidValue {
            column: "x".into(),
            row: 2,
            value: "-1".into(),
            expected: "log1p needs values greater than -1".into(),
        }
    );
}

#[test]
fn a_null_reaching_a_step_that_needs_a_value() {
    let table = csv("x,city\n1,a\n,b\n3,\n");
    let err = transform::fit(
        &spec(r#"{"columns": [{"name": "x", "steps": [{"step": "min_max"}]}]}"#),
        &table,
    )
    .unwrap_err();
    assert_eq!(
        err,
        TransformError::NullValue {
            column: "x".into(),
            row: 2,
            step: "min_max"
        }
    );
    let err = transform::fit(
        &spec(r#"{"columns": [{"name": "city", "steps": [{"step": "hash", "n_features": 4}]}]}"#),
        &table,
    )
    .unwrap_err();
    assert_eq!(
        err,
        TransformError::NullValue {
            column: "city".into(),
            row: 3,
            step: "hash"
        }
    );
    let err = transform::fit(&spec(r#"{"columns": [{"name": "x"}]}"#), &table).unwrap_err();
    assert_eq!(
        err,
        TransformError::NullValue {
            column: "x".into(),
            row: 2,
            step: "passthrough"
        }
    );
    // At apply time: trained without nulls and without impute, then a null arrives.
    let fitted = transform::fit(
        &spec(r#"{"columns": [{"name": "x", "steps": [{"step": "standardize"}]}]}"#),
        &csv(TRAIN),
    )
    .unwrap();
    let err = transform::apply(&fitted, &table).unwrap_err();
    assert_eq!(
        err,
        TransformError::NullValue {
            column: "x".into(),
            row: 2,
            step: "standardize"
        }
    );
}

#[test]
fn an_empty_training_table() {
    let err =
        transform::fit(&spec(r#"{"columns": [{"name": "x"}]}"#), &csv("x,city\n")).unwrap_err();
    assert_eq!(err, TransformError::EmptyTrainingTable);
    // Applying to an empty table is fine: zero rows out.
    let fitted = transform::fit(&spec(r#"{"columns": [{"name": "x"}]}"#), &csv(TRAIN)).unwrap();
    let matrix = transform::apply(&fitted, &csv("x,city\n")).unwrap();
    assert_eq!((matrix.num_rows(), matrix.num_features()), (0, 1));
}

#[test]
fn impute_with_no_training_values() {
    let table = Table::new(vec![
        Column::new("x", ColumnData::Float64(vec![None, None].into())),
        Column::new(
            "s",
            ColumnData::Str(StrColumn::from_parts::<&str>(&[], vec![None, None]).unwrap()),
        ),
    ])
    .unwrap();
    let err = transform::fit(
        &spec(
            r#"{"columns": [{"name": "x", "steps": [{"step": "impute", "strategy": "median"}]}]}"#,
        ),
        &table,
    )
    .unwrap_err();
    assert_eq!(
        err,
        TransformError::NoTrainingValues {
            column: "x".into(),
            step: "impute"
        }
    );
    let err = transform::fit(
        &spec(r#"{"columns": [{"name": "s", "steps": [{"step": "impute", "strategy": "most_frequent"}, {"step": "one_hot"}]}]}"#),
        &table,
    )
    .unwrap_err();
    assert_eq!(
        err,
        TransformError::NoTrainingValues {
            column: "s".into(),
            step: "impute"
        }
    );
    // A constant needs no training values.
    let fitted = transform::fit(
        &spec(r#"{"columns": [{"name": "x", "steps": [{"step": "impute", "strategy": "constant", "fill_value": 7}]}]}"#),
        &table,
    )
    .unwrap();
    assert_eq!(
        transform::apply(&fitted, &table).unwrap().values(),
        [7.0, 7.0]
    );
}

#[test]
fn a_malformed_or_inconsistent_fitted_pipeline() {
    let err = FittedPipeline::from_json("{").unwrap_err();
    assert!(matches!(err, TransformError::FittedJson { .. }), "{err}");
    let fitted = transform::fit(
        &spec(r#"{"columns": [{"name": "city", "steps": [{"step": "one_hot"}]}]}"#),
        &csv(TRAIN),
    )
    .unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&fitted.to_json().unwrap()).unwrap();
    value["feature_names"] = serde_json::json!(["only_one"]);
    // Any edit, consistent or not, is caught by the fingerprint before it is used.
    let err = FittedPipeline::from_json(&value.to_string()).unwrap_err();
    assert!(
        matches!(err, TransformError::FingerprintMismatch { .. }),
        "{err}"
    );
}

/// Re-seals an edited fitted pipeline the way `fingerprint` documents it (sorted
/// keys, no whitespace; serde_json's `Value` map keeps keys sorted), so that only
/// the content checks of `from_json` can refuse it.
fn reseal(mut value: serde_json::Value) -> String {
    value.as_object_mut().unwrap().remove("fingerprint");
    let fingerprint = transform::fingerprint::sha256_hex(value.to_string().as_bytes());
    value["fingerprint"] = serde_json::json!(fingerprint);
    value.to_string()
}

#[test]
fn a_consistently_sealed_but_invalid_fitted_pipeline() {
    let fitted = transform::fit(
        &spec(r#"{"columns": [{"name": "city", "steps": [{"step": "hash", "n_features": 4}]}]}"#),
        &csv(TRAIN),
    )
    .unwrap();
    let value: serde_json::Value = serde_json::from_str(&fitted.to_json().unwrap()).unwrap();
    // Resealing an unchanged pipeline reproduces its fingerprint.
    assert_eq!(
        FittedPipeline::from_json(&reseal(value.clone())).unwrap(),
        fitted
    );

    let mut zero = value.clone();
    zero["blocks"][0]["steps"][0]["n_features"] = serde_json::json!(0);
    let err = FittedPipeline::from_json(&reseal(zero)).unwrap_err();
    assert!(
        matches!(err, TransformError::FittedJson { ref message } if message.contains("n_features is 0")),
        "{err}"
    );

    let mut names = value;
    names["feature_names"] = serde_json::json!(["only_one"]);
    let err = FittedPipeline::from_json(&reseal(names)).unwrap_err();
    assert!(
        matches!(err, TransformError::FittedJson { ref message } if message.contains("feature names")),
        "{err}"
    );
}

#[test]
fn oversized_hash_and_bucket_counts_are_refused() {
    let err = transform::fit(
        &spec(r#"{"columns": [{"name": "city", "steps": [{"step": "hash", "n_features": 2000000}]}]}"#),
        &csv(TRAIN),
    )
    .unwrap_err();
    assert!(
        matches!(err, TransformError::InvalidStep { kind: "hash", .. }),
        "{err}"
    );
    let err = transform::fit(
        &spec(r#"{"columns": [{"name": "x", "steps": [{"step": "bucketize", "quantiles": 4000000000}]}]}"#),
        &csv(TRAIN),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            TransformError::InvalidStep {
                kind: "bucketize",
                ..
            }
        ),
        "{err}"
    );
}
