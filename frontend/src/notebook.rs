//! The notebook's state as plain serde data: the cells in their order with their
//! inputs, the data sets with their roles, the pipelines and the models — names and
//! fingerprints only, never the data. This is what a share link will serialize; the
//! data itself lives in the worker ([`crate::host`]).
//!
//! # The cell registry
//!
//! [`CellKind`] lists the cells the page offers, each with what it reads
//! ([`CellKind::reads`]); a cell is stale when something it reads changed after it ran
//! ([`Notebook::touch`]). Adding a cell kind is a variant here, its inputs in
//! [`CellInputs`], a command in [`crate::protocol`] and a view.

use serde::{Deserialize, Serialize};

/// What a data set is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Pipelines are fitted on it.
    Training,
    /// Held out from training, from the training distribution (the Diagnose cell tells
    /// variance from data mismatch with it).
    TrainDev,
    /// Eyeball / blackbox rows for calibration and tuning.
    Dev,
    /// Held-out rows the models are evaluated on.
    Test,
    /// Prediction logs written by `lockstep serve` (replayed by the Skew cell).
    Serving,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Training,
        Role::TrainDev,
        Role::Dev,
        Role::Test,
        Role::Serving,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Role::Training => "training",
            Role::TrainDev => "train_dev",
            Role::Dev => "dev",
            Role::Test => "test",
            Role::Serving => "serving",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Training => "training",
            Role::TrainDev => "training-dev",
            Role::Dev => "dev",
            Role::Test => "test",
            Role::Serving => "serving log",
        }
    }

    /// A first guess from a file name: a word `log`/`logs` or `…prediction…`/
    /// `…serving…` are serving logs (`logreg_…` is not), `…train_dev…` /
    /// `…train-dev…` / `…traindev…` training-dev, `…train…` training,
    /// `…dev…`/`…valid…` dev, anything else test.
    pub fn guess(name: &str) -> Self {
        let lower = name.to_ascii_lowercase();
        let log_word = lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w == "log" || w == "logs");
        if log_word || lower.contains("prediction") || lower.contains("serving") {
            Role::Serving
        } else if ["train_dev", "train-dev", "traindev"]
            .iter()
            .any(|w| lower.contains(w))
        {
            Role::TrainDev
        } else if lower.contains("train") {
            Role::Training
        } else if lower.contains("dev") || lower.contains("valid") {
            Role::Dev
        } else {
            Role::Test
        }
    }
}

/// What kind of file the page was given, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Csv,
    JsonLines,
    Parquet,
    /// Arrow IPC: the file format (`.arrow`, Feather v2) or the stream format.
    ArrowIpc,
    Onnx,
    /// A fitted `pipeline.json`.
    Pipeline,
}

impl FileKind {
    /// From the file name's extension; `Err` names the file and what is accepted.
    pub fn of(name: &str) -> Result<Self, String> {
        let lower = name.to_ascii_lowercase();
        let ext = lower.rsplit('.').next().unwrap_or_default();
        Ok(match ext {
            "csv" | "txt" => FileKind::Csv,
            "jsonl" | "ndjson" => FileKind::JsonLines,
            "parquet" | "pq" => FileKind::Parquet,
            "arrow" | "feather" | "arrows" | "ipc" => FileKind::ArrowIpc,
            "onnx" => FileKind::Onnx,
            "json" => FileKind::Pipeline,
            _ => {
                return Err(format!(
                    "{name}: unknown kind of file; the page reads data as .csv, .jsonl, \
                     .parquet or Arrow IPC (.arrow, .feather, .arrows), models as .onnx and \
                     fitted pipelines as .json"
                ));
            }
        })
    }

    pub fn is_data(self) -> bool {
        matches!(
            self,
            FileKind::Csv | FileKind::JsonLines | FileKind::Parquet | FileKind::ArrowIpc
        )
    }
}

