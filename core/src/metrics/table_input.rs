//! Evaluation inputs read from table columns.
//!
//! The evaluation suite works on slices; these functions turn [`Table`] columns
//! into them, with errors that name the column, the 1-based data row and the value.
//! Class labels are matched by their text (as [`ClassColumn`] reads them: `1.0`
//! and `1` are the same class).

use super::{ClassColumn, EvalError, MetricsError};
use crate::table::{ColumnData, Table};

/// Labels as class indices and one probability column per class.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassProbabilities {
    /// Class names; class `c` is `classes[c]`.
    pub classes: Vec<String>,
    pub labels: Vec<u32>,
    /// `columns[c][row]`: the probability of class `c`.
    pub columns: Vec<Vec<f64>>,
}

impl ClassProbabilities {
    /// The columns as slices, for [`super::ClassScores::PerClass`].
    pub fn column_slices(&self) -> Vec<&[f64]> {
        self.columns.iter().map(Vec::as_slice).collect()
    }
}

/// Reads `label` as classes and `classes` as `(class name, probability column)`
/// pairs. Every label must be one of the named classes.
pub fn class_probabilities(
    table: &Table,
    label: &str,
    classes: &[(&str, &str)],
) -> Result<ClassProbabilities, EvalError> {
    let labels = class_indices(
        table,
        label,
        &classes.iter().map(|c| c.0).collect::<Vec<_>>(),
    )?;
    let columns = classes
        .iter()
        .map(|&(_, column)| numeric_column(table, column))
        .collect::<Result<_, _>>()?;
    Ok(ClassProbabilities {
        classes: classes.iter().map(|c| c.0.to_owned()).collect(),
        labels,
        columns,
    })
}

/// Binary labels (1 where the label is `positive`, else 0) and a score column.
pub fn binary_scores(
    table: &Table,
    label: &str,
    positive: &str,
    score: &str,
) -> Result<(Vec<u32>, Vec<f64>), EvalError> {
    let column = ClassColumn::from_column(table.column(label).map_err(MetricsError::from)?)?;
    let is_positive: Vec<u32> = column
        .classes
        .iter()
        .map(|c| u32::from(c == positive))
        .collect();
    let labels = column
        .codes
        .iter()
        .map(|&code| is_positive.get(code as usize).copied().unwrap_or(0))
        .collect();
    Ok((labels, numeric_column(table, score)?))
}

/// A target and a prediction column, as numbers.
pub fn regression_columns(
    table: &Table,
    target: &str,
    prediction: &str,
) -> Result<(Vec<f64>, Vec<f64>), EvalError> {
    Ok((
        numeric_column(table, target)?,
        numeric_column(table, prediction)?,
    ))
}

/// Label indices into `classes` (matched by text).
pub fn class_indices(table: &Table, label: &str, classes: &[&str]) -> Result<Vec<u32>, EvalError> {
    let column = ClassColumn::from_column(table.column(label).map_err(MetricsError::from)?)?;
    let mut index = Vec::with_capacity(column.classes.len());
    for name in &column.classes {
        match classes.iter().position(|c| c == name) {
            Some(i) => index.push(i as u32),
            None => {
                let row = column
                    .codes
                    .iter()
                    .position(|&code| column.classes.get(code as usize) == Some(name))
                    .map_or(0, |r| r + 1);
                return Err(EvalError::UnknownLabel {
                    column: label.to_owned(),
                    row,
                    value: name.clone(),
                    classes: classes.iter().map(|c| (*c).to_owned()).collect(),
                });
            }
        }
    }
    Ok(column
        .codes
        .iter()
        .map(|&code| index.get(code as usize).copied().unwrap_or(0))
        .collect())
}

/// A numeric column as `f64`; nulls, non-numeric types and non-finite values are
/// errors naming the column and row.
pub fn numeric_column(table: &Table, name: &str) -> Result<Vec<f64>, EvalError> {
    let column = table.column(name).map_err(MetricsError::from)?;
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
        ColumnData::Str(strings) => {
            // A column read as text: name the first value that is not a number.
            let bad = strings.iter().enumerate().find_map(|(row, v)| {
                v.filter(|v| v.trim().parse::<f64>().is_err())
                    .map(|v| (row, v))
            });
            return Err(match bad {
                Some((row, value)) => MetricsError::NotANumber {
                    column: name.to_owned(),
                    row: row + 1,
                    value: crate::excerpt::excerpt(value),
                },
                None => MetricsError::NotNumeric {
                    column: name.to_owned(),
                    data_type: column.data_type(),
                },
            }
            .into());
        }
        ColumnData::Bool(_) => {
            return Err(MetricsError::NotNumeric {
                column: name.to_owned(),
                data_type: column.data_type(),
            }
            .into());
        }
    };
    if let Some((row, &value)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(MetricsError::NonFiniteScore {
            column: name.to_owned(),
            row: row + 1,
            value,
        }
        .into());
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{ClassScores, ClassificationInput, classification};
    use crate::table::CsvOptions;

    const CSV: &str = "\
species,p_setosa,p_versicolor,p_virginica
setosa,0.8,0.1,0.1
virginica,0.1,0.2,0.7
versicolor,0.2,0.5,0.3
virginica,0.3,0.4,0.3
";

    #[test]
    fn reads_classes_by_name_and_evaluates() {
        let table = Table::from_csv(CSV.as_bytes(), &CsvOptions::default()).unwrap();
        let input = class_probabilities(
            &table,
            "species",
            &[
                ("setosa", "p_setosa"),
                ("versicolor", "p_versicolor"),
                ("virginica", "p_virginica"),
            ],
        )
        .unwrap();
        assert_eq!(input.labels, vec![0, 2, 1, 2]);
        let columns = input.column_slices();
        let m = classification::evaluate(ClassificationInput {
            labels: &input.labels,
            scores: ClassScores::PerClass(&columns),
        })
        .unwrap();
        assert_eq!(m.accuracy.value(), Some(0.75));
    }

    #[test]
    fn an_unknown_label_names_row_and_value() {
        let table = Table::from_csv(CSV.as_bytes(), &CsvOptions::default()).unwrap();
        let err = class_probabilities(
            &table,
            "species",
            &[("setosa", "p_setosa"), ("virginica", "p_virginica")],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "column `species`, row 3: label `versicolor` is not one of the classes (setosa, virginica)"
        );
    }

    #[test]
    fn binary_scores_mark_the_positive_class() {
        let table = Table::from_csv(CSV.as_bytes(), &CsvOptions::default()).unwrap();
        let (labels, scores) =
            binary_scores(&table, "species", "virginica", "p_virginica").unwrap();
        assert_eq!(labels, vec![0, 1, 0, 1]);
        assert_eq!(scores, vec![0.1, 0.7, 0.3, 0.3]);
        assert!(numeric_column(&table, "species").is_err());
    }
}
