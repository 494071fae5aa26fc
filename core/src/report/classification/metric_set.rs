//! The report's classification metrics of one set of predictions, for any
//! [`Weights`]: what every bootstrap replicate of an evaluation computes, and what a
//! comparison ([`crate::compare`]) computes for each of its two models on the same
//! resample. One sort per score column, made once in [`MetricSet::new`].

use super::read::ClassData;
use super::{Diagrams, prepare, values};
use crate::metrics::calibration::{BinStrategy, reliability_diagram};
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
        let d = self.diagrams(weights).unwrap_or_default();
        values(
            &self.prepared.metrics(weights),
            self.binary,
            self.probabilistic,
            &d,
        )
    }
}