/// A data set held by the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetRef {
    pub name: String,
    pub role: Role,
    pub format: FileKind,
    /// sha256 of the file's bytes (core's `fingerprint::sha256_hex`).
    pub sha256: String,
    pub bytes: usize,
    /// Rows (log records for a serving log).
    pub rows: usize,
    /// Column names (empty for a serving log).
    pub columns: Vec<String>,
    /// A first guess at the label, prediction and score columns.
    pub guess: crate::state::Selection,
    /// Reading the file, in milliseconds.
    pub millis: f64,
    /// The table's memory in the worker (`Table::memory_bytes`; 0 for a serving log,
    /// which is held as bytes).
    #[serde(default)]
    pub memory_bytes: usize,
}

/// A fitted pipeline held by the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineRef {
    pub name: String,
    /// `FittedPipeline::fingerprint()`.
    pub sha256: String,
    /// Where it came from, in words.
    pub origin: String,
    pub inputs: Vec<String>,
    pub features: Vec<String>,
    /// The fitted pipeline's JSON when it was fitted in the page (for download).
    pub fitted_json: Option<String>,
}

/// What a model is in the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelRole {
    Champion,
    Challenger,
}

impl ModelRole {
    pub fn key(self) -> &'static str {
        match self {
            ModelRole::Champion => "champion",
            ModelRole::Challenger => "challenger",
        }
    }
}

/// An ONNX model held by the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelRef {
    pub name: String,
    pub role: ModelRole,
    pub sha256: String,
    pub bytes: usize,
    /// The pipeline that feeds it (a [`PipelineRef::name`]); `None`: the data's columns.
    pub pipeline: Option<String>,
    pub producer: String,
    /// `name dtype shape`, one per graph input.
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub class_labels: Option<Vec<String>>,
}

/// The cells the page offers, in their default order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellKind {
    Data,
    Pipeline,
    Models,
    Evaluate,
    Calibration,
    Slices,
    /// Behavioural tests (perturbation, invariance, directional) on a model.
    Robustness,
    /// Champion against challenger on the same rows.
    Compare,
    /// Avoidable bias, variance, data mismatch and dev overfitting (`lockstep diagnose`).
    Diagnose,
    /// The dev set's eyeball errors, tagged (`lockstep diagnose --errors --tags`).
    Errors,
    Skew,
    Gate,
    Notes,
}

/// What a cell reads; a change to one of these makes the cell stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    Datasets,
    Pipelines,
    Models,
    /// Another cell's output.
    Cell(CellKind),
}

impl CellKind {
    /// Every cell the page offers (the registry).
    pub const OFFERED: [CellKind; 13] = [
        CellKind::Data,
        CellKind::Pipeline,
        CellKind::Models,
        CellKind::Evaluate,
        CellKind::Calibration,
        CellKind::Slices,
        CellKind::Robustness,
        CellKind::Compare,
        CellKind::Diagnose,
        CellKind::Errors,
        CellKind::Skew,
        CellKind::Gate,
        CellKind::Notes,
    ];

    pub fn key(self) -> &'static str {
        match self {
            CellKind::Data => "data",
            CellKind::Pipeline => "pipeline",
            CellKind::Models => "models",
            CellKind::Evaluate => "evaluate",
            CellKind::Calibration => "calibration",
            CellKind::Robustness => "robustness",
            CellKind::Compare => "compare",
            CellKind::Diagnose => "diagnose",
            CellKind::Errors => "errors",
            CellKind::Skew => "skew",
            CellKind::Slices => "slices",
            CellKind::Gate => "gate",
            CellKind::Notes => "notes",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::OFFERED.into_iter().find(|k| k.key() == key)
    }

