//! Issue 19, finding 6: a value that a transform would turn into an infinity (features
//! are 32-bit floats) is an error naming the column, the row and the value, at fit
//! and at apply; and an input with a header but no rows (finding 10) is an empty
//! matrix, not a type error.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use lockstep_core::table::{CsvOptions, Table};
use lockstep_core::transform::{self, PipelineSpec, TransformError};

fn csv(text: &str) -> Table {
    Table::from_csv(text.as_bytes(), &CsvOptions::default()).unwrap()
}

fn spec(json: &str) -> PipelineSpec {
    PipelineSpec::from_json(json).unwrap()
}

const STANDARDIZE: &str = r#"{"columns": [{"name": "age", "steps": [{"step": "standardize"}]}]}"#;
const PASSTHROUGH: &str = r#"{"columns": [{"name": "age"}]}"#;

fn invalid(err: &TransformError) -> (&str, usize, &str, &str) {
    match err {
        TransformError::InvalidValue {
            column,
            row,
            value,
            expected,
        } => (column, *row, value, expected),
        other => panic!("not InvalidValue: {other}"),
    }
}

#[test]
fn non_finite_feature_at_apply_names_column_row_and_value() {
    let fitted = transform::fit(&spec(STANDARDIZE), &csv("age\n30\n40\n50\n")).unwrap();
    let err = transform::apply(&fitted, &csv("age\n41\n-1.7976931348623157e308\n")).unwrap_err();
    let (column, row, value, expected) = invalid(&err);
    assert_eq!((column, row, value), ("age", 2, "-1.7976931348623157e308"));
    assert!(expected.contains("not a finite 32-bit feature"), "{err}");
    assert!(
        err.to_string()
            .starts_with("column `age`, row 2: `-1.7976931348623157e308` is not allowed"),
        "{err}"
    );
    // Within the f32 range the same pipeline answers.
    assert_eq!(
        transform::apply(&fitted, &csv("age\n-1e30\n"))
            .unwrap()
            .num_rows(),
        1
    );
}

#[test]
fn non_finite_feature_at_fit_names_column_row_and_value() {
    // Passed through, 1e39 does not fit an f32.
    let err = transform::fit(&spec(PASSTHROUGH), &csv("age\n1\n1e39\n")).unwrap_err();
    let (column, row, value, _) = invalid(&err);
    assert_eq!((column, row, value), ("age", 2, "1e39"));
}

#[test]
fn non_finite_statistic_at_fit_names_the_extreme_value() {
    // The variance overflows f64: the error names the value that caused it.
    let err = transform::fit(
        &spec(STANDARDIZE),
        &csv("age\n30\n-1.7976931348623157e308\n50\n"),
    )
    .unwrap_err();
    let (column, row, value, expected) = invalid(&err);
    assert_eq!((column, row, value), ("age", 2, "-1.7976931348623157e308"));
    assert!(expected.contains("standardize"), "{err}");
}

#[test]
fn a_header_without_rows_transforms_to_no_rows() {
    let fitted = transform::fit(
        &spec(
            r#"{"columns": [{"name": "age"}, {"name": "city", "steps": [{"step": "one_hot"}]}]}"#,
        ),
        &csv("age,city\n1,a\n2,b\n"),
    )
    .unwrap();
    let empty = csv("age,city\n");
    assert_eq!(empty.num_rows(), 0);
    let features = transform::apply(&fitted, &empty).unwrap();
    assert_eq!(features.num_rows(), 0);
    assert_eq!(features.feature_names().len(), 3);
    // A missing column is still named.
    let err = transform::apply(&fitted, &csv("age\n")).unwrap_err();
    assert!(
        matches!(err, TransformError::UnknownColumn { ref column, .. } if column == "city"),
        "{err}"
    );
}
