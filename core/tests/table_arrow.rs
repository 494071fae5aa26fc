//! `Table::from_record_batches`: in-memory Arrow data (what the Python package hands
//! over from pyarrow, polars or pandas) read with the Parquet reader's type mapping;
//! arrays already in Lockstep's layout are shared, not copied.
//!
//!     cargo test -p lockstep-core --features parquet --test table_arrow

#![cfg(feature = "parquet")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use arrow_array::types::UInt32Type;
use arrow_array::{
    Array, ArrayRef, BooleanArray, DictionaryArray, Float32Array, Float64Array, Int32Array,
    Int64Array, RecordBatch, StringArray, TimestampSecondArray,
};
use lockstep_core::table::{ColumnData, Table, TableError};

fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(columns).unwrap()
}

#[test]
fn arrays_in_lockstep_layout_are_shared_and_others_converted() {
    let ints = Int64Array::from(vec![Some(1), None, Some(3)]);
    let floats = Float64Array::from(vec![1.5, f64::NAN, 2.5]);
    let dict: DictionaryArray<UInt32Type> = vec!["a", "b", "a"].into_iter().collect();
    let b = batch(vec![
        ("i", Arc::new(ints.clone()) as ArrayRef),
        ("f", Arc::new(floats.clone())),
        ("s", Arc::new(dict)),
        (
            "plain",
            Arc::new(StringArray::from(vec![Some("x"), None, Some("x")])),
        ),
        ("narrow", Arc::new(Int32Array::from(vec![7, 8, 9]))),
        ("f32", Arc::new(Float32Array::from(vec![0.5, 1.0, 2.0]))),
        ("b", Arc::new(BooleanArray::from(vec![true, false, true]))),
    ]);
    let table = Table::from_record_batches(&b.schema(), std::slice::from_ref(&b)).unwrap();
    assert_eq!(table.num_rows(), 3);
    let ColumnData::Int64(i) = table.column("i").unwrap().data() else {
        panic!("int64 column expected")
    };
    assert_eq!(
        i.values().as_ptr(),
        ints.values().as_ptr(),
        "int64 values are shared"
    );
    assert!(i.is_null(1));
    let ColumnData::Float64(f) = table.column("f").unwrap().data() else {
        panic!("float64 column expected")
    };
    assert_eq!(
        f.values().as_ptr(),
        floats.values().as_ptr(),
        "float64 values are shared"
    );
    assert!(f.is_null(1), "NaN reads as null, as in Parquet and pandas");
    let ColumnData::Str(s) = table.column("s").unwrap().data() else {
        panic!("string column expected")
    };
    assert_eq!(
        s.iter().collect::<Vec<_>>(),
        [Some("a"), Some("b"), Some("a")]
    );
    let ColumnData::Str(plain) = table.column("plain").unwrap().data() else {
        panic!("string column expected")
    };
    assert_eq!(
        plain.iter().collect::<Vec<_>>(),
        [Some("x"), None, Some("x")]
    );
    assert!(matches!(
        table.column("narrow").unwrap().data(),
        ColumnData::Int64(_)
    ));
    assert!(matches!(
        table.column("f32").unwrap().data(),
        ColumnData::Float64(_)
    ));
    assert!(matches!(
        table.column("b").unwrap().data(),
        ColumnData::Bool(_)
    ));

    // Several batches are concatenated in order.
    let two = Table::from_record_batches(&b.schema(), &[b.clone(), b.clone()]).unwrap();
    assert_eq!(two.num_rows(), 6);
}

#[test]
fn an_unsupported_type_names_the_column() {
    let b = batch(vec![(
        "seen",
        Arc::new(TimestampSecondArray::from(vec![1_i64])) as ArrayRef,
    )]);
    let err = Table::from_record_batches(&b.schema(), std::slice::from_ref(&b)).unwrap_err();
    assert!(
        matches!(&err, TableError::UnsupportedParquetType { column, .. } if column == "seen"),
        "{err}"
    );
}