    pub fn title(self) -> &'static str {
        match self {
            CellKind::Data => "Data",
            CellKind::Pipeline => "Pipeline",
            CellKind::Models => "Models",
            CellKind::Evaluate => "Evaluate",
            CellKind::Calibration => "Calibration & threshold",
            CellKind::Robustness => "Robustness",
            CellKind::Compare => "Compare",
            CellKind::Diagnose => "Diagnose",
            CellKind::Errors => "Error analysis",
            CellKind::Skew => "Skew",
            CellKind::Slices => "Slices",
            CellKind::Gate => "Gate",
            CellKind::Notes => "Notes",
        }
    }

    /// What the cell reads.
    pub fn reads(self) -> &'static [Input] {
        match self {
            CellKind::Data | CellKind::Notes => &[],
            CellKind::Pipeline => &[Input::Datasets],
            CellKind::Models => &[Input::Datasets, Input::Pipelines, Input::Models],
            CellKind::Evaluate => &[Input::Datasets, Input::Pipelines, Input::Models],
            CellKind::Calibration => &[Input::Cell(CellKind::Evaluate)],
            CellKind::Robustness | CellKind::Compare | CellKind::Diagnose | CellKind::Errors => {
                &[Input::Datasets, Input::Pipelines, Input::Models]
            }
            CellKind::Skew => &[Input::Datasets, Input::Pipelines, Input::Models],
            // The Evaluate cell's picks (data set, label, predictions, settings).
            CellKind::Slices => &[
                Input::Datasets,
                Input::Pipelines,
                Input::Models,
                Input::Cell(CellKind::Evaluate),
            ],
            CellKind::Gate => &[
                Input::Datasets,
                Input::Pipelines,
                Input::Models,
                Input::Cell(CellKind::Evaluate),
                Input::Cell(CellKind::Skew),
            ],
        }
    }

    /// Whether the cell has a Run button (the others show what they hold).
    pub fn runs(self) -> bool {
        matches!(
            self,
            CellKind::Models
                | CellKind::Evaluate
                | CellKind::Calibration
                | CellKind::Robustness
                | CellKind::Compare
                | CellKind::Diagnose
                | CellKind::Errors
                | CellKind::Skew
                | CellKind::Slices
                | CellKind::Gate
        )
    }
}

/// Where predictions come from in an evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum PredictionSource {
    /// A model by its name, run through its pipeline.
    Model(String),
    /// A column of predicted classes.
    Column(String),
    /// A column of positive-class probabilities, thresholded.
    Score(String),
}

/// The Evaluate cell's inputs (those of `lockstep eval`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct EvalInputs {
    /// The data set evaluated on (a [`DatasetRef::name`]).
    pub dataset: String,
    pub label: String,
    pub source: Option<PredictionSource>,
    /// The threshold as typed; empty means the settings' (or core's default).
    pub threshold: String,
    /// Empty: inferred.
    pub positive_label: String,
    /// A TOML/JSON config or bare contract, as `lockstep eval --config` reads it.
    pub settings: String,
}

/// The Skew cell's inputs (those of `lockstep skew`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SkewInputs {
    /// The model replayed (its pipeline goes with it).
    pub model: String,
    /// Training data for distribution checks; empty: none.
    pub training: String,
    /// `skew.toml` text.
    pub config: String,
}

/// The Calibration & threshold cell's inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CalibrationInputs {
    /// The threshold to read the sweep at, as typed.
    pub threshold: String,
}

/// The Robustness cell's inputs (those of `lockstep eval --model … --behaviour`):
/// the data set and label are the Evaluate cell's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct RobustnessInputs {
    /// The model tested (a [`ModelRef::name`]); empty: the champion.
    pub model: String,
    /// The tests as `lockstep eval --behaviour` reads them (TOML); empty: the default
    /// suite (noise, missing values, category swaps).
    pub spec: String,
}

/// The Compare cell's inputs (those of `lockstep compare`): the data set, label,
/// threshold and positive class are the Evaluate cell's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CompareInputs {
    pub champion: String,
    pub challenger: String,
    /// A compare config (TOML or JSON) as `lockstep compare --config` reads it.
    pub settings: String,
    /// Slices to compare within (`slices.toml`, as `lockstep compare --slices` reads it).
    #[serde(default)]
    pub slices: String,
}

/// The Slices cell's inputs: a `slices.toml` (named slices, `by` columns, the
/// finder's settings, `[simpson]`), as `lockstep eval --slices` reads it; the rest
/// comes from the Evaluate cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SlicesInputs {
    pub spec: String,
}

/// The Gate cell's inputs: a `gate.toml`, as `lockstep gate --config` reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct GateCellInputs {
    pub config: String,
}

