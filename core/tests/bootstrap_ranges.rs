//! The report's headline bootstrap computed in parts (the page's Web Workers each run a
//! range of replicates: `report::replicate_job`, `ReplicateJob::run`) and merged in
//! order gives the report of one sequential run, bit for bit; ranges out of place are a
//! named error, never a different interval.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use lockstep_core::metrics::EvalError;
use lockstep_core::metrics::bootstrap::{
    BootstrapMethod, ReplicateRange, SplitMix64, intervals_from_ranges, replicate_ranges,
};
use lockstep_core::report::{
    ClassProbabilityColumn, EvalConfig, PrecomputedReplicates, Predictions, ReportError, evaluate,
    evaluate_with_replicates, replicate_job,
};
use lockstep_core::{CsvOptions, Table};

/// `rows` rows of a noisy binary score (ties included) and a 3-class prediction.
fn table(rows: usize) -> Table {
    let mut rng = SplitMix64::new(42);
    let mut csv = String::from("y,score,c,p0,p1,p2\n");
    for _ in 0..rows {
        let y = rng.below(2);
        let score = ((y as f64 * 0.3 + rng.next_f64() * 0.7) * 100.0).round() / 100.0;
        let c = rng.below(3);
        let a = rng.next_f64() + if c == 0 { 0.5 } else { 0.0 };
        let b = rng.next_f64() + if c == 1 { 0.5 } else { 0.0 };
        let d = rng.next_f64() + if c == 2 { 0.5 } else { 0.0 };
        let t = a + b + d;
        csv.push_str(&format!(
            "{y},{score},k{c},{},{},{}\n",
            a / t,
            b / t,
            1.0 - a / t - b / t
        ));
    }
    Table::from_csv(csv.as_bytes(), &CsvOptions::default()).unwrap()
}

fn in_parts(table: &Table, config: &EvalConfig, parts: usize) -> PrecomputedReplicates {
    let job = replicate_job(table, config)
        .unwrap()
        .expect("a classification job");
    let ranges = replicate_ranges(job.replicates, parts)
        .into_iter()
        .map(|r| job.run(r).unwrap())
        .collect();
    PrecomputedReplicates { job, ranges }
}

fn configs() -> Vec<EvalConfig> {
    let mut binary = EvalConfig::new("y", Predictions::Score("score".into()));
    binary.bootstrap.replicates = 101;
    binary.bootstrap.seed = 9;
    let mut multinomial = binary.clone();
    multinomial.bootstrap.method = BootstrapMethod::Multinomial;
    let mut multiclass = EvalConfig::new(
        "c",
        Predictions::Probabilities(
            (0..3)
                .map(|c| ClassProbabilityColumn {
                    class: format!("k{c}"),
                    column: format!("p{c}"),
                })
                .collect(),
        ),
    );
    multiclass.bootstrap.replicates = 40;
    vec![binary, multinomial, multiclass]
}

#[test]
fn replicates_in_parts_give_the_sequential_report_bit_for_bit() {
    let table = table(3000);
    for config in configs() {
        let mut one_thread = config.clone();
        one_thread.bootstrap.threads = Some(1);
        let sequential = evaluate(&table, &one_thread).unwrap();
        for parts in [1, 2, 3, 7] {
            let pre = in_parts(&table, &config, parts);
            assert_eq!(pre.ranges.len(), parts);
            let merged = evaluate_with_replicates(&table, &one_thread, Some(&pre)).unwrap();
            assert_eq!(
                merged, sequential,
                "{:?}, {parts} parts",
                config.predictions
            );
        }
    }
}

#[test]
fn the_merged_replicates_are_the_ones_used() {
    let table = table(500);
    let config = &configs()[0];
    let mut pre = in_parts(&table, config, 2);
    // Change one replicate's values: the intervals must move with them.
    for values in &mut pre.ranges[1].values {
        for v in values.iter_mut() {
            *v = Some(2.0);
        }
    }
    let merged = evaluate_with_replicates(&table, config, Some(&pre)).unwrap();
    assert_ne!(merged, evaluate(&table, config).unwrap());
}

#[test]
fn replicates_of_another_job_are_not_used() {
    let table = table(500);
    let config = &configs()[0];
    let pre = in_parts(&table, config, 3);
    let mut other = config.clone();
    other.bootstrap.seed = 10;
    assert_eq!(
        evaluate_with_replicates(&table, &other, Some(&pre)).unwrap(),
        evaluate(&table, &other).unwrap()
    );
}

#[test]
fn ranges_out_of_place_are_a_named_error() {
    let table = table(300);
    let config = &configs()[0];
    let pre = in_parts(&table, config, 3);
    let estimate = vec![];
    let boot = pre.job.config();
    // A gap (the middle range missing), ranges out of order, and a short run.
    let gap = [pre.ranges[0].clone(), pre.ranges[2].clone()];
    let swapped = [
        pre.ranges[1].clone(),
        pre.ranges[0].clone(),
        pre.ranges[2].clone(),
    ];
    let short = [pre.ranges[0].clone(), pre.ranges[1].clone()];
    for ranges in [&gap[..], &swapped[..], &short[..]] {
        let e = intervals_from_ranges(&boot, estimate.clone(), ranges).unwrap_err();
        assert!(matches!(e, EvalError::InvalidParameter { .. }), "{e}");
    }
    let merged = evaluate_with_replicates(
        &table,
        config,
        Some(&PrecomputedReplicates {
            job: pre.job.clone(),
            ranges: gap.to_vec(),
        }),
    );
    let e = merged.unwrap_err();
    assert!(
        matches!(e, ReportError::Eval(EvalError::InvalidParameter { .. })),
        "{e}"
    );
    let e = e.to_string();
    assert!(e.contains("replicate range start"), "{e}");
}

#[test]
fn ranges_cover_every_replicate_once_in_order() {
    for (n, parts) in [(1000, 3), (1000, 8), (5, 8), (1, 1), (0, 4), (7, 7)] {
        let ranges = replicate_ranges(n, parts);
        assert!(ranges.len() <= parts.max(1));
        let flat: Vec<u32> = ranges.iter().flat_map(|r| r.clone()).collect();
        assert_eq!(flat, (0..n).collect::<Vec<_>>(), "{n} in {parts}");
        assert!(ranges.iter().all(|r| !r.is_empty()));
    }
    // A job's range past its replicates is clamped, not a panic.
    let table = table(100);
    let job = replicate_job(&table, &configs()[0]).unwrap().unwrap();
    let ReplicateRange { first, values } = job.run(90..500).unwrap();
    assert_eq!((first, values.len()), (90, 11));
}
