//! Every binary classification metric and the calibration on 10 M rows, natively.
//! The wasm32 twin is `tests/eval_metrics_wasm.rs`; scikit-learn's figures on the same
//! rows come from `scripts/bench/eval_metrics_sklearn.py`; `scripts/bench/eval_metrics.sh`
//! runs all three and prints the ratios.
//!
//!     cargo bench -p lockstep-core --bench eval_metrics
//!
//! Prints, per timed run, the time of each phase; then the median of `EVAL_BENCH_REPS`
//! (default 3) timed runs after one warm-up, in rows/s, and a final
//! `RESULT {json}` line with the median and the metric values (the driver checks them
//! against scikit-learn's). `EVAL_BENCH_ROWS` overrides the row count.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
#[path = "shared/eval_data.rs"]
mod eval_data;

#[cfg(not(target_arch = "wasm32"))]
fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use std::hint::black_box;
    use std::time::Instant;

    // `cargo bench` passes `--bench`; a filter argument that is not ours means another
    // bench target was asked for.
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with("--") && a != "eval_metrics")
    {
        return;
    }
    let rows = env_usize("EVAL_BENCH_ROWS", eval_data::ROWS);
    let reps = env_usize("EVAL_BENCH_REPS", 3).max(1);
    let start = Instant::now();
    let (labels, scores) = eval_data::data(rows);
    println!(
        "native eval_metrics: {rows} rows generated in {:.2} s",
        start.elapsed().as_secs_f64()
    );

    let mut outcome = eval_data::Outcome::default();
    let mut seconds = Vec::with_capacity(reps);
    for rep in 0..=reps {
        let start = Instant::now();
        let mut last = start;
        let mut phases = Vec::new();
        let mut lap = |phase: &'static str| {
            let now = Instant::now();
            phases.push(format!("{phase} {:.3} s", (now - last).as_secs_f64()));
            last = now;
        };
        outcome = black_box(eval_data::evaluate(
            black_box(&labels),
            black_box(&scores),
            &mut lap,
        ));
        let total = start.elapsed().as_secs_f64();
        let which = if rep == 0 {
            "warm-up".to_owned()
        } else {
            format!("run {rep}")
        };
        println!("  {which}: {total:.3} s ({})", phases.join(", "));
        if rep > 0 {
            seconds.push(total);
        }
    }
    seconds.sort_by(f64::total_cmp);
    let median = seconds[seconds.len() / 2];
    println!(
        "native eval_metrics: {rows} rows, median {median:.3} s of {seconds:.3?}, {:.0} rows/s ({})",
        rows as f64 / median,
        outcome.sizes(),
    );
    println!(
        "RESULT {{\"target\": \"native\", \"rows\": {rows}, \"median_s\": {median}, \"values\": {}}}",
        outcome.json()
    );
}