/// The Diagnose cell's inputs (those of `lockstep diagnose`): a data set per role
/// (names; empty: not measured), the model and label, an optional optimal error and
/// an optional learning-curve table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct DiagnoseInputs {
    pub train: String,
    pub train_dev: String,
    pub dev: String,
    pub test: String,
    /// A [`ModelRef::name`]; empty: the champion.
    pub model: String,
    pub label: String,
    /// The optimal error as typed; empty: the best baseline on the dev set.
    pub optimal: String,
    /// `human` (`--human`) or `bayes` (`--bayes`).
    pub optimal_kind: String,
    /// A CSV `size,train_error,dev_error` (`--curves`); empty: none.
    pub curves: String,
}

/// A tag on one error row (its 1-based row number in the data set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowTag {
    pub row: u64,
    pub tag: String,
}

/// The Error analysis cell's inputs (those of `lockstep diagnose --dev … --errors N
/// --tags tags.csv`) and the tags given so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ErrorsInputs {
    /// The data set whose eyeball errors are listed (a dev set).
    pub dataset: String,
    /// A [`ModelRef::name`]; empty: the champion.
    pub model: String,
    pub label: String,
    /// How many errors to list, as typed; empty: 100.
    pub limit: String,
    /// The sampling seed, as typed; empty: 0 (`--seed`).
    pub seed: String,
    /// Tags by row: only row numbers and tags, never row data.
    #[serde(default)]
    pub tags: Vec<RowTag>,
}

/// A cell's own inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CellInputs {
    None,
    Pipeline { spec: String, training: String },
    Evaluate(EvalInputs),
    Calibration(CalibrationInputs),
    Skew(SkewInputs),
    Notes { markdown: String },
    Robustness(RobustnessInputs),
    Compare(CompareInputs),
    Slices(SlicesInputs),
    Gate(GateCellInputs),
    Diagnose(DiagnoseInputs),
    Errors(ErrorsInputs),
}

impl CellInputs {
    pub fn default_for(kind: CellKind) -> Self {
        match kind {
            CellKind::Data | CellKind::Models => CellInputs::None,
            CellKind::Pipeline => CellInputs::Pipeline {
                spec: String::new(),
                training: String::new(),
            },
            CellKind::Evaluate => CellInputs::Evaluate(EvalInputs::default()),
            CellKind::Calibration => CellInputs::Calibration(CalibrationInputs::default()),
            CellKind::Skew => CellInputs::Skew(SkewInputs::default()),
            CellKind::Robustness => CellInputs::Robustness(RobustnessInputs::default()),
            CellKind::Compare => CellInputs::Compare(CompareInputs::default()),
            CellKind::Slices => CellInputs::Slices(SlicesInputs::default()),
            CellKind::Gate => CellInputs::Gate(GateCellInputs::default()),
            CellKind::Diagnose => CellInputs::Diagnose(DiagnoseInputs::default()),
            CellKind::Errors => CellInputs::Errors(ErrorsInputs::default()),
            CellKind::Notes => CellInputs::Notes {
                markdown: String::new(),
            },
        }
    }
}

/// A cell's run state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RunState {
    Idle,
    Running {
        stage: String,
        fraction: f64,
    },
    Done {
        millis: f64,
    },
    /// It ran, then something it reads changed.
    Stale,
    Failed {
        error: String,
    },
}

/// One cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Unique in the notebook, stable across reorders.
    pub id: u32,
    pub kind: CellKind,
    pub collapsed: bool,
    pub inputs: CellInputs,
    /// Not serialized into a share link: a fresh page has run nothing.
    #[serde(skip, default = "idle")]
    pub state: RunState,
}

fn idle() -> RunState {
    RunState::Idle
}

/// The whole notebook: what a share link carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notebook {
    /// Format version of this struct.
    pub version: u32,
    /// In display order.
    pub cells: Vec<Cell>,
    pub datasets: Vec<DatasetRef>,
    pub pipelines: Vec<PipelineRef>,
    pub models: Vec<ModelRef>,
    next_id: u32,
}

impl Default for Notebook {
    fn default() -> Self {
        Self::new()
    }
}

impl Notebook {
    pub const VERSION: u32 = 1;

