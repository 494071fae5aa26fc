//! Running the model on (perturbed) rows through `report::run_model` — the one
//! output → column layout — and reading back, per row, the scores and the
//! predicted class that the tests compare.

use super::BehaviourError;
use crate::engine::Engine;
use crate::report::config::Predictions;
use crate::report::model_run::{run_model, sorted_classes};
use crate::table::{Column, ColumnData, Table, ValueAt};
use crate::transform::FittedPipeline;

/// What the model is and how to run it.
pub(super) struct Scorer<'a> {
    pub engine: &'a dyn Engine,
    pub class_labels: Option<&'a [String]>,
    pub pipeline: Option<&'a FittedPipeline>,
    pub label: &'a str,
    pub threshold: f64,
    /// A binary score's two classes (negative, positive), from the model's labels or
    /// the whole data's label column (as `run_model` names them).
    pub binary_classes: [String; 2],
}

/// How the model's output reads.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum OutputKind {
    /// One positive-class probability: class 1 when ≥ the threshold.
    Binary,
    /// One probability per class (`classes`): the largest wins.
    Probabilities(Vec<String>),
    /// A predicted class (a number).
    Labels,
    /// A predicted value.
    Regression,
}

/// One run's outputs, per row.
#[derive(Debug, Clone)]
pub(super) struct Outputs {
    pub kind: OutputKind,
    /// Scores, `width` a row (binary: the positive-class probability).
    pub scores: Vec<f64>,
    pub width: usize,
    /// The predicted class index (or the predicted value).
    pub predicted: Vec<f64>,
}

impl<'a> Scorer<'a> {
    pub fn new(
        engine: &'a dyn Engine,
        class_labels: Option<&'a [String]>,
        pipeline: Option<&'a FittedPipeline>,
        label: &'a str,
        threshold: f64,
        data: &Table,
    ) -> Self {
        let classes = class_labels
            .filter(|c| c.len() == 2)
            .map(<[String]>::to_vec)
            .or_else(|| sorted_classes(data, label).filter(|c| c.len() == 2))
            .unwrap_or_else(|| vec!["0".to_owned(), "1".to_owned()]);
        Self {
            engine,
            class_labels,
            pipeline,
            label,
            threshold,
            binary_classes: [classes[0].clone(), classes[1].clone()],
        }
    }

    /// Runs the model on `table`; `regression` says how a predicted column reads.
    pub fn run(&self, table: &Table, regression: bool) -> Result<Outputs, BehaviourError> {
        let run = run_model(
            self.engine,
            self.class_labels,
            table,
            self.pipeline,
            self.label,
            &|| 0.0,
        )?;
        let floats = |name: &str| -> Result<Vec<f64>, BehaviourError> {
            let column = run.table.column(name)?;
            Ok(match column.data() {
                ColumnData::Float64(v) => (0..v.len())
                    .map(|r| v.value_at(r).unwrap_or(f64::NAN))
                    .collect(),
                _ => Vec::new(),
            })
        };
        Ok(match &run.predictions {
            Predictions::Score(column) => {
                let scores = floats(column)?;
                let predicted = scores
                    .iter()
                    .map(|&p| f64::from(u8::from(p >= self.threshold)))
                    .collect();
                Outputs {
                    kind: OutputKind::Binary,
                    scores,
                    width: 1,
                    predicted,
                }
            }
            Predictions::Probabilities(pairs) => {
                let columns = pairs
                    .iter()
                    .map(|p| floats(&p.column))
                    .collect::<Result<Vec<_>, _>>()?;
                let (rows, width) = (table.num_rows(), columns.len());
                let mut scores = vec![0.0; rows * width];
                let mut predicted = Vec::with_capacity(rows);
                for r in 0..rows {
                    let mut best = 0;
                    for (j, c) in columns.iter().enumerate() {
                        scores[r * width + j] = c[r];
                        if c[r] > c[best] {
                            best = j;
                        }
                    }
                    predicted.push(best as f64);
                }
                Outputs {
                    kind: OutputKind::Probabilities(
                        pairs.iter().map(|p| p.class.clone()).collect(),
                    ),
                    scores,
                    width,
                    predicted,
                }
            }
            Predictions::Column(column) => {
                let values = floats(column)?;
                Outputs {
                    kind: if regression {
                        OutputKind::Regression
                    } else {
                        OutputKind::Labels
                    },
                    scores: values.clone(),
                    width: 1,
                    predicted: values,
                }
            }
        })
    }
}

impl Outputs {
    pub fn rows(&self) -> usize {
        self.predicted.len()
    }

    /// Row `row`'s score `index`.
    pub fn score(&self, row: usize, index: usize) -> f64 {
        self.scores
            .get(row * self.width + index)
            .copied()
            .unwrap_or(f64::NAN)
    }

    /// The score shown for row `row`: the positive class (binary), the class `base`
    /// predicted (probabilities) or the value.
    pub fn shown_index(&self, base_predicted: f64) -> usize {
        match self.kind {
            OutputKind::Probabilities(_) => base_predicted as usize,
            _ => 0,
        }
    }

    /// The largest move of any score of row `row` between `self` and `other`
    /// (infinite when one of them is NaN and the other not).
    pub fn max_score_change(&self, other: &Outputs, row: usize) -> f64 {
        (0..self.width)
            .map(|j| {
                let (a, b) = (self.score(row, j), other.score(row, j));
                match (a.is_nan(), b.is_nan()) {
                    (true, true) => 0.0,
                    // A score that became (or stopped being) NaN moved without bound.
                    (true, false) | (false, true) => f64::INFINITY,
                    (false, false) => (b - a).abs(),
                }
            })
            .fold(0.0, f64::max)
    }

    /// Whether row `row`'s prediction changed: its label flipped (classification) or
    /// a score moved by more than `tolerance`. NaN-safe: a score that became NaN changed.
    pub fn changed(&self, other: &Outputs, row: usize, tolerance: f64) -> bool {
        let flipped = self.kind != OutputKind::Regression
            && self.predicted.get(row) != other.predicted.get(row);
        let moved = self.max_score_change(other, row);
        flipped || moved.is_nan() || moved > tolerance
    }

    /// Per row: 1/0 correct (classification) or the absolute error (regression),
    /// `None` where the label is null.
    pub fn losses(&self, labels: &LabelColumn, binary: &[String; 2]) -> Vec<Option<f64>> {
        (0..self.rows())
            .map(|r| {
                let p = self.predicted[r];
                match &self.kind {
                    OutputKind::Regression => labels.number(r).map(|y| (y - p).abs()),
                    OutputKind::Labels => labels.number(r).map(|y| f64::from(u8::from(y == p))),
                    OutputKind::Binary => labels
                        .text(r)
                        .map(|y| f64::from(u8::from(y == binary[p as usize]))),
                    OutputKind::Probabilities(classes) => labels.text(r).map(|y| {
                        f64::from(u8::from(classes.get(p as usize).is_some_and(|c| c == y)))
                    }),
                }
            })
            .collect()
    }
}

/// The label column's values, as text and as numbers.
pub(super) struct LabelColumn {
    text: Vec<Option<String>>,
}

impl LabelColumn {
    pub fn new(column: &Column) -> Self {
        Self {
            text: (0..column.len()).map(|r| column.value_text(r)).collect(),
        }
    }

    fn text(&self, row: usize) -> Option<&str> {
        self.text.get(row)?.as_deref()
    }

    fn number(&self, row: usize) -> Option<f64> {
        self.text(row)?.parse().ok()
    }
}
