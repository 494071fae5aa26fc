//! Every binary classification metric and the calibration on 10 M rows in wasm32 under
//! Node: the same rows and work as the native bench (`benches/eval_metrics.rs`, both
//! share `benches/shared/eval_data.rs`). A benchmark, not a test: it is `#[ignore]`d, so
//! it only runs when asked for (wasm-bindgen-cli 0.2.130 on PATH):
//!
//!     CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!         cargo test --release -p lockstep-core --target wasm32-unknown-unknown \
//!         --test eval_metrics_wasm -- --include-ignored --nocapture
//!
//! It prints the median of `REPS` timed runs (after one warm-up) in rows/s and a
//! `RESULT {json}` line for `scripts/bench/eval_metrics.sh`. On native targets this file
//! compiles to nothing.

#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // bench set-up panics on broken set-up

#[path = "../benches/shared/eval_data.rs"]
mod eval_data;

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
#[ignore = "benchmark: 10 M rows, run with --include-ignored"]
fn eval_metrics_10m_rows() {
    let rows = eval_data::ROWS;
    let (labels, scores) = eval_data::data(rows);
    let mut outcome = eval_data::Outcome::default();
    let mut ms = Vec::with_capacity(REPS);
    for rep in 0..=REPS {
        let start = now();
        let mut last = start;
        let mut phases = Vec::new();
        let mut lap = |phase: &'static str| {
            let t = now();
            phases.push(format!("{phase} {:.3} s", (t - last) / 1000.0));
            last = t;
        };
        outcome = std::hint::black_box(eval_data::evaluate(&labels, &scores, &mut lap));
        let total = now() - start;
        console_log!(
            "  {}: {:.3} s ({})",
            if rep == 0 {
                "warm-up".to_owned()
            } else {
                format!("run {rep}")
            },
            total / 1000.0,
            phases.join(", ")
        );
        if rep > 0 {
            ms.push(total);
        }
    }
    ms.sort_by(f64::total_cmp);
    let median = ms[REPS / 2] / 1000.0;
    console_log!(
        "wasm32 eval_metrics: {rows} rows, median {median:.3} s of {:.3?}, {:.0} rows/s ({})",
        ms.iter().map(|t| t / 1000.0).collect::<Vec<_>>(),
        rows as f64 / median,
        outcome.sizes()
    );
    console_log!(
        "RESULT {{\"target\": \"wasm32\", \"rows\": {rows}, \"median_s\": {median}, \"values\": {}}}",
        outcome.json()
    );
}
