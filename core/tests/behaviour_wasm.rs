//! The whole default behavioural suite in wasm32 under Node (issue 16's speed item: "in
//! a few seconds in the page"): the native bench's model, rows and work
//! (`benches/behaviour.rs`), on the engine the page's worker runs. A benchmark, not a
//! test: it is `#[ignore]`d, so it only runs when asked for (wasm-bindgen-cli 0.2.130 on
//! PATH):
//!
//!     CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!         cargo test --release -p lockstep-core --target wasm32-unknown-unknown \
//!         --test behaviour_wasm -- --include-ignored --nocapture
//!
//! One warm-up, then the median of `REPS` timed runs and a `RESULT {json}` line as the
//! native bench prints. On native targets this file compiles to nothing.

#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // bench set-up panics on broken set-up

#[path = "../benches/shared/behaviour_data.rs"]
mod behaviour_data;

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

const REPS: usize = 3;

#[wasm_bindgen]
extern "C" {
    /// `performance.now()`: milliseconds, sub-millisecond resolution (Node ≥ 16, browsers).
    #[wasm_bindgen(js_namespace = performance)]
    fn now() -> f64;
}

#[wasm_bindgen_test]
#[ignore = "benchmark: the default suite on 1,000 rows × 30 features, run with --include-ignored"]
fn behaviour_default_suite_1000_rows_30_features() {
    let bench = behaviour_data::Bench::load();
    let run = || {
        let start = now();
        let report = bench.run();
        ((now() - start) / 1000.0, report)
    };
    let (warm, report) = run();
    let model_runs = behaviour_data::model_runs(&report);
    console_log!(
        "warm-up: {warm:.3} s ({} tests, {model_runs} model runs of {} rows)",
        report.tests.len(),
        report.rows_used
    );
    let mut times = Vec::with_capacity(REPS);
    for i in 0..REPS {
        let (t, _) = run();
        console_log!("run {i}: {t:.3} s");
        times.push(t);
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    console_log!("wasm32: median of {REPS}: {median:.3} s for the default suite (one thread)");
    console_log!(
        "RESULT {{\"target\": \"wasm32\", \"rows\": {}, \"features\": 30, \"trees\": 100, \"model_runs\": {model_runs}, \"median_s\": {median:.4}}}",
        report.rows_used
    );
}
