//! The default evaluation report (`report::evaluate`: every metric, both reliability
//! diagrams, the threshold sweep and 1,000 bootstrap replicates) on 1 M rows of a
//! binary score column, natively: the multinomial bootstrap on one thread (the method
//! before issue 13), then the Poisson bootstrap on one thread (what the page does,
//! single-threaded wasm) and on every core, in the same run.
//!
//!     cargo bench -p lockstep-core --bench eval_report
//!
//! Rows: `shared/eval_data.rs` (as the metrics bench and
//! `scripts/bench/eval_metrics_sklearn.py`). `EVAL_REPORT_ROWS` (default 1,000,000)
//! and `EVAL_REPORT_REPLICATES` (default 1,000) override the size. Also times the
//! replicate draws alone (one replicate's counts per method). Prints one line per
//! configuration and a final `RESULT {json}`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
#[path = "shared/eval_data.rs"]
#[allow(dead_code)]
mod eval_data;

#[cfg(not(target_arch = "wasm32"))]
fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// This process's CPU seconds (user + system, all threads) from /proc/self/stat; 0
/// where there is none. On a shared, loaded machine the single-thread runs' CPU
/// seconds are the better figure: wall time then includes waiting for a core.
#[cfg(not(target_arch = "wasm32"))]
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses): utime is the 12th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse().ok())
        .collect();
    fields.iter().sum::<u64>() as f64 / 100.0
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use std::hint::black_box;
    use std::time::Instant;

    use lockstep_core::metrics::bootstrap::{self, BootstrapMethod};
    use lockstep_core::report::{EvalConfig, Predictions, evaluate};
    use lockstep_core::table::{Column, ColumnData, Float64Array, Int64Array, Table};

    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with("--") && a != "eval_report")
    {
        return;
    }
    let rows = env_usize("EVAL_REPORT_ROWS", 1_000_000);
    let replicates = env_usize("EVAL_REPORT_REPLICATES", 1000) as u32;
    let (labels, scores) = eval_data::data(rows);
    let labels: Vec<i64> = labels.iter().map(|&l| i64::from(l)).collect();
    let table = Table::new(vec![
        Column::new("label", ColumnData::Int64(Int64Array::from(labels))),
        Column::new("score", ColumnData::Float64(Float64Array::from(scores))),
    ])
    .unwrap();

    let mut counts = vec![0u32; rows];
    let mut draw_ms = Vec::new();
    for method in [BootstrapMethod::Multinomial, BootstrapMethod::Poisson] {
        let start = Instant::now();
        for r in 0..20 {
            bootstrap::replicate_counts(method, 1, r, &mut counts);
            black_box(&counts);
        }
        let ms = start.elapsed().as_secs_f64() * 1000.0 / 20.0;
        println!(
            "draws of one replicate, {rows} rows, {}: {ms:.2} ms",
            method.name()
        );
        draw_ms.push((method.name(), ms));
    }

    let threads = bootstrap::default_threads();
    let mut results = Vec::new();
    for (method, threads) in [
        (BootstrapMethod::Multinomial, 1),
        (BootstrapMethod::Poisson, 1),
        (BootstrapMethod::Poisson, threads),
    ] {
        let mut config = EvalConfig::new("label", Predictions::Score("score".into()));
        config.positive_label = Some("1".into());
        config.bootstrap.replicates = replicates;
        config.bootstrap.method = method;
        config.bootstrap.threads = Some(threads);
        let (start, cpu) = (Instant::now(), cpu_seconds());
        let report = black_box(evaluate(&table, &config).unwrap());
        let seconds = start.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu;
        let auc = report
            .metrics
            .iter()
            .find(|m| m.name == "roc_auc")
            .map(|m| (m.estimate.value(), m.lower.value(), m.upper.value()));
        println!(
            "default report, {rows} rows, {replicates} replicates, {} on {threads} thread(s): {seconds:.2} s wall, {cpu:.2} s CPU (roc_auc {auc:?})",
            method.name()
        );
        results.push(format!(
            r#"{{"method":"{}","threads":{threads},"seconds":{seconds:.3},"cpu_seconds":{cpu:.2}}}"#,
            method.name()
        ));
    }
    println!(
        r#"RESULT {{"rows":{rows},"replicates":{replicates},"draw_ms":{{{}}},"runs":[{}]}}"#,
        draw_ms
            .iter()
            .map(|(m, ms)| format!(r#""{m}":{ms:.3}"#))
            .collect::<Vec<_>>()
            .join(","),
        results.join(",")
    );
}
