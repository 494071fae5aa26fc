//! What the worker holds of a data set and a model, and the first guess at the columns
//! to evaluate. Plain Rust over `lockstep-core` types, tested natively.

use std::sync::Arc;

use lockstep_core::engine::Engine;
use lockstep_core::fingerprint::sha256_hex;
use lockstep_core::metrics::ClassColumn;
use lockstep_core::onnx::{Model, class_labels};
use lockstep_core::table::{ColumnData, Table};

use crate::engine::PageEngine;

/// A first guess at the columns to evaluate.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Selection {
    pub label: String,
    /// A column of predicted classes; empty when none looks like one.
    pub prediction: String,
    /// A column of scores; empty when none looks like one.
    pub score: String,
}

/// A data set the evaluation reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub name: String,
    pub bytes: usize,
    /// sha256 of the file's bytes, for the evaluation report's provenance.
    pub sha256: String,
    pub table: Arc<Table>,
}

impl Dataset {
    /// Reads CSV `bytes` with the default null values (tests and the CLI's defaults).
    pub fn from_csv(name: String, bytes: &[u8]) -> Result<Self, String> {
        let table = Table::from_csv(bytes, &lockstep_core::table::CsvOptions::default())
            .map_err(|e| format!("{name}: {e}"))?;
        Ok(Self {
            bytes: bytes.len(),
            sha256: sha256_hex(bytes),
            table: Arc::new(table),
            name,
        })
    }
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
    engine: PageEngine,
}

impl LoadedModel {
    /// The engine that runs the model in the page: lockstep-core's (`core`), the one
    /// `lockstep predict` runs by default, on the engine workers for a large batch run
    /// async ([`PageEngine`]).
    pub fn engine(&self) -> &dyn Engine {
        &self.engine
    }

    /// The same engine, with what the engine workers and the WebGPU module are sent.
    pub fn page_engine(&self) -> &PageEngine {
        &self.engine
    }

    /// Reads `bytes` as an ONNX model; the error is the core's message.
    pub fn from_bytes(name: String, bytes: &[u8]) -> Result<Self, String> {
        let model = Arc::new(crate::view::model::load_model(bytes)?);
        let raw: Arc<[u8]> = Arc::from(bytes);
        let sha256 = sha256_hex(bytes);
        Ok(Self {
            bytes: bytes.len(),
            engine: PageEngine::new(model.clone(), raw.clone(), sha256.clone(), name.clone()),
            name,
            sha256,
            class_labels: class_labels(bytes),
            model,
            raw,
        })
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
pub fn guess_selection(table: &Table) -> Selection {
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
        label,
        prediction,
        score,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
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
        let s = guess_selection(&t);
        assert_eq!(s.label, "malignant");
        assert_eq!(s.prediction, "predicted");
        assert_eq!(s.score, "score");
    }

    #[test]
    fn prefers_conventional_names_and_falls_back_to_scores() {
        let t = table("year,target,proba\n2021,yes,0.9\n2022,no,0.1\n2023,no,0.3\n");
        let s = guess_selection(&t);
        assert_eq!(s.label, "target");
        assert_eq!(s.prediction, "");
        assert_eq!(s.score, "proba");
    }
}
