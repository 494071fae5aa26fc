//! Issue 19, finding 9: field (CSV) and line (JSON Lines) size limits, enforced as
//! each record is read, with named errors; values quoted in errors are truncated.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use lockstep_core::table::{
    CsvOptions, DEFAULT_MAX_FIELD_BYTES, DEFAULT_MAX_LINE_BYTES, JsonlOptions, Table, TableError,
};

#[test]
fn large_values_a_csv_field_over_the_limit_is_a_named_error() {
    let options = CsvOptions {
        max_field_bytes: Some(16),
        ..CsvOptions::default()
    };
    let text = format!("a,b\n1,short\n2,{}\n", "x".repeat(17));
    let err = Table::from_csv(text.as_bytes(), &options).unwrap_err();
    assert_eq!(
        err,
        TableError::FieldTooLarge {
            line: 3,
            column: "b".into(),
            bytes: 17,
            limit: 16
        }
    );
    assert_eq!(
        err.to_string(),
        "CSV line 3, column `b`: the field is 17 bytes, over the limit of 16 (max_field_bytes)"
    );
    // In the header too.
    let text = format!("a,{}\n1,2\n", "n".repeat(40));
    let err = Table::from_csv(text.as_bytes(), &options).unwrap_err();
    assert!(
        matches!(err, TableError::FieldTooLarge { line: 1, ref column, .. } if column == "#2"),
        "{err}"
    );
    // Exactly at the limit is fine.
    let text = format!("a\n{}\n", "x".repeat(16));
    assert_eq!(
        Table::from_csv(text.as_bytes(), &options)
            .unwrap()
            .num_rows(),
        1
    );
}

#[test]
fn large_values_a_json_lines_line_over_the_limit_is_a_named_error() {
    let options = JsonlOptions {
        max_line_bytes: Some(32),
        ..JsonlOptions::default()
    };
    let text = format!("{{\"a\": 1}}\n{{\"a\": \"{}\"}}\n", "x".repeat(40));
    let err = Table::from_jsonl(text.as_bytes(), &options).unwrap_err();
    assert_eq!(
        err,
        TableError::LineTooLarge {
            line: 2,
            bytes: 49,
            limit: 32
        }
    );
}

#[test]
fn large_values_limits_are_on_by_default() {
    assert_eq!(
        CsvOptions::default().max_field_bytes,
        Some(DEFAULT_MAX_FIELD_BYTES)
    );
    assert_eq!(
        JsonlOptions::default().max_line_bytes,
        Some(DEFAULT_MAX_LINE_BYTES)
    );
    assert_eq!(DEFAULT_MAX_FIELD_BYTES, 64 << 20);
}

#[test]
fn large_values_a_bad_value_is_quoted_truncated() {
    let options = CsvOptions {
        column_types: vec![("n".into(), lockstep_core::table::DataType::Float64)],
        ..CsvOptions::default()
    };
    let text = format!("n\n1\n{}\n", "y".repeat(5000));
    let err = Table::from_csv(text.as_bytes(), &options).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("… (5000 bytes)"), "{message}");
    assert!(message.len() < 200, "{message}");
}
