//! The messages between the page (UI thread) and the worker that owns the data
//! ([`crate::host`]): small commands in, small results out, as JSON text. A file
//! travels beside a [`Command::Load`] as the browser's `File` object (the worker reads
//! it), never as bytes through the UI thread.

use serde::{Deserialize, Serialize};

use crate::notebook::{
    DatasetRef, DiagnoseInputs, ErrorsInputs, EvalInputs, ModelRef, ModelRole, PipelineRef, Role,
    SkewInputs,
};

/// What the page asks of the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// Read the `File` sent with the message; data sets take `role` (guessed from the
    /// name when `None`), models take `model_role`.
    Load {
        name: String,
        role: Option<Role>,
        model_role: Option<ModelRole>,
    },
    /// Fetch the demo's files from the page's origin and load them.
    LoadDemo,
    /// Give a data set another role (a serving log is read as a log, others as tables).
    SetRole {
        name: String,
        role: Role,
    },
    /// Change a model's role or the pipeline that feeds it.
    SetModel {
        name: String,
        role: ModelRole,
        pipeline: Option<String>,
    },
    /// Fit a pipeline spec (JSON or TOML) on a data set.
    Fit {
        spec: String,
        training: String,
    },
    /// Run a model on a data set (through its pipeline), without the label column.
    Predict {
        model: String,
        dataset: String,
        label: String,
    },
    Evaluate(EvalInputs),
    Skew(SkewInputs),
    /// Behavioural tests of `model` on the evaluation's data (`lockstep eval --behaviour`).
    Robustness {
        eval: EvalInputs,
        model: String,
        spec: String,
    },
    /// Champion against challenger on the evaluation's data (`lockstep compare`).
    Compare {
        eval: EvalInputs,
        champion: String,
        challenger: String,
        settings: String,
        /// `slices.toml`; empty: none.
        #[serde(default)]
        slices: String,
    },
    /// The Evaluate cell's evaluation with a `slices.toml` (the finder reports its
    /// progress); answered by [`Reply::Evaluated`].
    Slices {
        eval: EvalInputs,
        spec: String,
    },
    /// The readiness gate: `gate.toml` over the Evaluate cell's model evaluated on the
    /// blackbox rows, and the Skew cell's report when it ran.
    Gate {
        eval: EvalInputs,
        config: String,
        skew_json: Option<String>,
    },
    /// The diagnosis of a model over the training, training-dev, dev and test sets
    /// (`lockstep diagnose`); answered by [`Reply::Diagnosed`].
    Diagnose(DiagnoseInputs),
    /// The dev set's eyeball errors (`lockstep diagnose --dev … --errors N`); the tags
    /// are the page's, so they do not travel. Answered by [`Reply::Diagnosed`].
    Errors(ErrorsInputs),
    /// The rows of `dataset` a slice's rule selects (the Slices cell, a slice clicked);
    /// answered by [`Reply::SliceRows`].
    SliceRows {
        dataset: String,
        rule: String,
    },
    /// The Models cell's Engine control: models run on this backend from now on
    /// (`core`, `gpu` or `auto`: [`crate::gpu`]).
    Backend(String),
}

impl Command {
    /// Whether the command changes what the worker holds (replayed into a fresh worker
    /// after a cancel).
    pub fn changes_state(&self) -> bool {
        matches!(
            self,
            Command::Load { .. }
                | Command::LoadDemo
                | Command::SetRole { .. }
                | Command::SetModel { .. }
                | Command::Fit { .. }
                | Command::Backend(_)
        )
    }
}

/// A command with the id its reply carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub id: u64,
    pub command: Command,
}

/// The first rows of a model's predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Predicted {
    pub model: String,
    pub dataset: String,
    pub rows: usize,
    pub headers: Vec<String>,
    pub first_rows: Vec<Vec<String>>,
    pub millis: f64,
    /// With the `gpu` or `auto` backend: the WebGPU run's parity with the CPU engine on
    /// every row (a sentence, and a row per output: output, verdict, detail), or why
    /// it could not run (the sentence alone).
    #[serde(default)]
    pub parity: Option<(String, Vec<Vec<String>>)>,
}

