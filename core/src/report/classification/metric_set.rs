//! The report's classification metrics of one set of predictions, for any
//! [`Weights`]: what every bootstrap replicate of an evaluation (the report's
//! headline and each slice's) computes, and what a comparison ([`crate::compare`])
//! computes for each of its two models on the same resample. One sort per score
//! column, made once in [`MetricSet::new`].
//!
//! A binary score column goes through one fused pass per replicate over its rows in
//! score order ([`ScoreOrdered`]); multiclass and hard predictions through
//! [`PreparedClassification::metrics`] and [`reliability_diagram`]. The report's own
//! bootstrap ([`MetricSet::intervals`]) numbers a binary score column's rows in score
//! order and draws each Poisson replicate inside the pass.

use super::read::ClassData;
use super::{Diagrams, prepare, values};
use crate::metrics::bootstrap::{
    BootstrapConfig, BootstrapMethod, Interval, ReplicateRange, bootstrap_replicates,
    replicate_counts, replicate_range,
};
use crate::metrics::calibration::{BinStrategy, reliability_diagram};
use crate::metrics::score_ordered::{Draw, PassMetrics, ScoreOrdered};
use crate::metrics::{EvalError, Metric, PreparedClassification, RankedScores, Weights};

/// One model's predictions, prepared for repeated evaluation.
pub(crate) struct MetricSet<'a> {
    prepared: PreparedClassification<'a>,
    binary: bool,
    probabilistic: bool,
    bins: usize,
    strategies: Vec<BinStrategy>,
    /// Multiclass: the top-label confidence of every row (what the reliability
    /// diagram bins) and its sort; empty for binary or hard predictions.
    confidence: Vec<f64>,
    confidence_ranked: Option<RankedScores>,
    /// Binary: the positive-class probability (or 0/1) column.
    positive: &'a [f64],
    /// A binary score column in descending score order, for the fused pass.
    ordered: Option<ScoreOrdered>,
}

impl<'a> MetricSet<'a> {
    /// `columns` are `data`'s score columns ([`ClassData::input`]); `threshold` is the
    /// binary decision threshold (0.5 for hard predictions).
    pub(crate) fn new(
        data: &'a ClassData,
        columns: &'a [&'a [f64]],
        threshold: f64,
        bins: usize,
        equal_mass_bins: bool,
    ) -> Result<Self, EvalError> {
        let binary = data.binary();
        let prepared = prepare(&data.labels, columns, threshold)?;
        let confidence: Vec<f64> = if binary || !data.probabilistic {
            Vec::new()
        } else {
            (0..prepared.rows())
                .map(|r| prepared.confidence(r))
                .collect()
        };
        let confidence_ranked = if binary || !data.probabilistic {
            None
        } else {
            Some(RankedScores::new("confidence", &confidence)?)
        };
        let mut strategies = vec![BinStrategy::EqualWidth];
        if equal_mass_bins {
            strategies.push(BinStrategy::EqualMass);
        }
        let ordered = if binary && data.probabilistic {
            ScoreOrdered::new(&prepared, bins, equal_mass_bins)
        } else {
            None
        };
        Ok(Self {
            prepared,
            binary,
            probabilistic: data.probabilistic,
            bins,
            strategies,
            confidence,
            confidence_ranked,
            positive: if binary {
                columns.first().copied().unwrap_or(&[])
            } else {
                &[]
            },
            ordered,
        })
    }

    pub(crate) fn prepared(&self) -> &PreparedClassification<'a> {
        &self.prepared
    }

    /// What the reliability diagram counts as a hit: a positive label (binary) or a
    /// correct prediction (multiclass).
    pub(crate) fn outcome(&self, row: usize) -> bool {
        let labels = self.prepared.labels();
        if self.binary {
            labels[row] == 1
        } else {
            self.prepared.predicted()[row] == labels[row]
        }
    }

    /// The binned probability (positive class, or top-label confidence) and its
    /// sort; `None` for hard predictions.
    pub(crate) fn probabilities(&self) -> Option<(&[f64], &RankedScores)> {
        if !self.probabilistic {
            None
        } else if self.binary {
            Some((self.positive, self.prepared.ranked(1)?))
        } else {
            Some((&self.confidence, self.confidence_ranked.as_ref()?))
        }
    }

    /// The reliability diagrams of one replicate (or of all rows, with unit weights).
    pub(super) fn diagrams(&self, weights: Weights<'_>) -> Result<Diagrams, EvalError> {
        let mut out = Diagrams::default();
        let Some((probabilities, ranked)) = self.probabilities() else {
            return Ok(out);
        };
        for &strategy in &self.strategies {
            let d = reliability_diagram(
                probabilities,
                ranked,
                |row| self.outcome(row),
                self.bins,
                strategy,
                weights,
            )?;
            match strategy {
                BinStrategy::EqualWidth => out.equal_width = Some(d),
                BinStrategy::EqualMass => out.equal_mass = Some(d),
            }
        }
        Ok(out)
    }

    /// The report's metrics by name (see [`crate::report::metric_names`]), each row
    /// counted `weights.get(row)` times. A replicate whose diagram fails lacks its
    /// calibration metrics.
    pub(crate) fn values(&self, weights: Weights<'_>) -> Vec<(String, Metric)> {
        if let Some(ordered) = &self.ordered {
            return self.pass_values(ordered.pass(Draw::of_weights(weights)));
        }
        let d = self.diagrams(weights).unwrap_or_default();
        values(
            &self.prepared.metrics(weights),
            self.binary,
            self.probabilistic,
            &d,
        )
    }

    fn pass_values(&self, pass: PassMetrics) -> Vec<(String, Metric)> {
        let d = Diagrams {
            equal_width: pass.equal_width,
            equal_mass: pass.equal_mass,
        };
        values(&pass.metrics, self.binary, self.probabilistic, &d)
    }

    /// Replicate `replicate` of the report's own bootstrap: the rows numbered in
    /// score order for a binary score column (so a Poisson replicate is drawn inside
    /// the fused pass), in row order otherwise. `scratch` holds the counts.
    pub(crate) fn replicate(
        &self,
        method: BootstrapMethod,
        seed: u64,
        replicate: u32,
        scratch: &mut Vec<u32>,
    ) -> Vec<(String, Metric)> {
        match (&self.ordered, method) {
            (Some(ordered), BootstrapMethod::Poisson) => {
                self.pass_values(ordered.pass(Draw::Poisson { seed, replicate }))
            }
            (Some(ordered), BootstrapMethod::Multinomial) => {
                scratch.resize(ordered.rows(), 0);
                replicate_counts(method, seed, replicate, scratch);
                self.pass_values(ordered.pass(Draw::InOrder(scratch)))
            }
            (None, _) => {
                scratch.resize(self.prepared.rows(), 0);
                replicate_counts(method, seed, replicate, scratch);
                self.values(Weights::Counts(scratch))
            }
        }
    }

    /// Every metric's estimate and bootstrap interval (replicates on up to `threads`
    /// threads natively; identical for any thread count).
    pub(crate) fn intervals(
        &self,
        config: &BootstrapConfig,
        method: BootstrapMethod,
        threads: usize,
    ) -> Result<Vec<Interval>, EvalError> {
        bootstrap_replicates(
            config,
            threads,
            self.values(Weights::Unit),
            |replicate, scratch| self.replicate(method, config.seed, replicate, scratch),
        )
    }
}

