//! Binary classification: confusion matrix, accuracy, precision, recall and F1.
//!
//! Definitions follow scikit-learn (`accuracy_score`, `precision_score`,
//! `recall_score`, `f1_score` with `pos_label`). Where scikit-learn would divide by
//! zero (no predicted positives, no actual positives) the metric is `None` and a note
//! says why, instead of a silent 0 or NaN.

use serde::Serialize;

use super::{ClassColumn, MetricsError};
use crate::table::{ColumnData, Table};

/// Where the predicted class comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum PredictionSource<'a> {
    /// A column holding predicted classes, in the same vocabulary as the labels.
    Labels { column: &'a str },
    /// A column of scores: a row is predicted positive when `score >= threshold`.
    Scores { column: &'a str, threshold: f64 },
}

impl PredictionSource<'_> {
    fn column(&self) -> &str {
        match self {
            Self::Labels { column } | Self::Scores { column, .. } => column,
        }
    }
}

/// What to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct BinaryOptions<'a> {
    /// The column holding the true class.
    pub label: &'a str,
    pub prediction: PredictionSource<'a>,
    /// The class counted as positive. When `None` it is inferred: `1` for 0/1 labels,
    /// `true` for booleans; otherwise it must be given.
    pub positive_label: Option<&'a str>,
}

/// Counts of the four outcomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ConfusionMatrix {
    pub true_positives: u64,
    pub false_positives: u64,
    pub true_negatives: u64,
    pub false_negatives: u64,
}

impl ConfusionMatrix {
    pub fn total(&self) -> u64 {
        self.true_positives + self.false_positives + self.true_negatives + self.false_negatives
    }

    pub fn accuracy(&self) -> Option<f64> {
        ratio(self.true_positives + self.true_negatives, self.total())
    }

