//! Parquet bytes → a table (through arrow): a table or a named error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use lockstep_core::Table;

#[path = "common.rs"]
mod common;

fuzz_target!(
    init: common::let_decoder_panics_reach_the_guard(),
    |data: &[u8]| {
    if let Ok(table) = Table::from_parquet(data) {
        for column in table.columns() {
            assert_eq!(column.len(), table.num_rows());
        }
    }
});