/// The report's headline bootstrap as a job that other threads or Web Workers can run
/// in parts: the labels and score columns the report read, the settings its metric pass
/// takes, and the bootstrap's. [`ReplicateJob::run`] computes a contiguous range of
/// replicates ([`crate::metrics::bootstrap::replicate_range`]) exactly as
/// [`MetricSet::intervals`] computes them (each replicate from its own seeded stream),
/// so the ranges merged in order ([`super::super::evaluate_with_replicates`]) give the
/// report's intervals bit for bit. Made by [`super::super::replicate_job`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReplicateJob {
    /// The number of classes (2: binary).
    pub classes: usize,
    /// Each row's class index.
    pub labels: Vec<u32>,
    /// Binary: the positive-class probability (or 0/1); multiclass: one column per class.
    pub columns: Vec<Vec<f64>>,
    /// False for hard predictions.
    pub probabilistic: bool,
    pub threshold: f64,
    pub bins: usize,
    pub equal_mass_bins: bool,
    pub replicates: u32,
    pub seed: u64,
    pub confidence: f64,
    pub method: BootstrapMethod,
}

impl ReplicateJob {
    pub(crate) fn of(
        data: &ClassData,
        threshold: f64,
        bins: usize,
        equal_mass_bins: bool,
        boot: &BootstrapConfig,
        method: BootstrapMethod,
    ) -> Self {
        Self {
            classes: data.classes.len(),
            labels: data.labels.clone(),
            columns: data.columns.clone(),
            probabilistic: data.probabilistic,
            threshold,
            bins,
            equal_mass_bins,
            replicates: boot.replicates,
            seed: boot.seed,
            confidence: boot.confidence,
            method,
        }
    }

    /// The bootstrap settings of the job.
    pub fn config(&self) -> BootstrapConfig {
        BootstrapConfig {
            replicates: self.replicates,
            seed: self.seed,
            confidence: self.confidence,
        }
    }

    /// The rows the job resamples.
    pub fn rows(&self) -> usize {
        self.labels.len()
    }

    /// Replicates `range` (clamped to the job's replicates) of the report's headline
    /// bootstrap. Columns that do not match the labels, labels past the classes or
    /// scores outside [0, 1] are the same [`EvalError`]s the report gives.
    pub fn run(&self, range: std::ops::Range<u32>) -> Result<ReplicateRange, EvalError> {
        let range = range.start.min(self.replicates)..range.end.min(self.replicates);
        let data = ClassData {
            classes: (0..self.classes).map(|c| c.to_string()).collect(),
            labels: self.labels.clone(),
            columns: self.columns.clone(),
            probabilistic: self.probabilistic,
            kind: crate::report::types::PredictionKind::Score,
            prediction_columns: Vec::new(),
            positive: None,
        };
        let columns: Vec<&[f64]> = data.columns.iter().map(Vec::as_slice).collect();
        let set = MetricSet::new(
            &data,
            &columns,
            self.threshold,
            self.bins,
            self.equal_mass_bins,
        )?;
        let width = set.values(Weights::Unit).len();
        Ok(replicate_range(range, width, |r, scratch| {
            set.replicate(self.method, self.seed, r, scratch)
        }))
    }
}
