//! Row by row what an evaluation saw: each row's true class, predicted class and
//! the model's confidence in its prediction, read by the same code as
//! [`super::evaluate`] (the label and prediction columns of an [`EvalConfig`]), and
//! the eyeball / blackbox split the report uses. The diagnosis
//! ([`crate::diagnose`]) and error analysis read these instead of re-reading the
//! columns their own way.

use super::ReportError;
use super::classification::read;
use super::config::{EvalConfig, SplitSettings, TaskKind};
use crate::metrics::split::Split;
use crate::metrics::{ClassScores, ClassificationInput, PreparedClassification};
use crate::table::Table;

/// Each row's outcome in a classification evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct RowOutcomes {
    /// Class names; class `c` is `classes[c]` (binary: the positive class last).
    pub classes: Vec<String>,
    /// The true class of every row.
    pub labels: Vec<u32>,
    /// The predicted class of every row (binary scores: at the config's threshold).
    pub predicted: Vec<u32>,
    /// The probability the model gives its own prediction; 1 for hard predictions.
    pub confidence: Vec<f64>,
    /// False when the predictions were hard classes (no probabilities).
    pub probabilistic: bool,
}

impl RowOutcomes {
    /// Whether row `row` is misclassified.
    pub fn is_error(&self, row: usize) -> bool {
        self.labels.get(row) != self.predicted.get(row)
    }

    /// 1 for a misclassified row, 0 otherwise: the per-row loss whose mean is the
    /// error rate (1 − accuracy).
    pub fn errors(&self) -> Vec<f64> {
        (0..self.labels.len())
            .map(|r| f64::from(u8::from(self.is_error(r))))
            .collect()
    }
}

/// The outcome of every row of `table` under `config` (a classification task).
pub fn row_outcomes(table: &Table, config: &EvalConfig) -> Result<RowOutcomes, ReportError> {
    if super::infer_task(table, config)? == TaskKind::Regression {
        return Err(ReportError::NotClassification);
    }
    if table.num_rows() == 0 {
        return Err(ReportError::NoRows);
    }
    let data = read::read(table, config)?;
    let threshold = if data.probabilistic {
        config.threshold
    } else {
        0.5
    };
    let scores = match data.columns.as_slice() {
        [positive] => ClassScores::Binary {
            positive: positive.as_slice(),
            threshold,
        },
        columns => {
            let slices: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
            return outcomes(&data, ClassScores::PerClass(&slices));
        }
    };
    outcomes(&data, scores)
}

fn outcomes(data: &read::ClassData, scores: ClassScores<'_>) -> Result<RowOutcomes, ReportError> {
    let prepared = PreparedClassification::new(ClassificationInput {
        labels: &data.labels,
        scores,
    })?;
    let confidence = (0..prepared.rows())
        .map(|r| {
            if data.probabilistic {
                prepared.confidence(r)
            } else {
                1.0
            }
        })
        .collect();
    Ok(RowOutcomes {
        classes: data.classes.clone(),
        labels: data.labels.clone(),
        predicted: prepared.predicted().to_vec(),
        confidence,
        probabilistic: data.probabilistic,
    })
}

/// The eyeball / blackbox split of `table`'s rows, as [`super::evaluate`] makes it.
pub fn split_rows(table: &Table, settings: &SplitSettings) -> Result<Split, ReportError> {
    super::compute_split(table, settings)
}
