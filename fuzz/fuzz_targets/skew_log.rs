//! Prediction-log bytes (JSON Lines, or Parquet when they start with `PAR1`) → log
//! batches typed by the serving pipeline's schema: batches or a named error.
#![no_main]
use libfuzzer_sys::fuzz_target;
use lockstep_core::skew::log::{LogBatch, LogError};

#[path = "common.rs"]
mod common;

fuzz_target!(
    init: common::let_decoder_panics_reach_the_guard(),
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
