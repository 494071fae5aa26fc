//! Reading a classification task from the table: labels as class indices and the
//! predictions as probability columns (hard predictions become 0/1 or one-hot).

use crate::metrics::binary::positive_label;
use crate::metrics::table_input::{binary_scores, class_indices, class_probabilities};
use crate::metrics::{ClassColumn, MetricsError};
use crate::report::ReportError;
use crate::report::config::{EvalConfig, Predictions};
use crate::report::types::PredictionKind;
use crate::table::Table;

/// Labels and scores read from the table.
pub(crate) struct ClassData {
    pub classes: Vec<String>,
    pub labels: Vec<u32>,
    /// Binary: one column, the positive class's probability (or 0/1 for hard
    /// predictions). Multiclass: one column per class.
    pub columns: Vec<Vec<f64>>,
    /// False for hard predictions (0/1 or one-hot), whose probability metrics mean
    /// nothing.
    pub probabilistic: bool,
    pub kind: PredictionKind,
    pub prediction_columns: Vec<String>,
    pub positive: Option<String>,
}

impl ClassData {
    pub fn binary(&self) -> bool {
        self.classes.len() == 2
    }

    pub(crate) fn input(&self, threshold: f64) -> (Vec<&[f64]>, f64) {
        let slices = self.columns.iter().map(Vec::as_slice).collect();
        (slices, threshold)
    }
}

/// `[negative, positive]`: the other class, or `not <positive>` when there is none.
fn binary_classes(classes: &[String], positive: &str) -> Vec<String> {
    let negative = classes
        .iter()
        .find(|c| *c != positive)
        .cloned()
        .unwrap_or_else(|| format!("not {positive}"));
    vec![negative, positive.to_owned()]
}

fn class_column(table: &Table, name: &str) -> Result<ClassColumn, ReportError> {
    Ok(ClassColumn::from_column(
        table.column(name).map_err(MetricsError::from)?,
    )?)
}

/// Indices of `column`'s classes in `classes`; an unknown class names its row.
pub(super) fn predicted_indices(
    table: &Table,
    column: &str,
    classes: &[String],
) -> Result<Vec<u32>, ReportError> {
    let names: Vec<&str> = classes.iter().map(String::as_str).collect();
    class_indices(table, column, &names).map_err(ReportError::from)
}

/// Hard predictions as score columns: 0/1 for binary, one-hot otherwise.
pub(super) fn hard_columns(predicted: &[u32], classes: usize) -> Vec<Vec<f64>> {
    if classes == 2 {
        vec![predicted.iter().map(|&p| f64::from(p)).collect()]
    } else {
        (0..classes as u32)
            .map(|c| {
                predicted
                    .iter()
                    .map(|&p| f64::from(u8::from(p == c)))
                    .collect()
            })
            .collect()
    }
}

/// Scores must be probabilities: the report's log loss, Brier score and
/// reliability need them (ranking metrics alone would not).
fn check_probabilities(column: &str, values: &[f64]) -> Result<(), ReportError> {
    match values
        .iter()
        .enumerate()
        .find(|(_, v)| !(0.0..=1.0).contains(*v))
    {
        Some((row, &value)) => Err(ReportError::NotProbabilities {
            column: column.to_owned(),
            row: row + 1,
            value,
        }),
        None => Ok(()),
    }
}

pub(crate) fn read(table: &Table, config: &EvalConfig) -> Result<ClassData, ReportError> {
    let given = config.positive_label.as_deref();
    match &config.predictions {
        Predictions::Column(column) => {
            let labels = class_column(table, &config.label)?;
            let predictions = class_column(table, column)?;
            let mut classes = labels.classes.clone();
            for class in &predictions.classes {
                if !classes.contains(class) {
                    classes.push(class.clone());
                }
            }
            let (classes, positive) = if classes.len() <= 2 {
                let positive = positive_label(&classes, given)?;
                (binary_classes(&classes, &positive), Some(positive))
            } else {
                classes.sort();
                (classes, None)
            };
            let label_index = predicted_indices(table, &config.label, &classes)?;
            let predicted = predicted_indices(table, column, &classes)?;
            Ok(ClassData {
                columns: hard_columns(&predicted, classes.len()),
                classes,
                labels: label_index,
                probabilistic: false,
                kind: PredictionKind::Labels,
                prediction_columns: vec![column.clone()],
                positive,
            })
        }
        Predictions::Score(column) => {
            let labels = class_column(table, &config.label)?;
            if labels.classes.len() > 2 {
                let mut classes = labels.classes.clone();
                classes.sort();
                return Err(MetricsError::ScoreNeedsTwoClasses {
                    label: config.label.clone(),
                    score: column.clone(),
                    classes,
                }
                .into());
            }
            let positive = positive_label(&labels.classes, given)?;
            let (label_index, scores) = binary_scores(table, &config.label, &positive, column)?;
            check_probabilities(column, &scores)?;
            Ok(ClassData {
                classes: binary_classes(&labels.classes, &positive),
                labels: label_index,
                columns: vec![scores],
                probabilistic: true,
                kind: PredictionKind::Score,
                prediction_columns: vec![column.clone()],
                positive: Some(positive),
            })
        }
        Predictions::Probabilities(pairs) => {
            let names: Vec<String> = pairs.iter().map(|p| p.class.clone()).collect();
            let prediction_columns = pairs.iter().map(|p| p.column.clone()).collect();
            if pairs.len() == 2 {
                let positive = positive_label(&names, given)?;
                let classes = binary_classes(&names, &positive);
                let column = pairs
                    .iter()
                    .find(|p| p.class == positive)
                    .map(|p| p.column.clone())
                    .unwrap_or_default();
                let probabilities = class_probabilities(
                    table,
                    &config.label,
                    &[
                        (classes[0].as_str(), column.as_str()),
                        (classes[1].as_str(), column.as_str()),
                    ],
                )?;
                let scores = probabilities.columns.into_iter().nth(1).unwrap_or_default();
                check_probabilities(&column, &scores)?;
                return Ok(ClassData {
                    classes,
                    labels: probabilities.labels,
                    columns: vec![scores],
                    probabilistic: true,
                    kind: PredictionKind::Probabilities,
                    prediction_columns,
                    positive: Some(positive),
                });
            }
            let refs: Vec<(&str, &str)> = pairs
                .iter()
                .map(|p| (p.class.as_str(), p.column.as_str()))
                .collect();
            let probabilities = class_probabilities(table, &config.label, &refs)?;
            for (pair, values) in pairs.iter().zip(&probabilities.columns) {
                check_probabilities(&pair.column, values)?;
            }
            Ok(ClassData {
                classes: probabilities.classes,
                labels: probabilities.labels,
                columns: probabilities.columns,
                probabilistic: true,
                kind: PredictionKind::Probabilities,
                prediction_columns,
                positive: None,
            })
        }
    }
}
