//! Tables in Arrow's layout: views share buffers, take/filter/with_column keep values,
//! nulls and dictionaries, and memory stays within 8 bytes + 1 bit per numeric value
//! and 4 bytes + 1 bit per string value.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use std::sync::Arc;

use lockstep_core::table::builder::{ColumnBuilder, StrBuilder};
use lockstep_core::table::{
    Array, Column, ColumnData, DataType, Float64Array, Int64Array, StrColumn, Table, TableError,
};

const ROWS: usize = 1_000_000;

fn float(table: &Table, name: &str) -> Float64Array {
    match table.column(name).unwrap().data() {
        ColumnData::Float64(v) => v.clone(),
        other => panic!("{name}: not float64: {other:?}"),
    }
}

fn int(table: &Table, name: &str) -> Int64Array {
    match table.column(name).unwrap().data() {
        ColumnData::Int64(v) => v.clone(),
        other => panic!("{name}: not int64: {other:?}"),
    }
}

fn strings(table: &Table, name: &str) -> StrColumn {
    match table.column(name).unwrap().data() {
        ColumnData::Str(s) => s.clone(),
        other => panic!("{name}: not a string column: {other:?}"),
    }
}

/// 1 M rows: a float64 with nulls every 7th row, an int64 and a string column with
/// three categories and nulls every 11th row.
fn big_table() -> Table {
    let x: Float64Array = (0..ROWS)
        .map(|i| (i % 7 != 0).then_some(i as f64 * 0.5))
        .collect();
    let n: Int64Array = (0..ROWS as i64).map(Some).collect();
    let cities = ["Paris", "Oslo", "Lima"];
    let city =
        StrColumn::from_values((0..ROWS).map(|i| (i % 11 != 0).then(|| cities[i % 3]))).unwrap();
    Table::new(vec![
        Column::new("x", ColumnData::Float64(x)),
        Column::new("n", ColumnData::Int64(n)),
        Column::new("city", ColumnData::Str(city)),
    ])
    .unwrap()
}

fn values_ptr(a: &Float64Array) -> *const f64 {
    a.values().as_ptr()
}

#[test]
fn a_filter_of_a_million_rows_does_not_copy_the_columns_it_keeps() {
    let table = big_table();
    let x = float(&table, "x");
    let n = int(&table, "n");
    let city = strings(&table, "city");

    // Keeping every row keeps every buffer.
    let all = table.filter(&vec![true; ROWS]).unwrap();
    assert_eq!(all.num_rows(), ROWS);
    assert_eq!(values_ptr(&float(&all, "x")), values_ptr(&x));
    assert_eq!(int(&all, "n").values().as_ptr(), n.values().as_ptr());
    assert_eq!(
        strings(&all, "city").codes().values().as_ptr(),
        city.codes().values().as_ptr()
    );

    // A contiguous run of rows is a window on the same buffers.
    let mask: Vec<bool> = (0..ROWS).map(|i| (1_000..900_000).contains(&i)).collect();
    let run = table.filter(&mask).unwrap();
    assert_eq!(run.num_rows(), 899_000);
    assert_eq!(values_ptr(&float(&run, "x")), x.values()[1_000..].as_ptr());
    assert_eq!(
        int(&run, "n").values().as_ptr(),
        n.values()[1_000..].as_ptr()
    );
    assert_eq!(float(&run, "x").value(0), 500.0);
    assert_eq!(
        float(&run, "x").null_count(),
        x.slice(1_000, 899_000).null_count()
    );

    // Any other filter gathers the kept values, but every string column keeps its
    // dictionary (the text is never copied).
    let every_other: Vec<bool> = (0..ROWS).map(|i| i % 2 == 0).collect();
    let half = table.filter(&every_other).unwrap();
    assert_eq!(half.num_rows(), ROWS / 2);
    let half_city = strings(&half, "city");
    assert!(Arc::ptr_eq(
        half_city.as_arrow().values(),
        city.as_arrow().values()
    ));
    assert_eq!(int(&half, "n").value(12_345), 24_690);
    // The gathered columns cost 8 bytes + 1 bit a kept numeric row, 4 + 1 bit a string.
    let dictionary_bytes = city.dictionary().get_buffer_memory_size();
    let kept = ROWS / 2;
    assert!(half.column("x").unwrap().data().memory_bytes() <= kept * 8 + kept / 8 + 128);
    assert!(
        half.column("city").unwrap().data().memory_bytes()
            <= kept * 4 + kept / 8 + 128 + dictionary_bytes
    );

    // Selecting columns and adding one share every column kept.
    let selected = table.select(&["city", "x"]).unwrap();
    assert_eq!(values_ptr(&float(&selected, "x")), values_ptr(&x));
    let doubled: Float64Array = x.iter().map(|v| v.map(|v| v * 2.0)).collect();
    let wider = table
        .with_column(Column::new("x2", ColumnData::Float64(doubled)))
        .unwrap();
    assert_eq!(wider.num_columns(), 4);
    assert_eq!(values_ptr(&float(&wider, "x")), values_ptr(&x));
    assert_eq!(int(&wider, "n").values().as_ptr(), n.values().as_ptr());

    // A clone is a new handle on the same buffers.
    let copy = table.clone();
    assert_eq!(values_ptr(&float(&copy, "x")), values_ptr(&x));
    assert_eq!(copy, table);
}

