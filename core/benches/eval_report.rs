//! The default evaluation report (`report::evaluate`: every metric, both reliability
//! diagrams, the threshold sweep and 1,000 bootstrap replicates) on 1 M rows of a
//! binary score column, natively: the multinomial bootstrap on one thread (the method
//! before issue 13), then the Poisson bootstrap on one thread (what the page does,
//! single-threaded wasm) and on every core, in the same run.
//!
//! Per replicate, the report makes one fused pass over the score-ordered rows
//! (`metrics::score_ordered`). For comparison the bench also times, on the same rows
//! and resamples, what a replicate cost before that pass: one call per metric family
//! (`PreparedClassification::metrics` and the two `reliability_diagram`s over the
//! score-ordered rows, with the counts drawn first), and the fused pass alone on the
//! same resamples: `EVAL_REPORT_PER_METRIC` replicates of each (default 20; 0 skips
//! them).
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

    // Before the fused pass: per-metric passes over the score-ordered rows.
    let per_metric = env_usize("EVAL_REPORT_PER_METRIC", 20) as u32;
    let mut per_metric_ms = None;
    if per_metric > 0 {
        use lockstep_core::metrics::calibration::{BinStrategy, reliability_diagram};
        use lockstep_core::metrics::score_ordered::{Draw, ScoreOrdered};
        use lockstep_core::metrics::{
            ClassScores, ClassificationInput, PreparedClassification, RankedScores, Weights,
        };
        let (labels, scores) = eval_data::data(rows);
        let ranked = RankedScores::new("score", &scores).unwrap();
        let (labels, scores) = bootstrap::descending_score_order(&labels, &scores, &ranked);
        let prepared = PreparedClassification::new(ClassificationInput {
            labels: &labels,
            scores: ClassScores::Binary {
                positive: &scores,
                threshold: 0.5,
            },
        })
        .unwrap();
        let sorted = prepared.ranked(1).unwrap();
        let (start, cpu) = (Instant::now(), cpu_seconds());
        for r in 0..per_metric {
            bootstrap::replicate_counts(BootstrapMethod::Poisson, 1, r, &mut counts);
            let w = Weights::Counts(&counts);
            black_box(prepared.metrics(w));
            for strategy in [BinStrategy::EqualWidth, BinStrategy::EqualMass] {
                black_box(
                    reliability_diagram(&scores, sorted, |i| labels[i] == 1, 10, strategy, w)
                        .unwrap(),
                );
            }
        }
        let wall = start.elapsed().as_secs_f64() * 1000.0 / f64::from(per_metric);
        let cpu = (cpu_seconds() - cpu) * 1000.0 / f64::from(per_metric);
        println!(
            "one replicate, per-metric passes (before the fused pass), {rows} rows, poisson: {wall:.2} ms wall, {cpu:.2} ms CPU ({per_metric} replicates)"
        );
        // The same replicates through the fused pass (the counts drawn inside it).
        let ordered = ScoreOrdered::new(&prepared, 10, true).unwrap();
        let (start, cpu0) = (Instant::now(), cpu_seconds());
        for r in 0..per_metric {
            black_box(ordered.pass(Draw::Poisson {
                seed: 1,
                replicate: r,
            }));
        }
        let fused_wall = start.elapsed().as_secs_f64() * 1000.0 / f64::from(per_metric);
        let fused_cpu = (cpu_seconds() - cpu0) * 1000.0 / f64::from(per_metric);
        println!(
            "one replicate, fused pass, {rows} rows, poisson: {fused_wall:.2} ms wall, {fused_cpu:.2} ms CPU ({per_metric} replicates)"
        );
        per_metric_ms = Some((wall, cpu, fused_wall, fused_cpu));
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
    let per_metric_json = per_metric_ms.map_or_else(
        || "null".to_owned(),
        |(wall, cpu, fused_wall, fused_cpu)| {
            format!(
                r#"{{"per_metric":{{"wall_ms":{wall:.3},"cpu_ms":{cpu:.3}}},"fused":{{"wall_ms":{fused_wall:.3},"cpu_ms":{fused_cpu:.3}}}}}"#
            )
        },
    );
    println!(
        r#"RESULT {{"rows":{rows},"replicates":{replicates},"one_replicate":{per_metric_json},"draw_ms":{{{}}},"runs":[{}]}}"#,
        draw_ms
            .iter()
            .map(|(m, ms)| format!(r#""{m}":{ms:.3}"#))
            .collect::<Vec<_>>()
            .join(","),
        results.join(",")
    );
}