    /// A notebook with every offered cell once, in the registry's order.
    pub fn new() -> Self {
        let mut notebook = Self {
            version: Self::VERSION,
            cells: Vec::new(),
            datasets: Vec::new(),
            pipelines: Vec::new(),
            models: Vec::new(),
            next_id: 1,
        };
        for kind in CellKind::OFFERED {
            notebook.add(kind);
        }
        notebook
    }

    /// Appends a cell; returns its id.
    pub fn add(&mut self, kind: CellKind) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        self.cells.push(Cell {
            id,
            kind,
            collapsed: false,
            inputs: CellInputs::default_for(kind),
            state: RunState::Idle,
        });
        id
    }

    pub fn remove(&mut self, id: u32) {
        self.cells.retain(|c| c.id != id);
    }

    /// Moves a cell up (`-1`) or down (`+1`); a no-op at the ends.
    pub fn move_by(&mut self, id: u32, delta: isize) {
        let Some(at) = self.cells.iter().position(|c| c.id == id) else {
            return;
        };
        let to = at as isize + delta;
        if (0..self.cells.len() as isize).contains(&to) {
            self.cells.swap(at, to as usize);
        }
    }

    pub fn cell(&self, id: u32) -> Option<&Cell> {
        self.cells.iter().find(|c| c.id == id)
    }

    pub fn cell_mut(&mut self, id: u32) -> Option<&mut Cell> {
        self.cells.iter_mut().find(|c| c.id == id)
    }

    /// `input` changed: every cell that has run and reads it (directly or through
    /// another cell's output) becomes stale. Returns the ids marked.
    pub fn touch(&mut self, input: Input) -> Vec<u32> {
        let mut changed = vec![input];
        let mut marked = Vec::new();
        while let Some(input) = changed.pop() {
            for cell in &mut self.cells {
                if cell.kind.reads().contains(&input)
                    && matches!(cell.state, RunState::Done { .. } | RunState::Failed { .. })
                {
                    cell.state = RunState::Stale;
                    marked.push(cell.id);
                    changed.push(Input::Cell(cell.kind));
                }
            }
        }
        marked
    }

    /// A cell's own input changed: it and what reads its output become stale.
    pub fn edited(&mut self, id: u32) -> Vec<u32> {
        let Some(cell) = self.cell_mut(id) else {
            return Vec::new();
        };
        let kind = cell.kind;
        let mut marked = Vec::new();
        if matches!(cell.state, RunState::Done { .. } | RunState::Failed { .. }) {
            cell.state = RunState::Stale;
            marked.push(id);
        }
        marked.extend(self.touch(Input::Cell(kind)));
        marked
    }

    /// Adds or replaces (by name) a data set.
    /// Adds or replaces a data set; the cells that read data become stale only when
    /// what they read changed (other bytes, format or role): the same file read again
    /// (dropped twice, or re-sent to a restarted worker) leaves fresh results fresh.
    pub fn put_dataset(&mut self, dataset: DatasetRef) {
        let same = |a: &DatasetRef, b: &DatasetRef| {
            (&a.sha256, a.format, a.role) == (&b.sha256, b.format, b.role)
        };
        if upsert(&mut self.datasets, dataset, |d| &d.name, same) {
            self.touch(Input::Datasets);
        }
    }

    /// Adds or replaces a pipeline; stale only when its fingerprint or inputs changed (a
    /// spec fitted again to the same pipeline changes nothing).
    pub fn put_pipeline(&mut self, pipeline: PipelineRef) {
        let same =
            |a: &PipelineRef, b: &PipelineRef| (&a.sha256, &a.inputs) == (&b.sha256, &b.inputs);
        if upsert(&mut self.pipelines, pipeline, |p| &p.name, same) {
            self.touch(Input::Pipelines);
        }
    }

    pub fn put_model(&mut self, model: ModelRef) {
        let same = |a: &ModelRef, b: &ModelRef| {
            (&a.sha256, a.role, &a.pipeline) == (&b.sha256, b.role, &b.pipeline)
        };
        if upsert(&mut self.models, model, |m| &m.name, same) {
            self.touch(Input::Models);
        }
    }

    /// The first data set with `role`.
    pub fn dataset_with(&self, role: Role) -> Option<&DatasetRef> {
        self.datasets.iter().find(|d| d.role == role)
    }

    /// The role a newly loaded model takes: champion first, then challengers.
    pub fn next_model_role(&self, name: &str) -> ModelRole {
        match self.models.iter().find(|m| m.name == name) {
            Some(m) => m.role,
            None if self.models.iter().any(|m| m.role == ModelRole::Champion) => {
                ModelRole::Challenger
            }
            None => ModelRole::Champion,
        }
    }

    /// As JSON (the share link's payload before compression).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<Self, String> {
        let notebook: Self =
            serde_json::from_str(text).map_err(|e| format!("not a notebook: {e}"))?;
        if notebook.version != Self::VERSION {
            return Err(format!(
                "notebook format {} is not {} (the one this page reads)",
                notebook.version,
                Self::VERSION
            ));
        }
        Ok(notebook)
    }
}

