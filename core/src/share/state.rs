//! The notebook's state as a link carries it: what was evaluated and how, never a
//! data row. Every type here is part of the `s1` link format: a field may be added
//! (with `#[serde(default)]`, so older links still decode), but a field that changes
//! meaning or disappears needs a new version (see [`super`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::report::EvalReport;
use crate::report::config::TaskKind;

use super::summary_number;

/// One notebook: its cells in order, the evaluation's settings, the files it read
/// (names and fingerprints only) and a summary of what it computed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotebookState {
    /// The cells, top to bottom.
    #[serde(default)]
    pub cells: Vec<Cell>,
    #[serde(default)]
    pub settings: EvalSettings,
    /// The metric contract as written (TOML or JSON).
    #[serde(default)]
    pub contract: Option<SettingsText>,
    /// Named thresholds, e.g. `decision` (a binary score's decision threshold).
    #[serde(default)]
    pub thresholds: BTreeMap<String, f64>,
    /// Rows the user tagged (errors to look at, with an optional note each).
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// Free-text notes (Markdown), on a cell or on the notebook.
    #[serde(default)]
    pub notes: Vec<Note>,
    /// The files the notebook read, by role: names and sha256 fingerprints, never bytes.
    #[serde(default)]
    pub files: Vec<RoleFile>,
    /// The headline numbers, shown before the files are provided and re-run.
    #[serde(default)]
    pub summary: Summary,
}

/// One notebook cell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cell {
    /// Unique within the notebook; notes refer to it.
    pub id: String,
    /// What the cell does: `data`, `pipeline`, `models`, `evaluate`, `calibration`, …
    pub kind: String,
    #[serde(default)]
    pub collapsed: bool,
    /// The roles (of [`NotebookState::files`]) the cell reads.
    #[serde(default)]
    pub inputs: Vec<String>,
    /// The cell's own settings as written (behavioural tests, a compare config, a
    /// pipeline spec…); absent from the link when the cell has none, so links of
    /// cells without settings are unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<SettingsText>,
    /// The Compare cell's slices file (`lockstep compare --slices`), as written; a
    /// second settings text, added after v1 links: absent when empty, so links
    /// without it are unchanged and older links decode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slices: Option<SettingsText>,
}

/// The evaluation's settings: the columns and choices, and the settings text as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalSettings {
    /// The column holding the true class or target.
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub prediction: Option<Prediction>,
    /// A full evaluation config (docs/eval.md), as written.
    #[serde(default)]
    pub config: Option<SettingsText>,
    #[serde(default)]
    pub positive_label: Option<String>,
    /// A heuristic baseline rule over the columns.
    #[serde(default)]
    pub heuristic: Option<String>,
    #[serde(default)]
    pub existing_column: Option<String>,
    /// Human-level figures typed in.
    #[serde(default)]
    pub human: Vec<HumanLevel>,
    #[serde(default)]
    pub bootstrap_replicates: Option<u32>,
    #[serde(default)]
    pub seed: Option<u64>,
}

/// Where the predictions come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Prediction {
    /// A column of predicted classes or values.
    Column(String),
    /// A column of positive-class probabilities.
    Score(String),
    /// A model of [`NotebookState::files`], by role, run on the data.
    Model(String),
}

/// A settings or contract text and its language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsText {
    pub format: TextFormat,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextFormat {
    Toml,
    Json,
}

/// A human-level figure: `metric` reached `value`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HumanLevel {
    pub metric: String,
    pub value: f64,
}

/// A tagged row (1-based, as in every message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tag {
    pub row: u64,
    pub tag: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// A note, on a cell (by id) or on the whole notebook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    #[serde(default)]
    pub cell: Option<String>,
    pub text: String,
}

/// What a file is to the notebook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Data,
    Model,
    Pipeline,
    Log,
}

/// A file the notebook read: its role (`test`, `champion`, …), name and fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleFile {
    pub role: String,
    pub kind: FileKind,
    /// The file's name as the user picked it (no directories).
    pub name: String,
    /// Lowercase hex sha256 of the file's bytes (a pipeline: its own fingerprint).
    pub sha256: String,
}

/// The computed numbers a link shows at once. `None` is an undefined metric.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    #[serde(default)]
    pub rows: Option<u64>,
    /// `classification` or `regression`.
    #[serde(default)]
    pub task: Option<String>,
    #[serde(default)]
    pub metrics: Vec<SummaryMetric>,
    /// The contract's verdict, when there was one.
    #[serde(default)]
    pub contract_passed: Option<bool>,
}

/// One headline metric with its interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryMetric {
    pub name: String,
    pub estimate: Option<f64>,
    #[serde(default)]
    pub lower: Option<f64>,
    #[serde(default)]
    pub upper: Option<f64>,
}

impl Summary {
    /// The headline numbers of a report: rows, task, each metric's estimate and
    /// interval (to [`super::SUMMARY_DIGITS`] significant digits), and the
    /// contract's verdict.
    pub fn of_report(report: &EvalReport) -> Self {
        let task = match report.task {
            TaskKind::Classification => "classification",
            TaskKind::Regression => "regression",
        };
        Self {
            rows: Some(report.rows),
            task: Some(task.to_owned()),
            metrics: report
                .metrics
                .iter()
                .map(|m| SummaryMetric {
                    name: m.name.clone(),
                    estimate: m.estimate.value().map(summary_number),
                    lower: m.lower.value().map(summary_number),
                    upper: m.upper.value().map(summary_number),
                })
                .collect(),
            contract_passed: report.contract.as_ref().map(|c| c.passed),
        }
    }
}

impl From<crate::report::SettingsFormat> for TextFormat {
    fn from(format: crate::report::SettingsFormat) -> Self {
        match format {
            crate::report::SettingsFormat::Toml => Self::Toml,
            crate::report::SettingsFormat::Json => Self::Json,
        }
    }
}

impl NotebookState {
    /// The state of one finished evaluation (what `lockstep eval --link` shares): a
    /// data cell, a pipeline and a models cell when `files` has them, an evaluate
    /// cell reading every file; the decision threshold and the summary from `report`.
    pub fn of_evaluation(
        report: &EvalReport,
        settings: EvalSettings,
        contract: Option<SettingsText>,
        files: Vec<RoleFile>,
    ) -> Self {
        let roles = |kind: FileKind| -> Vec<String> {
            files
                .iter()
                .filter(|f| f.kind == kind)
                .map(|f| f.role.clone())
                .collect()
        };
        let mut cells = vec![Cell {
            id: "data".to_owned(),
            kind: "data".to_owned(),
            collapsed: false,
            inputs: roles(FileKind::Data),
            settings: None,
            slices: None,
        }];
        for (kind, id) in [
            (FileKind::Pipeline, "pipeline"),
            (FileKind::Model, "models"),
        ] {
            let inputs = roles(kind);
            if !inputs.is_empty() {
                cells.push(Cell {
                    id: id.to_owned(),
                    kind: id.to_owned(),
                    collapsed: false,
                    inputs,
                    settings: None,
                    slices: None,
                });
            }
        }
        cells.push(Cell {
            id: "evaluate".to_owned(),
            kind: "evaluate".to_owned(),
            collapsed: false,
            inputs: files.iter().map(|f| f.role.clone()).collect(),
            settings: None,
            slices: None,
        });
        Self {
            cells,
            settings,
            contract,
            thresholds: report
                .inputs
                .threshold
                .map(|t| ("decision".to_owned(), t))
                .into_iter()
                .collect(),
            tags: Vec::new(),
            notes: Vec::new(),
            files,
            summary: Summary::of_report(report),
        }
    }
}
