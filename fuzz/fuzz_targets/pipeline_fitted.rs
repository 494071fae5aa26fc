//! Fitted-pipeline JSON → `FittedPipeline`, then applied to a small table: a feature
//! matrix or a named error, never a panic. A pipeline that reads back writes itself
//! to the same fingerprint.
#![no_main]
use libfuzzer_sys::fuzz_target;
use lockstep_core::transform::{self, FittedPipeline};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(pipeline) = FittedPipeline::from_json(text) else {
        return;
    };
    if let Ok(json) = pipeline.to_json() {
        let again = FittedPipeline::from_json(&json).expect("a written pipeline reads back");
        assert_eq!(again.fingerprint(), pipeline.fingerprint());
    }
    let _ = transform::apply(&pipeline, common::small_table());
});