/// Adds `item`, or replaces the one with its key; whether what the cells read changed
/// (a new item, or one that is not `same` as the one it replaces).
fn upsert<T>(
    items: &mut Vec<T>,
    item: T,
    key: impl Fn(&T) -> &String,
    same: impl Fn(&T, &T) -> bool,
) -> bool {
    match items.iter().position(|i| key(i) == key(&item)) {
        Some(at) => {
            let changed = !same(&items[at], &item);
            items[at] = item;
            changed
        }
        None => {
            items.push(item);
            true
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn dataset(name: &str, role: Role) -> DatasetRef {
        DatasetRef {
            name: name.into(),
            role,
            format: FileKind::Csv,
            sha256: "00".into(),
            bytes: 1,
            rows: 1,
            columns: vec!["a".into()],
            guess: crate::state::Selection::default(),
            millis: 0.0,
            memory_bytes: 0,
        }
    }

    fn id_of(n: &Notebook, kind: CellKind) -> u32 {
        n.cells.iter().find(|c| c.kind == kind).unwrap().id
    }

    #[test]
    fn a_new_notebook_offers_every_registered_cell_in_order() {
        let n = Notebook::new();
        let kinds: Vec<_> = n.cells.iter().map(|c| c.kind).collect();
        assert_eq!(kinds, CellKind::OFFERED);
        for kind in CellKind::OFFERED {
            assert_eq!(CellKind::from_key(kind.key()), Some(kind));
        }
    }

    #[test]
    fn the_same_file_read_again_leaves_fresh_results_fresh() {
        let mut n = Notebook::new();
        n.put_dataset(dataset("test.csv", Role::Test));
        for c in &mut n.cells {
            c.state = RunState::Done { millis: 1.0 };
        }
        // Re-read (a restarted worker, the file dropped twice): nothing changed.
        let mut again = dataset("test.csv", Role::Test);
        again.millis = 7.0;
        n.put_dataset(again);
        assert!(n.cells.iter().all(|c| c.state != RunState::Stale));
        // Other bytes under the same name: stale.
        let mut other = dataset("test.csv", Role::Test);
        other.sha256 = "ff".repeat(32);
        n.put_dataset(other);
        assert!(n.cells.iter().any(|c| c.state == RunState::Stale));
    }

    #[test]
    fn changing_data_makes_the_cells_that_read_it_stale_and_their_readers_too() {
        let mut n = Notebook::new();
        for c in &mut n.cells {
            c.state = RunState::Done { millis: 1.0 };
        }
        n.put_dataset(dataset("t.csv", Role::Test));
        let stale: Vec<_> = n
            .cells
            .iter()
            .filter(|c| c.state == RunState::Stale)
            .map(|c| c.kind)
            .collect();
        assert_eq!(
            stale,
            [
                CellKind::Pipeline,
                CellKind::Models,
                CellKind::Evaluate,
                CellKind::Calibration,
                CellKind::Slices,
                CellKind::Robustness,
                CellKind::Compare,
                CellKind::Diagnose,
                CellKind::Errors,
                CellKind::Skew,
                CellKind::Gate
            ]
        );
        // Cells that never ran stay idle.
        let mut n = Notebook::new();
        n.put_dataset(dataset("t.csv", Role::Test));
        assert!(n.cells.iter().all(|c| c.state == RunState::Idle));
    }

    #[test]
    fn editing_evaluate_marks_calibration_not_skew() {
        let mut n = Notebook::new();
        for c in &mut n.cells {
            c.state = RunState::Done { millis: 1.0 };
        }
        let eval = id_of(&n, CellKind::Evaluate);
        let marked = n.edited(eval);
        // Slices and Gate read the Evaluate cell's picks.
        assert_eq!(
            marked,
            [
                eval,
                id_of(&n, CellKind::Calibration),
                id_of(&n, CellKind::Slices),
                id_of(&n, CellKind::Gate)
            ]
        );
        assert_eq!(
            n.cell(id_of(&n, CellKind::Skew)).unwrap().state,
            RunState::Done { millis: 1.0 }
        );
    }

    #[test]
    fn add_remove_reorder() {
        let mut n = Notebook::new();
        let notes = n.add(CellKind::Notes);
        assert_eq!(n.cells.last().unwrap().id, notes);
        n.move_by(notes, -1);
        assert_eq!(n.cells[n.cells.len() - 2].id, notes);
        n.move_by(n.cells[0].id, -1);
        assert_eq!(n.cells[0].kind, CellKind::Data);
        n.remove(notes);
        assert!(n.cell(notes).is_none());
        // Ids are never reused.
        assert!(n.add(CellKind::Notes) > notes);
    }

    #[test]
    fn the_state_round_trips_as_json_without_run_states() {
        let mut n = Notebook::new();
        n.put_dataset(dataset("train.csv", Role::Training));
        n.cells[0].state = RunState::Failed { error: "x".into() };
        let back = Notebook::from_json(&n.to_json()).unwrap();
        assert_eq!(back.datasets, n.datasets);
        assert_eq!(back.cells.len(), n.cells.len());
        assert!(back.cells.iter().all(|c| c.state == RunState::Idle));
        let err = Notebook::from_json(&n.to_json().replace("\"version\":1", "\"version\":9"))
            .unwrap_err();
        assert!(err.contains("format 9"), "{err}");
    }

    #[test]
    fn roles_and_kinds_from_file_names() {
        assert_eq!(Role::guess("train.csv"), Role::Training);
        assert_eq!(Role::guess("train_dev.csv"), Role::TrainDev);
        assert_eq!(Role::guess("Train-Dev.parquet"), Role::TrainDev);
        for role in Role::ALL {
            assert_eq!(Role::from_key(role.key()), Some(role));
        }
        assert_eq!(Role::guess("predictions-0001.jsonl"), Role::Serving);
        assert_eq!(Role::guess("holdout.parquet"), Role::Test);
        assert_eq!(Role::guess("serve-log-2026.jsonl"), Role::Serving);
        assert_eq!(Role::guess("logreg_breast_cancer.csv"), Role::Test);
        assert_eq!(FileKind::of("A.PARQUET").unwrap(), FileKind::Parquet);
        assert_eq!(FileKind::of("t.feather").unwrap(), FileKind::ArrowIpc);
        assert_eq!(FileKind::of("t.arrows").unwrap(), FileKind::ArrowIpc);
        assert_eq!(FileKind::of("m.onnx").unwrap(), FileKind::Onnx);
        assert!(FileKind::of("x.xlsx").unwrap_err().contains("x.xlsx"));
    }

    #[test]
    fn models_take_champion_then_challenger() {
        let mut n = Notebook::new();
        assert_eq!(n.next_model_role("a.onnx"), ModelRole::Champion);
        n.put_model(ModelRef {
            name: "a.onnx".into(),
            role: ModelRole::Champion,
            sha256: String::new(),
            bytes: 0,
            pipeline: None,
            producer: String::new(),
            inputs: vec![],
            outputs: vec![],
            class_labels: None,
        });
        assert_eq!(n.next_model_role("b.onnx"), ModelRole::Challenger);
        assert_eq!(n.next_model_role("a.onnx"), ModelRole::Champion);
    }
}
