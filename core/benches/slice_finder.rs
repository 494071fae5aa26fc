//! The slice finder on 1 M rows × 30 columns, max level 3 (a bench binary, not a
//! timed test). 20 integer-coded categorical columns (3–20 values) and 10 float
//! columns (cut into 10 quantile bins), 0/1 loss of rate 0.1 with three planted
//! slices (levels 1–3) at 0.4. Prints the time of each phase.
//!
//!     cargo bench -p lockstep-core --bench slice_finder            # 1 M rows
//!     SLICES_BENCH_ROWS=100000 cargo bench -p lockstep-core --bench slice_finder
//!     SLICES_BENCH_DUMP=/tmp/slices.bin cargo bench …               # for scripts/bench/slices.sh
//!
//! With `SLICES_BENCH_DUMP`, the binned data (one u8 code per cell, row-major, after
//! the finder's own binning) and the f64 losses are written for the `sliceline` peer,
//! so both search the same predicates.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::io::Write;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use lockstep_core::metrics::bootstrap::SplitMix64;
use lockstep_core::slices::predicate::{Buckets, cut};
use lockstep_core::slices::{Control, FinderSettings, find};
use lockstep_core::table::{Float64Array, Int64Array};
use lockstep_core::{Column, ColumnData, Table};

fn main() {
    let rows: usize = std::env::var("SLICES_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let started = Instant::now();
    let mut rng = SplitMix64::new(15);
    let mut columns = Vec::new();
    let mut codes: Vec<Vec<i64>> = Vec::new();
    for j in 0..20 {
        let card = 3 + (j as u64 * 17) % 18;
        let values: Vec<i64> = (0..rows).map(|_| rng.below(card) as i64).collect();
        codes.push(values.clone());
        columns.push(Column::new(
            format!("cat{j}"),
            ColumnData::Int64(Int64Array::from(values)),
        ));
    }
    for j in 0..10 {
        let values: Vec<f64> = (0..rows).map(|_| rng.next_f64() * 100.0).collect();
        columns.push(Column::new(
            format!("num{j}"),
            ColumnData::Float64(Float64Array::from(values)),
        ));
    }
    let table = Table::new(columns).unwrap();
    let planted = |r: usize| {
        codes[0][r] == 1
            || (codes[3][r] == 2 && codes[5][r] == 0)
            || (codes[7][r] == 1 && codes[9][r] == 2 && codes[11][r] == 0)
    };
    let losses: Vec<f64> = (0..rows)
        .map(|r| {
            let p = if planted(r) { 0.4 } else { 0.1 };
            f64::from(u8::from(rng.next_f64() < p))
        })
        .collect();
    println!(
        "[slices-bench] data: {rows} rows × {} columns in {:.2} s",
        table.num_columns(),
        started.elapsed().as_secs_f64()
    );
    let names: Vec<String> = table.column_names().map(str::to_owned).collect();
    let settings = FinderSettings::default();
    let clock_start = Instant::now();
    let now = || clock_start.elapsed().as_secs_f64() * 1e3;
    let cancel = AtomicBool::new(false);
    let mut last_level = 0;
    let mut progress = |p: lockstep_core::slices::Progress| {
        if p.level != last_level {
            println!(
                "[slices-bench]   level {} at {:.2} s ({} evaluated so far)",
                p.level,
                clock_start.elapsed().as_secs_f64(),
                p.evaluated
            );
            last_level = p.level;
        }
    };
    let mut control = Control {
        now: &now,
        progress: &mut progress,
        cancel: &cancel,
    };
    let t = Instant::now();
    let report = find(&table, &names, &losses, "zero_one", &settings, &mut control).unwrap();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "[slices-bench] finder: {secs:.2} s — {} predicates, {} candidates evaluated, {} discoveries, levels {}",
        report.predicates, report.candidates_evaluated, report.discoveries, report.levels_searched
    );
    for s in report.slices.iter().take(5) {
        println!(
            "[slices-bench]   {} rows {} loss {:.3} score {:.3} effect {:.2}",
            s.name, s.rows, s.mean_loss, s.score, s.effect_size
        );
    }
    if let Ok(path) = std::env::var("SLICES_BENCH_DUMP") {
        // The finder's own binning, as codes.
        let mut cells = vec![0u8; rows * names.len()];
        for (j, name) in names.iter().enumerate() {
            let cut = cut(
                table.column(name).unwrap(),
                &Buckets::Quantiles(settings.max_bins),
                settings.max_categories,
            )
            .unwrap();
            for (k, set) in cut.rows.iter().enumerate() {
                for r in set.ones() {
                    cells[r * names.len() + j] = k as u8;
                }
            }
        }
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        file.write_all(&(rows as u64).to_le_bytes()).unwrap();
        file.write_all(&(names.len() as u64).to_le_bytes()).unwrap();
        file.write_all(&cells).unwrap();
        for l in &losses {
            file.write_all(&l.to_le_bytes()).unwrap();
        }
        println!("[slices-bench] wrote {path}");
    }
}
