//! Champion vs challenger natively: two binary models' scores on `COMPARE_BENCH_ROWS`
//! rows (default 1 M), every metric of the evaluation report for both on each of
//! `COMPARE_BENCH_REPLICATES` (default 1,000) paired bootstrap resamples, McNemar's
//! exact test and DeLong's test — `lockstep_core::compare::compare`, the path
//! `lockstep compare` takes. `scripts/bench/compare.sh` runs it next to the same
//! computation in numpy / scikit-learn (`scripts/bench/compare_sklearn.py`).
//!
//!     cargo bench -p lockstep-core --bench compare
//!
//! Rows and work: `shared/compare_data.rs`, which the wasm32 bench
//! (`tests/compare_wasm.rs`) shares. Prints the time
//! of one timed run after a warm-up at 1/10 of the replicates, and a final
//! `RESULT {json}` line with the point estimates the driver checks against
//! scikit-learn's.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
#[path = "shared/eval_data.rs"]
#[allow(dead_code)]
mod eval_data;

#[cfg(not(target_arch = "wasm32"))]
#[path = "shared/compare_data.rs"]
mod compare_data;

#[cfg(not(target_arch = "wasm32"))]
fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// This process's user + system CPU time in seconds (Linux `/proc/self/stat`, clock
/// ticks of 1/100 s); `None` elsewhere. On a shared machine, wall time follows the
/// other processes' load; CPU time does not.
#[cfg(not(target_arch = "wasm32"))]
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use std::time::Instant;

    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with("--") && a != "compare")
    {
        return;
    }
    let rows = env_usize("COMPARE_BENCH_ROWS", 1_000_000);
    let replicates = env_usize("COMPARE_BENCH_REPLICATES", 1000) as u32;
    let table = compare_data::table(rows);
    compare_data::run(&table, (replicates / 10).max(1));
    let (start, cpu_start) = (Instant::now(), cpu_seconds());
    let report = compare_data::run(&table, replicates);
    let seconds = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds().zip(cpu_start).map(|(end, start)| end - start);
    println!(
        "native compare: {rows} rows, {replicates} paired replicates, {} metrics per model: {seconds:.2} s wall, {} CPU ({} ms CPU per replicate; estimates, McNemar, DeLong and ROC curves included)",
        report.metrics.len(),
        cpu.map_or("?".to_owned(), |c| format!("{c:.2} s")),
        cpu.map_or("?".to_owned(), |c| format!(
            "{:.1}",
            c * 1e3 / f64::from(replicates)
        ))
    );
    let mut fields = serde_json::Map::new();
    fields.insert("target".into(), "native".into());
    fields.insert("rows".into(), rows.into());
    fields.insert("replicates".into(), replicates.into());
    fields.insert("seconds".into(), seconds.into());
    fields.insert("cpu_seconds".into(), serde_json::json!(cpu));
    println!("RESULT {}", compare_data::result(&report, fields));
}
