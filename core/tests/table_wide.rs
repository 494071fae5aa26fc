//! Issue 19, finding 8: the duplicate-column checks are linear in the number of
//! columns (they were quadratic: 100 k columns took 29 s, 1 M more than 180 s). These
//! tables have 100 000 columns; the assertions are on structure, the speed shows as
//! the test finishing (it took minutes before the fix in a debug build).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use lockstep_core::table::{Column, ColumnData, CsvOptions, JsonlOptions, Table, TableError};

const WIDE: usize = 100_000;

fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("c{i}")).collect()
}

#[test]
fn wide_csv_with_100k_columns_reads_and_finds_a_late_duplicate() {
    let header = names(WIDE).join(",");
    let row = vec!["1"; WIDE].join(",");
    let table = Table::from_csv(
        format!("{header}\n{row}\n").as_bytes(),
        &CsvOptions::default(),
    )
    .unwrap();
    assert_eq!(table.num_columns(), WIDE);
    assert_eq!(table.num_rows(), 1);

    // The last column repeats the first.
    let mut duplicated = names(WIDE);
    duplicated[WIDE - 1] = "c0".to_owned();
    let text = format!("{}\n{row}\n", duplicated.join(","));
    let err = Table::from_csv(text.as_bytes(), &CsvOptions::default()).unwrap_err();
    assert_eq!(err, TableError::DuplicateColumn { name: "c0".into() });
}

#[test]
fn wide_table_new_with_100k_columns_and_a_late_duplicate() {
    let column = |name: String| Column::new(name, ColumnData::Int64(vec![Some(1)].into()));
    let table = Table::new(names(WIDE).into_iter().map(column).collect()).unwrap();
    assert_eq!(table.num_columns(), WIDE);
    let mut columns: Vec<Column> = names(WIDE).into_iter().map(column).collect();
    columns.push(column(format!("c{}", WIDE / 2)));
    let err = Table::new(columns).unwrap_err();
    assert_eq!(
        err,
        TableError::DuplicateColumn {
            name: format!("c{}", WIDE / 2)
        }
    );
}

#[test]
fn wide_jsonl_column_list_with_100k_names_and_a_duplicate() {
    let mut columns = names(WIDE);
    columns.push("c7".to_owned());
    let options = JsonlOptions {
        columns: Some(columns),
        ..JsonlOptions::default()
    };
    let err = Table::from_jsonl(b"{\"c0\": 1}\n", &options).unwrap_err();
    assert_eq!(err, TableError::DuplicateColumn { name: "c7".into() });
}
