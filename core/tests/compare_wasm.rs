//! Champion vs challenger on 1 M rows with 1,000 paired bootstrap replicates in wasm32
//! under Node (issue 16's speed item): the same rows and work as the native bench
//! (`benches/compare.rs`; both share `benches/shared/compare_data.rs`). A benchmark, not
//! a test: it is `#[ignore]`d, so it only runs when asked for (wasm-bindgen-cli 0.2.130
//! on PATH), which `scripts/bench/compare.sh` does:
//!
//!     CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!         cargo test --release -p lockstep-core --target wasm32-unknown-unknown \
//!         --test compare_wasm -- --include-ignored --nocapture
//!
//! One warm-up at 1/10 of the replicates, one timed run, and a `RESULT {json}` line with
//! the point estimates and p-values the driver checks against native and scikit-learn.
//! On native targets this file compiles to nothing.

#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // bench set-up panics on broken set-up

#[path = "../benches/shared/eval_data.rs"]
#[allow(dead_code)]
mod eval_data;

#[path = "../benches/shared/compare_data.rs"]
mod compare_data;

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

const ROWS: usize = 1_000_000;
const REPLICATES: u32 = 1000;

#[wasm_bindgen]
extern "C" {
    /// `performance.now()`: milliseconds, sub-millisecond resolution (Node ≥ 16, browsers).
    #[wasm_bindgen(js_namespace = performance)]
    fn now() -> f64;
}

#[wasm_bindgen_test]
#[ignore = "benchmark: 1 M rows × 1,000 paired replicates, run with --include-ignored"]
fn compare_1m_rows_1000_replicates() {
    let table = compare_data::table(ROWS);
    let start = now();
    compare_data::run(&table, REPLICATES / 10);
    console_log!(
        "  warm-up ({} replicates): {:.2} s",
        REPLICATES / 10,
        (now() - start) / 1000.0
    );
    let start = now();
    let report = std::hint::black_box(compare_data::run(&table, REPLICATES));
    let seconds = (now() - start) / 1000.0;
    console_log!(
        "wasm32 compare: {ROWS} rows, {REPLICATES} paired replicates, {} metrics per model: {seconds:.2} s ({:.1} ms per replicate; one thread)",
        report.metrics.len(),
        seconds * 1e3 / f64::from(REPLICATES)
    );
    let mut fields = serde_json::Map::new();
    fields.insert("target".into(), "wasm32".into());
    fields.insert("rows".into(), ROWS.into());
    fields.insert("replicates".into(), REPLICATES.into());
    fields.insert("seconds".into(), seconds.into());
    // No process CPU clock in wasm32: one thread, so wall time stands in for it.
    fields.insert("cpu_seconds".into(), seconds.into());
    console_log!("RESULT {}", compare_data::result(&report, fields));
}
