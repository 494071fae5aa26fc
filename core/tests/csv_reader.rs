//! The CSV reader: type inference, nulls, and errors that name line, column and value.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use lockstep_core::table::{ColumnData, CsvOptions, DataType, Table, TableError};

fn read(text: &str) -> Result<Table, TableError> {
    Table::from_csv(text.as_bytes(), &CsvOptions::default())
}

#[test]
fn infers_each_column_type_and_reads_pandas_nulls() {
    let table =
        read("flag,count,ratio,city\ntrue,1,0.5,Paris\nFalse,,NaN,\nTRUE,-3,2,Oslo\n").unwrap();
    assert_eq!(table.num_rows(), 3);
    let types: Vec<DataType> = table.columns().iter().map(|c| c.data_type()).collect();
    assert_eq!(
        types,
        [
            DataType::Bool,
            DataType::Int64,
            DataType::Float64,
            DataType::Str
        ]
    );
    assert_eq!(
        table.column("flag").unwrap().data(),
        &ColumnData::Bool(vec![Some(true), Some(false), Some(true)].into())
    );
    assert_eq!(
        table.column("count").unwrap().data(),
        &ColumnData::Int64(vec![Some(1), None, Some(-3)].into())
    );
    assert_eq!(
        table.column("ratio").unwrap().data(),
        &ColumnData::Float64(vec![Some(0.5), None, Some(2.0)].into())
    );
    let ColumnData::Str(city) = table.column("city").unwrap().data() else {
        panic!("city should be a string column");
    };
    assert_eq!(city.entries().collect::<Vec<_>>(), ["Paris", "Oslo"]);
    assert_eq!(
        city.codes().iter().collect::<Vec<_>>(),
        [Some(0), None, Some(1)]
    );
    assert_eq!(table.column("city").unwrap().null_count(), 1);
}

#[test]
fn a_column_of_nulls_is_float64() {
    let table = read("a,b\n1,\n2,NA\n").unwrap();
    assert_eq!(table.column("b").unwrap().data_type(), DataType::Float64);
    assert_eq!(table.column("b").unwrap().null_count(), 2);
}

#[test]
fn strips_a_byte_order_mark_and_keeps_quoted_fields() {
    let table = read("\u{feff}name,note\n\"Smith, J\",\"said \"\"hi\"\"\"\n").unwrap();
    assert_eq!(table.column_names().collect::<Vec<_>>(), ["name", "note"]);
    assert_eq!(
        table.column("note").unwrap().value_text(0).as_deref(),
        Some("said \"hi\"")
    );
}

#[test]
fn a_header_only_file_is_an_empty_table() {
    let table = read("a,b\n").unwrap();
    assert_eq!(table.num_rows(), 0);
    assert_eq!(table.num_columns(), 2);
}

#[test]
fn empty_input_is_an_error() {
    assert_eq!(read("").unwrap_err(), TableError::EmptyInput);
}

#[test]
fn ragged_row_names_the_line_and_counts() {
    let err = read("a,b\n1,2\n3\n").unwrap_err();
    assert_eq!(
        err,
        TableError::RaggedRow {
            line: 3,
            found: 1,
            expected: 2
        }
    );
    assert_eq!(
        err.to_string(),
        "CSV line 3 has 1 fields, but the header has 2 columns"
    );
}

#[test]
fn duplicate_and_empty_column_names_are_errors() {
    assert_eq!(
        read("a,b,a\n1,2,3\n").unwrap_err(),
        TableError::DuplicateColumn { name: "a".into() }
    );
    assert_eq!(
        read("a,,c\n1,2,3\n").unwrap_err(),
        TableError::EmptyColumnName { index: 2 }
    );
}

#[test]
fn invalid_utf8_names_line_and_column() {
    let err = Table::from_csv(b"a,b\n1,\xff\xfe\n", &CsvOptions::default()).unwrap_err();
    assert_eq!(
        err,
        TableError::InvalidUtf8 {
            line: 2,
            column: "b".into()
        }
    );
}

#[test]
fn a_forced_type_reports_the_value_that_does_not_parse() {
    let options = CsvOptions {
        column_types: vec![("income".into(), DataType::Float64)],
        ..CsvOptions::default()
    };
    let err = Table::from_csv(b"age,income\n30,52000\n41,lots\n", &options).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 3, column `income`: cannot parse `lots` as a number"
    );
}

#[test]
fn a_type_for_an_unknown_column_is_an_error() {
    let options = CsvOptions {
        column_types: vec![("salary".into(), DataType::Float64)],
        ..CsvOptions::default()
    };
    let err = Table::from_csv(b"age\n1\n", &options).unwrap_err();
    assert!(err.to_string().contains("`salary`"), "{err}");
    assert!(err.to_string().contains("columns: age"), "{err}");
}

#[test]
fn unknown_column_lists_the_columns_that_exist() {
    let table = read("x,y\n1,2\n").unwrap();
    assert_eq!(
        table.column("z").unwrap_err().to_string(),
        "no column named `z` (columns: x, y)"
    );
}

#[test]
fn row_limit_is_enforced() {
    let options = CsvOptions {
        max_rows: Some(2),
        ..CsvOptions::default()
    };
    let err = Table::from_csv(b"a\n1\n2\n3\n", &options).unwrap_err();
    assert_eq!(err, TableError::TooManyRows { rows: 3, limit: 2 });
}

#[test]
fn infinities_are_numbers_but_a_nan_spelling_outside_the_null_list_is_not() {
    let table = read("v\n1.5\ninf\n-inf\n").unwrap();
    assert_eq!(
        table.column("v").unwrap().data(),
        &ColumnData::Float64(vec![Some(1.5), Some(f64::INFINITY), Some(f64::NEG_INFINITY)].into())
    );
    // With the null list emptied, "NaN" must not sneak in as a float NaN.
    let options = CsvOptions {
        null_values: vec![],
        ..CsvOptions::default()
    };
    let table = Table::from_csv(b"v\n1.5\nNaN\n", &options).unwrap();
    assert_eq!(table.column("v").unwrap().data_type(), DataType::Str);
}

#[test]
fn malformed_quoting_is_an_error_not_a_panic() {
    // An unterminated quote swallows the rest of the input: the row count no longer
    // matches the header, which must surface as an error.
    let result = read("a,b\n\"1,2\n3,4\n");
    assert!(result.is_err(), "{result:?}");
}
