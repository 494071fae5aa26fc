//! Rule text (heuristic baselines, e.g. `income > 50000 and age < 30`) → a rule, then
//! evaluated on a small table: a result or a named error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use lockstep_core::report::Rule;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(rule) = Rule::parse(text) {
        let _ = rule.predict(common::small_table());
    }
});
