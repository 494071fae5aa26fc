//! Pipeline-spec JSON → `PipelineSpec`, fitted on a small table and applied to it: a
//! result or a named error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use lockstep_core::transform::{self, PipelineSpec};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(spec) = PipelineSpec::from_json(text) else {
        return;
    };
    let table = common::small_table();
    if let Ok(fitted) = transform::fit(&spec, table) {
        let _ = transform::apply(&fitted, table);
    }
});
