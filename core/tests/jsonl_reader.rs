//! The JSON Lines reader: type inference, nulls, unknown and missing keys, and
//! errors that name line, field and value.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use lockstep_core::table::{
    ColumnData, DataType, JsonlOptions, MissingKeys, Table, TableError, UnknownKeys,
};

fn read(text: &str) -> Result<Table, TableError> {
    Table::from_jsonl(text.as_bytes(), &JsonlOptions::default())
}

#[test]
fn infers_types_keeps_key_order_and_reads_nulls() {
    let table = read(concat!(
        r#"{"zeta": true, "count": 1, "ratio": 0.5, "city": "Paris"}"#,
        "\n\n",
        r#"{"zeta": false, "count": null, "ratio": 2, "city": null}"#,
        "\r\n",
        r#"{"zeta": null, "count": -3, "ratio": -1.25, "city": "Oslo"}"#,
        "\n",
    ))
    .unwrap();
    assert_eq!(table.num_rows(), 3);
    // Key order is the first object's, not alphabetical.
    assert_eq!(
        table.column_names().collect::<Vec<_>>(),
        ["zeta", "count", "ratio", "city"]
    );
    assert_eq!(
        table.column("zeta").unwrap().data(),
        &ColumnData::Bool(vec![Some(true), Some(false), None].into())
    );
    assert_eq!(
        table.column("count").unwrap().data(),
        &ColumnData::Int64(vec![Some(1), None, Some(-3)].into())
    );
    assert_eq!(
        table.column("ratio").unwrap().data(),
        &ColumnData::Float64(vec![Some(0.5), Some(2.0), Some(-1.25)].into())
    );
    let ColumnData::Str(city) = table.column("city").unwrap().data() else {
        panic!("city should be a string column");
    };
    assert_eq!(
        (city.get(0), city.get(1), city.get(2)),
        (Some("Paris"), None, Some("Oslo"))
    );
}

#[test]
fn mixed_types_name_line_field_and_value() {
    let err = read("{\"a\": 1}\n{\"a\": 2.5}\n{\"a\": \"abc\"}\n").unwrap_err();
    assert_eq!(
        err,
        TableError::MixedTypes {
            line: 3,
            column: "a".into(),
            value: "abc".into(),
            found: "a string",
            expected: DataType::Float64,
        }
    );
    assert_eq!(
        err.to_string(),
        "line 3, field `a`: `abc` is a string, but earlier rows make the column a number"
    );
}

#[test]
fn forced_types_parse_numeric_strings_and_name_bad_values() {
    let options = JsonlOptions {
        column_types: vec![
            ("a".into(), DataType::Float64),
            ("id".into(), DataType::Str),
        ],
        ..Default::default()
    };
    let table = Table::from_jsonl(
        b"{\"a\": \"1.5\", \"id\": 7}\n{\"a\": 2, \"id\": \"x\"}\n",
        &options,
    )
    .unwrap();
    assert_eq!(
        table.column("a").unwrap().data(),
        &ColumnData::Float64(vec![Some(1.5), Some(2.0)].into())
    );
    assert_eq!(
        table.column("id").unwrap().value_text(0).as_deref(),
        Some("7")
    );
    let err = Table::from_jsonl(
        b"{\"a\": 1, \"id\": 1}\n{\"a\": \"n/a\", \"id\": 2}\n",
        &options,
    )
    .unwrap_err();
    assert_eq!(
        err,
        TableError::ParseValue {
            column: "a".into(),
            line: 2,
            value: "n/a".into(),
            expected: DataType::Float64,
        }
    );
}

#[test]
fn unknown_keys_are_refused_ignored_or_added() {
    let text = "{\"a\": 1}\n{\"a\": 2, \"b\": \"x\"}\n";
    assert_eq!(
        read(text).unwrap_err(),
        TableError::UnknownKey {
            line: 2,
            key: "b".into(),
            columns: vec!["a".into()],
        }
    );
    let ignore = JsonlOptions {
        unknown_keys: UnknownKeys::Ignore,
        ..Default::default()
    };
    assert_eq!(
        Table::from_jsonl(text.as_bytes(), &ignore)
            .unwrap()
            .num_columns(),
        1
    );
    let add = JsonlOptions {
        unknown_keys: UnknownKeys::AddColumn,
        ..Default::default()
    };
    let table = Table::from_jsonl(text.as_bytes(), &add).unwrap();
    assert_eq!(table.column("b").unwrap().value_text(0), None);
    assert_eq!(
        table.column("b").unwrap().value_text(1).as_deref(),
        Some("x")
    );
}

#[test]
fn missing_keys_are_null_or_refused() {
    let text = "{\"a\": 1, \"b\": 2}\n{\"a\": 3}\n";
    let table = read(text).unwrap();
    assert_eq!(
        table.column("b").unwrap().data(),
        &ColumnData::Int64(vec![Some(2), None].into())
    );
    let strict = JsonlOptions {
        missing_keys: MissingKeys::Error,
        ..Default::default()
    };
    assert_eq!(
        Table::from_jsonl(text.as_bytes(), &strict).unwrap_err(),
        TableError::MissingKey {
            line: 2,
            key: "b".into()
        }
    );
}

#[test]
fn explicit_columns_fix_the_schema() {
    let options = JsonlOptions {
        columns: Some(vec!["b".into(), "a".into()]),
        ..Default::default()
    };
    let table = Table::from_jsonl(b"{\"a\": 1, \"b\": true}\n", &options).unwrap();
    assert_eq!(table.column_names().collect::<Vec<_>>(), ["b", "a"]);
    // With no lines at all, the columns exist with no rows.
    let empty = Table::from_jsonl(b"", &options).unwrap();
    assert_eq!((empty.num_columns(), empty.num_rows()), (2, 0));
}

#[test]
fn malformed_lines_are_errors_with_their_line() {
    assert_eq!(read("").unwrap_err(), TableError::EmptyJsonl);
    assert!(matches!(
        read("{\"a\": 1}\n{\"a\": \n").unwrap_err(),
        TableError::Json { line: 2, .. }
    ));
    assert_eq!(
        read("{\"a\": 1}\n[1, 2]\n").unwrap_err(),
        TableError::NotAnObject {
            line: 2,
            found: "an array"
        }
    );
    assert_eq!(
        read("{\"a\": {\"b\": 1}}\n").unwrap_err(),
        TableError::NestedValue {
            line: 1,
            column: "a".into()
        }
    );
    let limited = JsonlOptions {
        max_rows: Some(1),
        ..Default::default()
    };
    assert_eq!(
        Table::from_jsonl(b"{\"a\": 1}\n{\"a\": 2}\n", &limited).unwrap_err(),
        TableError::TooManyRows { rows: 2, limit: 1 }
    );
}
