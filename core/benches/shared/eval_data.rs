//! The evaluation benchmark's data and work, shared by the native bench
//! (`benches/eval_metrics.rs`) and the wasm32 one (`tests/eval_metrics_wasm.rs`), and
//! mirrored by `scripts/bench/eval_metrics_sklearn.py`, which makes the same rows with
//! the same generator and times scikit-learn on them.
//!
//! Rows: SplitMix64 seeded with [`SEED`] (`lockstep_core`'s own, the Python script
//! re-implements it in numpy); row `i` takes draws `2i` and `2i + 1` as `u` and `v`:
//! score `s = u` (53 random bits, so nearly every score is distinct: the sort's worst
//! case) and label `v < s²` (an over-confident model: about a third positive).
//! Only `*` and `<` on doubles, so the rows are bit-identical in numpy.

use lockstep_core::metrics::bootstrap::SplitMix64;
use lockstep_core::metrics::calibration::{BinStrategy, reliability_diagram};
use lockstep_core::metrics::threshold::{SweepKind, ThresholdSweep};
use lockstep_core::metrics::{ClassScores, ClassificationInput, PreparedClassification, Weights};

pub const ROWS: usize = 10_000_000;
pub const SEED: u64 = 20_261_123;
pub const THRESHOLD: f64 = 0.5;
pub const BINS: usize = 10;

/// Labels (0/1) and positive-class scores.
pub fn data(rows: usize) -> (Vec<u32>, Vec<f64>) {
    let mut rng = SplitMix64::new(SEED);
    let mut labels = Vec::with_capacity(rows);
    let mut scores = Vec::with_capacity(rows);
    for _ in 0..rows {
        let s = rng.next_f64();
        let v = rng.next_f64();
        labels.push(u32::from(v < s * s));
        scores.push(s);
    }
    (labels, scores)
}

/// What one evaluation found, printed so the driver can check that both sides agree.
#[derive(Debug, Clone, Copy, Default)]
pub struct Outcome {
    pub roc_auc: f64,
    pub average_precision: f64,
    pub log_loss: f64,
    pub brier: f64,
    pub accuracy: f64,
    pub balanced_accuracy: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub ece: f64,
    /// `[tn, fp, fn, tp]`, scikit-learn's `confusion_matrix(...).ravel()`.
    pub confusion: [u64; 4],
    /// Points of the full ROC and PR curves (one per distinct score).
    pub roc_points: usize,
    pub pr_points: usize,
    /// Points kept in the thinned sweep.
    pub sweep_points: usize,
}

impl Outcome {
    /// What was built besides the metrics, in words.
    pub fn sizes(&self) -> String {
        format!(
            "ROC {} points, PR {} points, sweep thinned to {} points",
            self.roc_points, self.pr_points, self.sweep_points
        )
    }

    /// One JSON object (no serde_json needed in the bench binary).
    pub fn json(&self) -> String {
        format!(
            "{{\"roc_auc\": {:?}, \"average_precision\": {:?}, \"log_loss\": {:?}, \"brier\": {:?}, \
             \"accuracy\": {:?}, \"balanced_accuracy\": {:?}, \"precision\": {:?}, \"recall\": {:?}, \
             \"f1\": {:?}, \"ece\": {:?}, \"confusion\": [{}, {}, {}, {}]}}",
            self.roc_auc,
            self.average_precision,
            self.log_loss,
            self.brier,
            self.accuracy,
            self.balanced_accuracy,
            self.precision,
            self.recall,
            self.f1,
            self.ece,
            self.confusion[0],
            self.confusion[1],
            self.confusion[2],
            self.confusion[3],
        )
    }
}

fn value(m: lockstep_core::metrics::Metric) -> f64 {
    m.value().unwrap_or(f64::NAN)
}

/// Every classification metric and the calibration of `scores`, as the report
/// computes them: validate, predict and sort once; confusion-based metrics, ROC-AUC,
/// AP, log loss and Brier; the full ROC and PR curves and the threshold sweep from one
/// walk of the same sort; the equal-width reliability diagram with ECE. `lap(phase)` is
/// called at the end of each phase, for the per-phase timings.
pub fn evaluate(labels: &[u32], scores: &[f64], lap: &mut dyn FnMut(&'static str)) -> Outcome {
    let Ok(prepared) = PreparedClassification::new(ClassificationInput {
        labels,
        scores: ClassScores::Binary {
            positive: scores,
            threshold: THRESHOLD,
        },
    }) else {
        return Outcome::default();
    };
    lap("prepare (validate, predict, sort)");
    let m = prepared.metrics(Weights::Unit);
    lap("metrics");
    let Some(ranked) = prepared.ranked(1) else {
        return Outcome::default();
    };
    let is_positive = |row: usize| labels[row] == 1;
    // One walk for the curves and the sweep. The curves are built in full, as
    // scikit-learn's roc_curve and precision_recall_curve return them; the sweep (which
    // scikit-learn does not have) is thinned to the report's 101 points.
    let counts = ranked.counts(is_positive, Weights::Unit);
    let roc = counts.roc_curve(1);
    let pr = counts.pr_curve(1);
    let sweep = ThresholdSweep::from_counts(SweepKind::PositiveClass, &counts, 101);
    lap("ROC + PR curves, threshold sweep");
    let ece = reliability_diagram(
        scores,
        ranked,
        is_positive,
        BINS,
        BinStrategy::EqualWidth,
        Weights::Unit,
    )
    .map_or(f64::NAN, |d| value(d.expected_calibration_error));
    lap("reliability + ECE");
    let positive = &m.per_class[1];
    Outcome {
        roc_auc: value(m.roc_auc),
        average_precision: value(m.average_precision),
        log_loss: value(m.log_loss),
        brier: value(m.brier_score),
        accuracy: value(m.accuracy),
        balanced_accuracy: value(m.balanced_accuracy),
        precision: value(positive.precision),
        recall: value(positive.recall),
        f1: value(positive.f1),
        ece,
        confusion: [
            m.confusion.get(0, 0),
            m.confusion.get(0, 1),
            m.confusion.get(1, 0),
            m.confusion.get(1, 1),
        ],
        roc_points: roc.thresholds.len(),
        pr_points: pr.thresholds.len(),
        sweep_points: sweep.points.len(),
    }
}
