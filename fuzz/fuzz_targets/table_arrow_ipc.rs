//! Arrow IPC bytes (file or stream format) → a table: a table or a named error, never
//! a panic outside the arrow crates' decoders (core turns those into named errors).
#![no_main]
use libfuzzer_sys::fuzz_target;
use lockstep_core::Table;

fuzz_target!(
    init: {
        // As table_parquet: a panic inside an arrow crate is caught by core's guard and
        // becomes `TableError::ArrowIpc`; libFuzzer's hook would abort before that.
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_arrow = info
                .location()
                .is_some_and(|l| l.file().contains("/arrow-"));
            if !in_arrow {
                fuzzer_hook(info);
            }
        }));
    },
    |data: &[u8]| {
    if let Ok(table) = Table::from_arrow_ipc(data) {
        for column in table.columns() {
            assert_eq!(column.len(), table.num_rows());
        }
    }
});
