//! Throughput of `transform::apply` in wasm32 under Node: the same 1 M rows × 30 columns
//! and 95-feature pipeline as the native bench (`benches/transform_apply.rs`, which shares
//! `benches/shared/transform_data.rs`). A benchmark, not a test: it is `#[ignore]`d, so
//! it only runs when asked for (wasm-bindgen-cli 0.2.130 on PATH):
//!
//!     CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!         cargo test --release -p lockstep-core --target wasm32-unknown-unknown \
//!         --test transform_apply_wasm -- --include-ignored --nocapture
//!
//! It prints the median of `REPS` timed applies (after one warm-up) in rows/s. On native
//! targets this file compiles to nothing.

#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // bench set-up panics on broken set-up

#[path = "../benches/shared/transform_data.rs"]
mod transform_data;

use lockstep_core::transform;
use transform_data::{ROWS, spec, table};
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
#[ignore = "benchmark: 1 M rows, run with --include-ignored"]
fn transform_apply_1m_rows() {
    let full = table(ROWS);
    let train = table(100_000);
    let fitted = transform::fit(&spec(), &train).unwrap();
    assert_eq!(fitted.feature_names().len(), 95);
    drop(train);
    std::hint::black_box(transform::apply(&fitted, &full).unwrap());
    let mut ms: Vec<f64> = (0..REPS)
        .map(|_| {
            let start = now();
            std::hint::black_box(transform::apply(&fitted, &full).unwrap());
            now() - start
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    let median = ms[REPS / 2];
    console_log!(
        "wasm32 transform_apply: {ROWS} rows x 30 columns -> 95 features: median {median:.0} ms of {ms:?}, {:.0} rows/s",
        ROWS as f64 / (median / 1000.0)
    );
}
