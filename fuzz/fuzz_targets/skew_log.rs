//! Prediction-log bytes (JSON Lines, or Parquet when they start with `PAR1`) → log
//! batches typed by the serving pipeline's schema: batches or a named error.
#![no_main]
use libfuzzer_sys::fuzz_target;
use lockstep_core::skew::log::{LogBatch, LogError};

#[path = "common.rs"]
mod common;

fuzz_target!(
    init: {
        // Core's Parquet readers turn a panic inside the `parquet` crate (its page
        // decoder panics on some malformed pages) into a named error; libFuzzer's hook
        // would abort at the panic before that. Panics anywhere else still abort.
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
    let schema = common::serving_pipeline().input_schema();
    if data.starts_with(b"PAR1") {
        let _ = LogBatch::read_parquet(data, "fuzz.parquet", schema, 64, |batch| {
            let _ = batch.requests().count();
            Ok::<(), LogError>(())
        });
    } else if let Ok((batch, _torn)) = LogBatch::from_jsonl_at_end(data, "fuzz.jsonl", 1, schema) {
        for row in 0..batch.num_rows() {
            let _ = batch.row_id(row);
        }
        let _ = batch.requests().count();
    }
});
