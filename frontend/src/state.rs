//! The page's state and the pure functions that turn it into results.
//!
//! Everything here is plain Rust over `lockstep-core` types, so it is tested natively.

use std::sync::Arc;

use leptos::prelude::*;
use lockstep_core::engine::Engine;
use lockstep_core::metrics::ClassColumn;
use lockstep_core::metrics::binary::{self, BinaryMetrics, BinaryOptions, PredictionSource};
use lockstep_core::onnx::{Model, class_labels};
use lockstep_core::report::sha256_hex;
use lockstep_core::table::{ColumnData, CsvOptions, Table, default_null_values};
use lockstep_core::transform::FittedPipeline;

/// How predictions are given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A column of predicted classes.
    Labels,
    /// A column of scores and a threshold.
    Scores,
}

/// Which columns to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    pub label: String,
    pub mode: Mode,
    pub prediction: String,
    pub score: String,
    pub threshold: f64,
    /// Empty means "infer it".
    pub positive_label: String,
}

/// A loaded data set.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub name: String,
    pub bytes: usize,
    /// sha256 of the file's bytes, for the evaluation report's provenance.
    pub sha256: String,
    pub table: Arc<Table>,
    /// The file's bytes, kept to read it again with a pipeline's null values.
    pub raw: Arc<[u8]>,
    /// The raw strings this table was read with as null.
    pub null_values: Vec<String>,
}

impl Dataset {
    /// Reads CSV `bytes`, with `null_values` read as null.
    pub fn from_csv(name: String, bytes: &[u8], null_values: Vec<String>) -> Result<Self, String> {
        let options = CsvOptions {
            null_values: null_values.clone(),
            ..CsvOptions::default()
        };
        let table = Table::from_csv(bytes, &options).map_err(|e| format!("{name}: {e}"))?;
        Ok(Self {
            bytes: bytes.len(),
            sha256: sha256_hex(bytes),
            table: Arc::new(table),
            raw: Arc::from(bytes),
            null_values,
            name,
        })
    }

    /// This data set as a pipeline reads it: read again when the pipeline's null
    /// values (recorded at fit) differ from the ones it was read with, so `NA` means in
    /// the page what it meant in training and in serving. `None`: already so.
    pub fn reread_with(&self, null_values: &[String]) -> Option<Result<Self, String>> {
        (self.null_values != null_values)
            .then(|| Self::from_csv(self.name.clone(), &self.raw, null_values.to_vec()))
    }
}

/// A fitted pipeline in the page: fitted here on the loaded data, or read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedPipeline {
    /// Where it came from, in words.
    pub origin: String,
    /// Whether it was fitted in this page (and so is offered for download).
    pub fitted_here: bool,
    pub pipeline: Arc<FittedPipeline>,
}

/// A loaded ONNX model.
#[derive(Debug, Clone)]
pub struct LoadedModel {
    pub name: String,
    pub bytes: usize,
    /// sha256 of the file's bytes, for the evaluation report's provenance.
    pub sha256: String,
    /// The classifier's class labels, when the model names them.
    pub class_labels: Option<Vec<String>>,
    pub model: Arc<Model>,
    /// The file's bytes (the evaluation report fingerprints and sizes them).
    pub raw: Arc<[u8]>,
}

impl LoadedModel {
    /// The engine that runs the model in the page: lockstep-core's (`core`), the one
    /// `lockstep predict` runs by default.
    pub fn engine(&self) -> &dyn Engine {
        self.model.as_ref()
    }

    /// Reads `bytes` as an ONNX model; the error is the core's message.
    pub fn from_bytes(name: String, bytes: &[u8]) -> Result<Self, String> {
        let model = crate::view::model::load_model(bytes)?;
        Ok(Self {
            name,
            bytes: bytes.len(),
            sha256: sha256_hex(bytes),
            class_labels: class_labels(bytes),
            model: Arc::new(model),
            raw: Arc::from(bytes),
        })
    }
}

/// All of the page's signals; `Copy`, so views capture it freely.
#[derive(Clone, Copy)]
pub struct PageState {
    pub dataset: RwSignal<Option<Dataset>>,
    pub load_error: RwSignal<Option<String>>,
    pub selection: RwSignal<Selection>,
    /// The pipeline that turns the data into the model's features, if any.
    pub pipeline: RwSignal<Option<LoadedPipeline>>,
    pub model: RwSignal<Option<LoadedModel>>,
}

impl PageState {
    pub fn new() -> Self {
        Self {
            dataset: RwSignal::new(None),
            load_error: RwSignal::new(None),
            selection: RwSignal::new(Selection {
                label: String::new(),
                mode: Mode::Labels,
                prediction: String::new(),
                score: String::new(),
                threshold: 0.5,
                positive_label: String::new(),
            }),
            pipeline: RwSignal::new(None),
            model: RwSignal::new(None),
        }
    }

    /// Parses `bytes` as CSV and, on success, replaces the data set and guesses the
    /// columns to evaluate. On failure the previous data set stays and the error shows.
    pub fn load_csv(&self, name: String, bytes: &[u8]) {
        // Read with the loaded pipeline's null values, if there is one.
        let null_values = self.pipeline.with_untracked(|p| {
            p.as_ref()
                .map_or_else(default_null_values, |p| p.pipeline.null_values())
        });
        match Dataset::from_csv(name, bytes, null_values) {
            Ok(dataset) => {
                let threshold = self.selection.with_untracked(|s| s.threshold);
                self.selection
                    .set(guess_selection(&dataset.table, threshold));
                self.dataset.set(Some(dataset));
                self.load_error.set(None);
            }
            Err(err) => self.load_error.set(Some(err)),
        }
    }