#[test]
fn take_filter_and_with_column_keep_values_nulls_and_dictionaries() {
    let table = Table::new(vec![
        Column::new(
            "b",
            ColumnData::Bool(vec![Some(true), None, Some(false), Some(true)].into()),
        ),
        Column::new(
            "i",
            ColumnData::Int64(vec![Some(1), Some(2), None, Some(4)].into()),
        ),
        Column::new(
            "f",
            ColumnData::Float64(vec![None, Some(0.5), Some(-1.25), Some(2.0)].into()),
        ),
        Column::new(
            "s",
            ColumnData::Str(
                StrColumn::from_values([Some("a"), Some("b"), None, Some("a")]).unwrap(),
            ),
        ),
    ])
    .unwrap();

    let taken = table.take(&[3, 1, 1, 2]).unwrap();
    assert_eq!(taken.num_rows(), 4);
    assert_eq!(
        taken.column("b").unwrap().data(),
        &ColumnData::Bool(vec![Some(true), None, None, Some(false)].into())
    );
    assert_eq!(
        taken.column("i").unwrap().data(),
        &ColumnData::Int64(vec![Some(4), Some(2), Some(2), None].into())
    );
    assert_eq!(
        taken.column("f").unwrap().data(),
        &ColumnData::Float64(vec![Some(2.0), Some(0.5), Some(0.5), Some(-1.25)].into())
    );
    let s = strings(&taken, "s");
    assert_eq!(
        s.iter().collect::<Vec<_>>(),
        [Some("a"), Some("b"), Some("b"), None]
    );
    assert_eq!(s.entries().collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(taken.column("s").unwrap().null_count(), 1);
    assert_eq!(taken.column("b").unwrap().value_text(1), None);
    assert_eq!(
        taken.column("f").unwrap().value_text(0).as_deref(),
        Some("2")
    );

    let filtered = table.filter(&[false, true, false, true]).unwrap();
    assert_eq!(
        filtered.column("i").unwrap().data(),
        &ColumnData::Int64(vec![Some(2), Some(4)].into())
    );
    assert_eq!(
        strings(&filtered, "s").iter().collect::<Vec<_>>(),
        [Some("b"), Some("a")]
    );
    // The dictionary is shared, so it may name entries no row of the view uses.
    let only_a = table.filter(&[true, false, false, false]).unwrap();
    assert_eq!(
        strings(&only_a, "s").entries().collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!(only_a.column("f").unwrap().null_count(), 1);
    let none = table.filter(&[false; 4]).unwrap();
    assert_eq!(none.num_rows(), 0);
    assert_eq!(none.num_columns(), 4);

    let sliced = table.slice(1, 2).unwrap();
    assert_eq!(
        sliced.column("f").unwrap().data(),
        &ColumnData::Float64(vec![Some(0.5), Some(-1.25)].into())
    );
    assert_eq!(strings(&sliced, "s").get(1), None);

    // with_column replaces a column of the same name in place, or appends.
    let replaced = table
        .with_column(Column::new(
            "i",
            ColumnData::Int64(vec![None, None, Some(7), Some(8)].into()),
        ))
        .unwrap();
    assert_eq!(
        replaced.column_names().collect::<Vec<_>>(),
        ["b", "i", "f", "s"]
    );
    assert_eq!(replaced.column("i").unwrap().null_count(), 2);
    let added = table
        .with_column(Column::new(
            "t",
            ColumnData::Str(StrColumn::from_values([None, Some("x"), Some("y"), None]).unwrap()),
        ))
        .unwrap();
    assert_eq!(added.column_names().last(), Some("t"));
}

#[test]
fn views_name_bad_rows_masks_and_lengths() {
    let table = Table::new(vec![Column::new(
        "x",
        ColumnData::Float64(vec![Some(1.0), None, Some(3.0)].into()),
    )])
    .unwrap();
    assert_eq!(
        table.take(&[0, 3]).unwrap_err(),
        TableError::RowOutOfRange { row: 3, rows: 3 }
    );
    assert_eq!(
        table.filter(&[true]).unwrap_err(),
        TableError::MaskLength { len: 1, rows: 3 }
    );
    assert_eq!(
        table.slice(2, 2).unwrap_err(),
        TableError::RowOutOfRange { row: 3, rows: 3 }
    );
    assert!(matches!(
        table.with_column(Column::new(
            "y",
            ColumnData::Float64(vec![Some(1.0)].into())
        )),
        Err(TableError::LengthMismatch {
            len: 1,
            expected: 3,
            ..
        })
    ));
    assert!(matches!(
        table.select(&["z"]),
        Err(TableError::UnknownColumn { .. })
    ));
    assert!(matches!(
        StrColumn::from_parts(&["a", "a"], vec![Some(0)]),
        Err(TableError::InvalidDictionary { .. })
    ));
    assert!(matches!(
        StrColumn::from_parts(&["a"], vec![Some(1)]),
        Err(TableError::InvalidDictionary { .. })
    ));
}

#[test]
fn a_million_by_thirty_numeric_table_costs_eight_bytes_and_a_bit_a_value() {
    let columns: Vec<Column> = (0..30)
        .map(|c| {
            let mut b = ColumnBuilder::new(DataType::Float64, ROWS);
            if let ColumnBuilder::Float64(v) = &mut b {
                for i in 0..ROWS {
                    v.push(((i + c) % 50 != 0).then_some(i as f64));
                }
            }
            b.finish_column(format!("x{c}"))
        })
        .collect();
    let table = Table::new(columns).unwrap();
    let bytes = table.memory_bytes();
    let values = 30 * ROWS;
    println!(
        "1 M x 30 float64 (2 % nulls): {bytes} bytes, {:.3} bytes a value (Vec<Option<f64>>: 16)",
        bytes as f64 / values as f64
    );
    // 8 bytes a value plus a validity bit, and at most 64 bytes of rounding a buffer.
    assert!(bytes <= values * 8 + values / 8 + 30 * 2 * 64, "{bytes}");
    assert!(bytes >= values * 8);
}

#[test]
fn the_string_builder_interns_each_distinct_value_once() {
    // More distinct values than the in-order search handles: the index takes over.
    let mut b = StrBuilder::new();
    let texts: Vec<String> = (0..40).map(|i| format!("v{i}")).collect();
    for round in 0..3 {
        for (i, t) in texts.iter().enumerate() {
            b.push(if (i + round) % 9 == 0 {
                None
            } else {
                Some(t.as_str())
            })
            .unwrap();
        }
    }
    let code = b.intern("v39").unwrap();
    let column = b.finish();
    assert_eq!(column.len(), 120);
    assert_eq!(column.dictionary().value(code as usize), "v39");
    let mut entries: Vec<&str> = column.entries().collect();
    entries.sort_unstable();
    entries.dedup();
    assert_eq!(entries.len(), 40);
    assert_eq!(column.entries().count(), 40);
    for (row, text) in column.iter().enumerate() {
        let i = row % 40;
        let expected = ((i + row / 40) % 9 != 0).then(|| texts[i].as_str());
        assert_eq!(text, expected, "row {row}");
    }
    // A string column of 1 M rows costs 4 bytes and a bit a row, plus its dictionary.
    let big = StrColumn::from_values((0..ROWS).map(|i| Some(texts[i % 40].as_str()))).unwrap();
    let dictionary = big.dictionary().get_buffer_memory_size();
    let data = ColumnData::Str(big);
    assert!(data.memory_bytes() <= ROWS * 4 + ROWS / 8 + 128 + dictionary);

    // Truncate and pad, as the log reader uses them (a repeated key keeps its last value).
    let mut column = ColumnBuilder::new(DataType::Int64, 0);
    if let ColumnBuilder::Int64(v) = &mut column {
        v.push(Some(1));
        v.push(Some(2));
    }
    column.truncate(1);
    if let ColumnBuilder::Int64(v) = &mut column {
        v.push(Some(3));
    }
    column.pad(4);
    assert_eq!(
        column.finish(),
        ColumnData::Int64(vec![Some(1), Some(3), None, None].into())
    );
}
