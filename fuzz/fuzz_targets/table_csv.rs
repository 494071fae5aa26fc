//! CSV bytes → a table: a table or a named error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use lockstep_core::{CsvOptions, Table};

fuzz_target!(|data: &[u8]| {
    if let Ok(table) = Table::from_csv(data, &CsvOptions::default()) {
        // Every column has as many rows as the table.
        for column in table.columns() {
            assert_eq!(column.len(), table.num_rows());
        }
    }
});
