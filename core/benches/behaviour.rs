//! The whole default behavioural suite (noise at 4 levels + each feature, missing values
//! per feature + 5 % of cells, category swaps) on 1,000 rows × 30 features with a
//! 100-tree random forest (`shared/behaviour_data.rs`, which the wasm32 twin
//! `tests/behaviour_wasm.rs` shares), on lockstep-core's engine, one thread — the code
//! the page runs.
//!
//!     cargo bench -p lockstep-core --bench behaviour
//!
//! Prints each timed run and the median of `BEHAVIOUR_BENCH_REPS` (default 3) runs after
//! one warm-up, and a `RESULT {json}` line.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
#[path = "shared/behaviour_data.rs"]
mod behaviour_data;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use std::time::Instant;

    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with("--") && a != "behaviour")
    {
        return;
    }
    let bench = behaviour_data::Bench::load();
    let reps: usize = std::env::var("BEHAVIOUR_BENCH_REPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let run = || {
        let start = Instant::now();
        let report = bench.run();
        (start.elapsed().as_secs_f64(), report)
    };
    let (warm, report) = run();
    let model_runs = behaviour_data::model_runs(&report);
    println!(
        "warm-up: {warm:.3} s ({} tests, {model_runs} model runs of {} rows)",
        report.tests.len(),
        report.rows_used
    );
    let mut times = Vec::new();
    for i in 0..reps {
        let (t, _) = run();
        println!("run {i}: {t:.3} s");
        times.push(t);
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!("median of {reps}: {median:.3} s for the default suite");
    println!(
        "RESULT {{\"rows\": {}, \"features\": 30, \"trees\": 100, \"model_runs\": {model_runs}, \"median_s\": {median:.4}}}",
        report.rows_used
    );
}