    /// Reads the data set again with `null_values` when it was read with others;
    /// `Err` with the message when it cannot be read so.
    pub fn use_null_values(&self, null_values: &[String]) -> Result<(), String> {
        let reread = self
            .dataset
            .with_untracked(|d| d.as_ref().and_then(|d| d.reread_with(null_values)));
        if let Some(reread) = reread {
            self.dataset.set(Some(reread?));
        }
        Ok(())
    }
}

impl Default for PageState {
    fn default() -> Self {
        Self::new()
    }
}

/// `name` is one of `words`, or starts with one of the longer ones (`pred` matches
/// `predicted_class`, but `y` does not match `year`).
fn name_matches(name: &str, words: &[&str]) -> bool {
    let lower = name.to_ascii_lowercase();
    words
        .iter()
        .any(|w| lower == *w || (w.len() >= 4 && lower.starts_with(w)))
}

/// A column that reads as at most two classes: booleans, strings, integers or integral
/// floats with one or two distinct values.
fn is_class_like(table: &Table, name: &str) -> bool {
    let Ok(column) = table.column(name) else {
        return false;
    };
    if let ColumnData::Float64(values) = column.data()
        && values.iter().flatten().any(|v| v.fract() != 0.0)
    {
        return false;
    }
    ClassColumn::from_column(column).is_ok_and(|c| (1..=2).contains(&c.classes.len()))
}

fn is_numeric(table: &Table, name: &str) -> bool {
    table
        .column(name)
        .is_ok_and(|c| matches!(c.data(), ColumnData::Float64(_) | ColumnData::Int64(_)))
}

/// A first guess at the columns: a label named like `label`/`target`/`y` (or the first
/// two-class column), a prediction named like `pred…` (or the next two-class column),
/// and a score named like `score`/`prob…` (or the first numeric, non-class column).
pub fn guess_selection(table: &Table, threshold: f64) -> Selection {
    let names: Vec<&str> = table.column_names().collect();
    let prediction_words = ["pred", "predicted", "prediction", "yhat", "y_pred"];
    let pick = |words: &[&str], fallback: &dyn Fn(&str) -> bool, not: &str| -> String {
        names
            .iter()
            .find(|n| **n != not && name_matches(n, words))
            .or_else(|| names.iter().find(|n| **n != not && fallback(n)))
            .map_or_else(String::new, |n| (*n).to_owned())
    };
    let label = pick(
        &["label", "target", "y", "class", "outcome"],
        &|n| is_class_like(table, n) && !name_matches(n, &prediction_words),
        "",
    );
    let prediction = pick(&prediction_words, &|n| is_class_like(table, n), &label);
    let score = pick(
        &["score", "prob", "proba", "probability"],
        &|n| is_numeric(table, n) && !is_class_like(table, n),
        &label,
    );
    Selection {
        mode: if prediction.is_empty() && !score.is_empty() {
            Mode::Scores
        } else {
            Mode::Labels
        },
        label,
        prediction,
        score,
        threshold,
        positive_label: String::new(),
    }
}

/// Evaluates the selection on `table`; errors come back as the message to show.
pub fn evaluate(table: &Table, selection: &Selection) -> Result<BinaryMetrics, String> {
    let prediction = match selection.mode {
        Mode::Labels => PredictionSource::Labels {
            column: &selection.prediction,
        },
        Mode::Scores => PredictionSource::Scores {
            column: &selection.score,
            threshold: selection.threshold,
        },
    };
    let positive = selection.positive_label.trim();
    let options = BinaryOptions {
        label: &selection.label,
        prediction,
        positive_label: (!positive.is_empty()).then_some(positive),
    };
    binary::evaluate(table, &options).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lockstep_core::table::CsvOptions;

    fn table(text: &str) -> Table {
        Table::from_csv(text.as_bytes(), &CsvOptions::default()).unwrap()
    }

    #[test]
    fn guesses_the_demo_columns() {
        let t = table(
            "mean_radius,malignant,score,predicted\n11.5,1,0.9,1\n12.5,0,0.2,0\n13.1,0,0.7,1\n",
        );
        let s = guess_selection(&t, 0.5);
        assert_eq!(s.label, "malignant");
        assert_eq!(s.prediction, "predicted");
        assert_eq!(s.score, "score");
        assert_eq!(s.mode, Mode::Labels);
    }

    #[test]
    fn prefers_conventional_names_and_falls_back_to_scores() {
        let t = table("year,target,proba\n2021,yes,0.9\n2022,no,0.1\n2023,no,0.3\n");
        let s = guess_selection(&t, 0.5);
        assert_eq!(s.label, "target");
        assert_eq!(s.prediction, "");
        assert_eq!(s.score, "proba");
        assert_eq!(s.mode, Mode::Scores);
    }

    #[test]
    fn evaluation_errors_are_messages() {
        let t = table("y,p\nyes,no\nno,no\n");
        let s = guess_selection(&t, 0.5);
        assert_eq!((s.label.as_str(), s.prediction.as_str()), ("y", "p"));
        let err = evaluate(&t, &s).unwrap_err();
        assert!(err.contains("positive label"), "{err}");
        let s = Selection {
            positive_label: "yes".into(),
            ..s
        };
        let m = evaluate(&t, &s).unwrap();
        assert_eq!(m.confusion.false_negatives, 1);
    }
}