    pub fn precision(&self) -> Option<f64> {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    pub fn recall(&self) -> Option<f64> {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    /// F1 = 2·TP / (2·TP + FP + FN), the harmonic mean of precision and recall.
    pub fn f1(&self) -> Option<f64> {
        ratio(
            2 * self.true_positives,
            2 * self.true_positives + self.false_positives + self.false_negatives,
        )
    }
}

fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// The metrics of one binary evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BinaryMetrics {
    pub rows: u64,
    pub positive_label: String,
    pub confusion: ConfusionMatrix,
    pub accuracy: Option<f64>,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
    /// Why a metric is `None`, or anything else a reader must know.
    pub notes: Vec<String>,
}

impl BinaryMetrics {
    /// Metrics from a confusion matrix.
    pub fn from_confusion(confusion: ConfusionMatrix, positive_label: String) -> Self {
        let mut notes = Vec::new();
        let predicted_positive = confusion.true_positives + confusion.false_positives;
        let actual_positive = confusion.true_positives + confusion.false_negatives;
        if predicted_positive == 0 {
            notes.push(format!(
                "precision is undefined: no row is predicted `{positive_label}`"
            ));
        }
        if actual_positive == 0 {
            notes.push(format!(
                "recall is undefined: no row is labelled `{positive_label}`"
            ));
        }
        if predicted_positive == 0 && actual_positive == 0 {
            notes.push(format!(
                "F1 is undefined: `{positive_label}` is neither predicted nor labelled"
            ));
        }
        Self {
            rows: confusion.total(),
            accuracy: confusion.accuracy(),
            precision: confusion.precision(),
            recall: confusion.recall(),
            f1: confusion.f1(),
            positive_label,
            confusion,
            notes,
        }
    }
}

/// Computes binary-classification metrics for two columns of `table`.
pub fn evaluate(table: &Table, options: &BinaryOptions<'_>) -> Result<BinaryMetrics, MetricsError> {
    if table.num_rows() == 0 {
        return Err(MetricsError::NoRows);
    }
    let labels = ClassColumn::from_column(table.column(options.label)?)?;
    let prediction_column = table.column(options.prediction.column())?;

    let (classes, predicted_positive): (Vec<String>, Vec<bool>) = match &options.prediction {
        PredictionSource::Labels { .. } => {
            let predictions = ClassColumn::from_column(prediction_column)?;
            let mut classes = labels.classes.clone();
            for class in &predictions.classes {
                if !classes.contains(class) {
                    classes.push(class.clone());
                }
            }
            check_class_count(&classes, options)?;
            let positive = positive_label(&classes, options.positive_label)?;
            let is_positive: Vec<bool> =
                predictions.classes.iter().map(|c| *c == positive).collect();
            let predicted = predictions
                .codes
                .iter()
                .map(|&code| is_positive[code as usize])
                .collect();
            (classes, predicted)
        }
        PredictionSource::Scores { column, threshold } => {
            if !threshold.is_finite() {
                return Err(MetricsError::InvalidThreshold { value: *threshold });
            }
            let scores = numeric_values(table, column)?;
            check_class_count(&labels.classes, options)?;
            let predicted = scores.iter().map(|s| *s >= *threshold).collect();
            (labels.classes.clone(), predicted)
        }
    };

    let positive = positive_label(&classes, options.positive_label)?;
    let label_is_positive: Vec<bool> = labels.classes.iter().map(|c| *c == positive).collect();
    let mut confusion = ConfusionMatrix::default();
    for (&code, &predicted) in labels.codes.iter().zip(&predicted_positive) {
        let actual = label_is_positive[code as usize];
        match (actual, predicted) {
            (true, true) => confusion.true_positives += 1,
            (false, true) => confusion.false_positives += 1,
            (false, false) => confusion.true_negatives += 1,
            (true, false) => confusion.false_negatives += 1,
        }
    }
    Ok(BinaryMetrics::from_confusion(confusion, positive))
}

fn check_class_count(classes: &[String], options: &BinaryOptions<'_>) -> Result<(), MetricsError> {
    if classes.len() > 2 {
        let mut classes = classes.to_vec();
        classes.sort();
        return Err(MetricsError::TooManyClasses {
            label: options.label.to_owned(),
            prediction: options.prediction.column().to_owned(),
            classes,
        });
    }
    Ok(())
}

/// The positive class: the one given, or `1` / `true` when the classes allow no doubt.
pub(crate) fn positive_label(
    classes: &[String],
    given: Option<&str>,
) -> Result<String, MetricsError> {
    let mut sorted = classes.to_vec();
    sorted.sort();
    if let Some(given) = given {
        // A positive class absent from a single-class input is still meaningful.
        if classes.iter().any(|c| c == given) || classes.len() < 2 {
            return Ok(given.to_owned());
        }
        return Err(MetricsError::UnknownPositive {
            positive: given.to_owned(),
            classes: sorted,
        });
    }
    for (negative, positive) in [("0", "1"), ("false", "true"), ("-1", "1")] {
        if classes.iter().all(|c| c == negative || c == positive) {
            return Ok(positive.to_owned());
        }
    }
    Err(MetricsError::AmbiguousPositive { classes: sorted })
}

fn numeric_values(table: &Table, name: &str) -> Result<Vec<f64>, MetricsError> {
    let column = table.column(name)?;
    let null = |row: usize| MetricsError::NullValue {
        column: name.to_owned(),
        row: row + 1,
    };
    let values: Vec<f64> = match column.data() {
        ColumnData::Float64(v) => v
            .iter()
            .enumerate()
            .map(|(row, x)| x.ok_or_else(|| null(row)))
            .collect::<Result<_, _>>()?,
        ColumnData::Int64(v) => v
            .iter()
            .enumerate()
            .map(|(row, x)| x.map(|i| i as f64).ok_or_else(|| null(row)))
            .collect::<Result<_, _>>()?,
        ColumnData::Bool(_) | ColumnData::Str(_) => {
            return Err(MetricsError::NotNumeric {
                column: name.to_owned(),
                data_type: column.data_type(),
            });
        }
    };
    if let Some((row, &value)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(MetricsError::NonFiniteScore {
            column: name.to_owned(),
            row: row + 1,
            value,
        });
    }
    Ok(values)
}
