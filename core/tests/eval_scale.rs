//! Ten million rows: the evaluation suite at the size it is designed for.
//!
//! Ignored by default (it allocates about 1 GiB and wants a release build):
//!
//!     cargo test -p lockstep-core --release --test eval_scale -- --ignored --nocapture
//!
//! Scores take 1000 distinct values, so ties are everywhere and ROC-AUC can be
//! checked against an independent histogram computation (per score level:
//! negatives × (positives above + half the positives tied)).

#![allow(clippy::unwrap_used)]

use std::time::Instant;

use lockstep_core::metrics::bootstrap::{self, BootstrapConfig, SplitMix64};
use lockstep_core::metrics::calibration::{self, BinStrategy};
use lockstep_core::metrics::threshold::{ThresholdSweep, ThresholdTarget};
use lockstep_core::metrics::{ClassScores, ClassificationInput, PreparedClassification, Weights};

const ROWS: usize = 10_000_000;
const LEVELS: u32 = 1000;

#[test]
#[ignore = "10M rows: run in release with --ignored"]
fn ten_million_rows_one_sort_per_column() {
    let mut rng = SplitMix64::new(99);
    let mut labels = Vec::with_capacity(ROWS);
    let mut scores = Vec::with_capacity(ROWS);
    for _ in 0..ROWS {
        let positive = rng.next_f64() < 0.05;
        let shift = if positive { 250 } else { 0 };
        let level = (rng.below(u64::from(LEVELS - 250)) as u32 + shift).min(LEVELS - 1);
        labels.push(u32::from(positive));
        scores.push(f64::from(level) / f64::from(LEVELS - 1));
    }

    let start = Instant::now();
    let prepared = PreparedClassification::new(ClassificationInput {
        labels: &labels,
        scores: ClassScores::Binary {
            positive: &scores,
            threshold: 0.5,
        },
    })
    .unwrap();
    let prepared_at = start.elapsed();
    let metrics = prepared.metrics(Weights::Unit);
    let metrics_at = start.elapsed();
    let ranked = prepared.ranked(1).unwrap();
    let sweep = ThresholdSweep::positive_class(ranked, |r| labels[r] == 1, Weights::Unit);
    let diagram = calibration::reliability_diagram(
        &scores,
        ranked,
        |r| labels[r] == 1,
        10,
        BinStrategy::EqualMass,
        Weights::Unit,
    )
    .unwrap();
    let derived_at = start.elapsed();
    let intervals = bootstrap::bootstrap_classification(
        &prepared,
        &BootstrapConfig {
            replicates: 5,
            seed: 1,
            confidence: 0.95,
        },
    )
    .unwrap();
    let bootstrap_at = start.elapsed();
    println!(
        "prepare (validate + sort) {prepared_at:?}, metrics {:?}, sweep + reliability {:?}, 5 bootstrap replicates {:?}",
        metrics_at - prepared_at,
        derived_at - metrics_at,
        bootstrap_at - derived_at
    );

    // Independent ROC-AUC from a histogram of score levels.
    let mut pos = vec![0u64; LEVELS as usize];
    let mut neg = vec![0u64; LEVELS as usize];
    for (&l, &s) in labels.iter().zip(&scores) {
        let level = (s * f64::from(LEVELS - 1)).round() as usize;
        if l == 1 {
            pos[level] += 1
        } else {
            neg[level] += 1
        }
    }
    let (p, n): (u64, u64) = (pos.iter().sum(), neg.iter().sum());
    let mut above = 0u64;
    let mut twice = 0u128;
    for level in (0..LEVELS as usize).rev() {
        twice += u128::from(neg[level]) * u128::from(2 * above + pos[level]);
        above += pos[level];
    }
    let expected_auc = twice as f64 / (2.0 * p as f64 * n as f64);
    let auc = metrics.roc_auc.value().unwrap();
    assert!(
        (auc - expected_auc).abs() < 1e-12,
        "{auc} vs {expected_auc}"
    );

    assert_eq!(sweep.points.len(), LEVELS as usize);
    assert_eq!(sweep.points.last().unwrap().covered, ROWS as u64);
    assert!(sweep.find(ThresholdTarget::Precision(0.2)).is_some());
    assert_eq!(
        diagram.bins.iter().map(|b| b.count).sum::<u64>(),
        ROWS as u64
    );
    let auc_interval = intervals.iter().find(|i| i.metric == "roc_auc").unwrap();
    let (lo, hi) = (
        auc_interval.lower.value().unwrap(),
        auc_interval.upper.value().unwrap(),
    );
    assert!(lo <= hi && (lo - auc).abs() < 0.01 && (hi - auc).abs() < 0.01);
}
