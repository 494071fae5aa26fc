//! Champion vs challenger natively: two binary models' scores on `COMPARE_BENCH_ROWS`
//! rows (default 1 M), every metric of the evaluation report for both on each of
//! `COMPARE_BENCH_REPLICATES` (default 1,000) paired bootstrap resamples, McNemar's
//! exact test and DeLong's test — `lockstep_core::compare::compare`, the path
//! `lockstep compare` takes. `scripts/bench/compare.sh` runs it next to the same
//! computation in numpy / scikit-learn (`scripts/bench/compare_sklearn.py`).
//!
//!     cargo bench -p lockstep-core --bench compare
//!
//! Rows: those of `shared/eval_data.rs` (labels and the champion's score) plus a
//! challenger score `0.5·s + 0.5·w`, `w` from a second SplitMix64 stream (seed + 1):
//! only `*`, `+` and `<` on doubles, so numpy makes bit-identical rows. Prints the time
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

    use lockstep_core::compare::types::ModelSide;
    use lockstep_core::compare::{CompareConfig, SidePredictions, compare};
    use lockstep_core::metrics::bootstrap::SplitMix64;
    use lockstep_core::report::Predictions;
    use lockstep_core::report::types::PredictionKind;
    use lockstep_core::table::{Column, ColumnData, Table};

    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with("--") && a != "compare")
    {
        return;
    }
    let rows = env_usize("COMPARE_BENCH_ROWS", 1_000_000);
    let replicates = env_usize("COMPARE_BENCH_REPLICATES", 1000) as u32;
    let (labels, champion) = eval_data::data(rows);
    let mut rng = SplitMix64::new(eval_data::SEED + 1);
    let challenger: Vec<f64> = champion
        .iter()
        .map(|&s| 0.5 * s + 0.5 * rng.next_f64())
        .collect();
    let table = Table::new(vec![
        Column::new(
            "label",
            ColumnData::Int64(
                labels
                    .iter()
                    .map(|&l| i64::from(l))
                    .collect::<Vec<_>>()
                    .into(),
            ),
        ),
        Column::new("champion", ColumnData::Float64(champion.into())),
        Column::new("challenger", ColumnData::Float64(challenger.into())),
    ])
    .unwrap();
    let side = |column: &str| SidePredictions {
        table: &table,
        predictions: Predictions::Score(column.to_owned()),
        info: ModelSide {
            name: column.to_owned(),
            prediction_kind: PredictionKind::Score,
            prediction_columns: vec![column.to_owned()],
            fingerprints: Default::default(),
            latency_ms_per_row: None,
        },
    };
    let (a, b) = (side("champion"), side("challenger"));
    let mut config = CompareConfig::default();
    config.bootstrap.replicates = (replicates / 10).max(1);
    compare("label", &a, &b, &config, None).unwrap();
    config.bootstrap.replicates = replicates;
    let (start, cpu_start) = (Instant::now(), cpu_seconds());
    let report = compare("label", &a, &b, &config, None).unwrap();
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
    let values: serde_json::Map<String, serde_json::Value> = report
        .metrics
        .iter()
        .filter_map(|m| {
            Some((
                m.name.clone(),
                serde_json::json!([m.champion.estimate.value()?, m.challenger.estimate.value()?]),
            ))
        })
        .collect();
    let result = serde_json::json!({
        "target": "native",
        "rows": rows,
        "replicates": replicates,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "metrics": report.metrics.len(),
        "values": values,
        "mcnemar_p": report.mcnemar.map(|t| t.p_value),
        "delong_p": report.delong.map(|t| t.p_value),
    });
    println!("RESULT {result}");
}
