//! Parquet bytes → a table (through arrow): a table or a named error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use lockstep_core::Table;

fuzz_target!(
    init: {
        // Core's reader turns a panic inside the `parquet` crate (its page decoder
        // panics on some malformed pages) into a named error; libFuzzer's hook would
        // abort at the panic before that. Panics anywhere else still abort.
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_parquet = info
                .location()
                .is_some_and(|l| l.file().contains("/parquet-"));
            if !in_parquet {
                fuzzer_hook(info);
            }
        }));
    },
    |data: &[u8]| {
    if let Ok(table) = Table::from_parquet(data) {
        for column in table.columns() {
            assert_eq!(column.len(), table.num_rows());
        }
    }
});