/// An evaluation report and its four exports, byte for byte what `lockstep eval`
/// writes; the page reads the report back from `json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluated {
    pub dataset: String,
    pub rows: usize,
    pub json: String,
    pub markdown: String,
    pub html: String,
    pub junit: String,
    pub millis: f64,
    /// The evaluated table's memory (`Table::memory_bytes`).
    #[serde(default)]
    pub memory_bytes: usize,
    /// The worker's WebAssembly memory after the evaluation ([`crate::host::heap_bytes`]).
    #[serde(default)]
    pub heap_bytes: usize,
    /// Which engine ran the model and why, when the page asked for another backend
    /// than the CPU engine ([`crate::gpu::note`]).
    #[serde(default)]
    pub engine: Option<String>,
}

/// One skew check, as the CLI prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkewCheck {
    pub passed: bool,
    pub group: String,
    pub subject: String,
    pub message: String,
}

/// A skew report: verdict, checks and exports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skewed {
    pub passed: bool,
    pub verdict: String,
    pub checks: Vec<SkewCheck>,
    pub json: String,
    pub markdown: String,
    pub junit: String,
    pub millis: f64,
}

/// Behavioural tests: the report's `behaviour` section (core's `BehaviourReport` as
/// JSON) and the evaluation report that carries it, as `lockstep eval --behaviour` writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Robust {
    pub model: String,
    pub behaviour: String,
    pub report_json: String,
    pub millis: f64,
}

/// A comparison report and its exports, byte for byte what `lockstep compare` writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Compared {
    pub json: String,
    pub markdown: String,
    pub html: String,
    pub junit: String,
    pub millis: f64,
    /// Which engine ran the models and why, when the page asked for another backend
    /// than the CPU engine ([`crate::gpu::note`]).
    #[serde(default)]
    pub engine: Option<String>,
}

/// A gate report: the verdict and its exports, byte for byte what `lockstep gate`
/// writes (the page reads the report back from `json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gated {
    pub json: String,
    pub markdown: String,
    pub html: String,
    pub junit: String,
    /// `blessing.json`, when the verdict allows one.
    pub blessing: Option<String>,
    pub millis: f64,
    /// Which engine ran the models and why, when the page asked for another backend
    /// than the CPU engine ([`crate::gpu::note`]).
    #[serde(default)]
    pub engine: Option<String>,
}

/// A diagnosis report and its exports, byte for byte what `lockstep diagnose` writes
/// (the page reads the report back from `json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnosed {
    pub json: String,
    pub markdown: String,
    pub html: String,
    pub millis: f64,
    /// Which engine ran the models and why, when the page asked for another backend
    /// than the CPU engine ([`crate::gpu::note`]).
    #[serde(default)]
    pub engine: Option<String>,
}

/// What the worker answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    /// Work under way: `stage` in words, `fraction` in [0, 1] when known.
    Progress {
        stage: String,
        fraction: Option<f64>,
    },
    /// Files read (a demo gives several).
    Loaded {
        datasets: Vec<DatasetRef>,
        pipelines: Vec<PipelineRef>,
        models: Vec<ModelRef>,
    },
    Predicted(Predicted),
    Evaluated(Evaluated),
    Skewed(Skewed),
    Robust(Robust),
    Compared(Compared),
    Gated(Gated),
    Diagnosed(Diagnosed),
    SliceRows(lockstep_core::slices::SliceRows),
    Failed {
        error: String,
    },
}

impl Reply {
    /// The reply with `line` as its engine line when it reports model runs (an
    /// evaluation, comparison, gate or diagnosis): which engine ran them and why
    /// ([`crate::gpu::take_note`], drained by the worker after every command).
    pub fn with_engine(mut self, line: Option<String>) -> Self {
        match &mut self {
            Reply::Evaluated(r) => r.engine = line,
            Reply::Compared(r) => r.engine = line,
            Reply::Gated(r) => r.engine = line,
            Reply::Diagnosed(r) => r.engine = line,
            _ => {}
        }
        self
    }
}

/// A reply with its command's id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    pub id: u64,
    pub reply: Reply,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn commands_are_small_json() {
        let request = Request {
            id: 3,
            command: Command::Load {
                name: "train.csv".into(),
                role: Some(Role::Training),
                model_role: None,
            },
        };
        let text = serde_json::to_string(&request).unwrap();
        assert_eq!(
            text,
            r#"{"id":3,"command":{"load":{"name":"train.csv","role":"training","model_role":null}}}"#
        );
        assert_eq!(serde_json::from_str::<Request>(&text).unwrap(), request);
        assert!(request.command.changes_state());
        assert!(!Command::Evaluate(EvalInputs::default()).changes_state());
    }
}
