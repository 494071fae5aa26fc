//! The Leptos views of the notebook: the toolbar (files, the demo, adding a cell),
//! the cells in their order, each in a [`frame::CellFrame`] (title, run state,
//! collapse, reorder, remove, run), and the status line (`aria-live`).
//!
//! The page holds the notebook's state ([`crate::notebook::Notebook`]) and the cells'
//! outputs; the data lives in the worker, reached through [`crate::client`].

mod calibration;
mod compare;
mod data;
mod diagnose;
mod errors;
mod evaluate;
mod frame;
mod gate;
mod kit;
mod models;
mod notes;
mod pipeline;
mod robustness;
mod share;
mod skew;
mod slices;

use std::collections::HashMap;
use std::sync::Arc;

use leptos::prelude::*;
use lockstep_core::report::EvalReport;

use crate::client;
use crate::notebook::{
    CellInputs, CellKind, CompareInputs, EvalInputs, ModelRole, Notebook, PredictionSource,
    RobustnessInputs, Role, RunState, SkewInputs,
};
use crate::protocol::{Command, Compared, Evaluated, Predicted, Reply, Skewed};
use crate::view::eval::default_slices_spec;
use crate::view::plots::{Plot, split};
use frame::CellFrame;

/// An evaluation as the page shows it: the worker's reply and the report read back.
#[derive(Debug)]
pub struct EvalOutput {
    pub evaluated: Evaluated,
    pub report: EvalReport,
    pub ranking: Vec<Plot>,
    pub calibration: Vec<Plot>,
}

/// What a cell's last run produced.
#[derive(Debug, Clone)]
pub enum Output {
    Evaluated(Arc<EvalOutput>),
    Predicted(Arc<Vec<Predicted>>),
    Skewed(Arc<Skewed>),
    Robust(Arc<RobustOutput>),
    Compared(Arc<ComparedOutput>),
    Gated(Arc<gate::GateOutput>),
    Diagnosed(Arc<diagnose::DiagnoseOutput>),
}

/// Behavioural tests as the page shows them: the worker's reply read back.
#[derive(Debug)]
pub struct RobustOutput {
    pub model: String,
    pub behaviour: lockstep_core::behaviour::BehaviourReport,
    pub report_json: String,
}

/// A comparison as the page shows it: the worker's reply and the report read back.
#[derive(Debug)]
pub struct ComparedOutput {
    pub compared: Compared,
    pub report: lockstep_core::compare::ComparisonReport,
}

/// The page's state; `Copy`, so views capture it freely.
#[derive(Clone, Copy)]
pub struct Ui {
    pub nb: RwSignal<Notebook>,
    pub outputs: RwSignal<HashMap<u32, Output>>,
    /// The cell whose run is in flight (one at a time: a second click cancels it).
    pub running: RwSignal<Option<u32>>,
    /// When the run in flight started (ms, the page's clock).
    pub started: RwSignal<f64>,
    /// Advances while a run is in flight, to show the time taken.
    pub tick: RwSignal<f64>,
    /// The status line, read out by screen readers.
    pub status: RwSignal<String>,
    pub load_error: RwSignal<Option<String>>,
    pub loading: RwSignal<bool>,
}

/// Milliseconds from the page's clock.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

impl Ui {
    fn set_state(self, id: u32, state: RunState) {
        self.nb.update(|n| {
            if let Some(c) = n.cell_mut(id) {
                c.state = state;
            }
        });
    }

    /// Updates a cell's inputs and marks it (and what reads it) stale.
    pub fn edit(self, id: u32, f: impl FnOnce(&mut CellInputs)) {
        self.nb.update(|n| {
            if let Some(c) = n.cell_mut(id) {
                f(&mut c.inputs);
            }
            n.edited(id);
        });
    }

    /// Applies a `Loaded` reply to the notebook, and fills empty inputs with guesses.
    fn loaded(self, reply: Reply) -> Result<usize, String> {
        let (datasets, pipelines, models) = match reply {
            Reply::Loaded {
                datasets,
                pipelines,
                models,
            } => (datasets, pipelines, models),
            Reply::Failed { error } => return Err(error),
            _ => return Ok(0),
        };
        let count = datasets.len() + pipelines.len() + models.len();
        self.nb.update(|n| {
            for d in datasets {
                n.put_dataset(d);
            }
            for p in pipelines {
                n.put_pipeline(p);
            }
            for m in models {
                n.put_model(m);
            }
            fill_defaults(n);
        });
        Ok(count)
    }

    /// Sends files to the worker (the `File` objects, not their bytes).
    pub fn load_files(self, files: Vec<web_sys::File>) {
        for file in files {
            let name = file.name();
            self.loading.set(true);
            self.status.set(format!("Reading {name}…"));
            let command = Command::Load {
                name: name.clone(),
                role: None,
                model_role: None,
            };
            client::send(command, Some(file), move |reply| match reply {
                Reply::Progress { stage, .. } => self.status.set(stage),
                reply => {
                    self.loading.set(false);
                    match self.loaded(reply) {
                        Ok(_) => {
                            self.load_error.set(None);
                            self.status.set(format!("Loaded {name}."));
                        }
                        Err(e) => {
                            self.status.set(format!("Could not load {name}."));
                            self.load_error.set(Some(e));
                        }
                    }
                }
            });
        }
    }

    pub fn load_demo(self) {
        self.loading.set(true);
        self.status.set("Loading the demo…".to_owned());
        client::send(Command::LoadDemo, None, move |reply| match reply {
            Reply::Progress { stage, .. } => self.status.set(stage),
            reply => {
                self.loading.set(false);
                match self.loaded(reply) {
                    Ok(n) => {
                        self.load_error.set(None);
                        self.status.set(format!("Loaded the demo: {n} files."));
                    }
                    Err(e) => self.load_error.set(Some(e)),
                }
            }
        });
    }

    /// Sends a command that changes what the worker holds (a role, a model's pipeline).
    pub fn change(self, command: Command) {
        client::send(command, None, move |reply| {
            if !matches!(reply, Reply::Progress { .. })
                && let Err(e) = self.loaded(reply)
            {
                self.load_error.set(Some(e));
            }
        });
    }

    /// Runs a cell; while a run is in flight, a second click cancels it instead of
    /// queueing another.
    pub fn run(self, id: u32) {
        if let Some(running) = self.running.get_untracked() {
            if running == id {
                self.cancel();
            }
            return;
        }
        let Some(cell) = self.nb.with_untracked(|n| n.cell(id).cloned()) else {
            return;
        };
        let commands = match (&cell.kind, &cell.inputs) {
            (CellKind::Evaluate, CellInputs::Evaluate(inputs)) => {
                vec![Command::Evaluate(inputs.clone())]
            }
            (CellKind::Skew, CellInputs::Skew(inputs)) => vec![Command::Skew(inputs.clone())],
            (CellKind::Robustness, CellInputs::Robustness(inputs)) => {
                match self.nb.with_untracked(|n| robustness_command(n, inputs)) {
                    Ok(command) => vec![command],
                    Err(error) => {
                        self.set_state(id, RunState::Failed { error });
                        return;
                    }
                }
            }
            (CellKind::Compare, CellInputs::Compare(inputs)) => {
                match self.nb.with_untracked(|n| compare_command(n, inputs)) {
                    Ok(command) => vec![command],
                    Err(error) => {
                        self.set_state(id, RunState::Failed { error });
                        return;
                    }
                }
            }
            (CellKind::Slices, CellInputs::Slices(s)) => self
                .nb
                .with_untracked(evaluate_inputs)
                .map(|eval| {
                    vec![Command::Slices {
                        eval,
                        spec: s.spec.clone(),
                    }]
                })
                .unwrap_or_default(),
            (CellKind::Gate, CellInputs::Gate(g)) => {
                let skew_json = self.outputs.with_untracked(|o| {
                    o.values().find_map(|out| match out {
                        Output::Skewed(s) => Some(s.json.clone()),
                        _ => None,
                    })
                });
                self.nb
                    .with_untracked(evaluate_inputs)
                    .map(|eval| {
                        vec![Command::Gate {
                            eval,
                            config: g.config.clone(),
                            skew_json,
                        }]
                    })
                    .unwrap_or_default()
            }
            (CellKind::Diagnose, CellInputs::Diagnose(d)) => vec![Command::Diagnose(d.clone())],
            (CellKind::Errors, CellInputs::Errors(e)) => {
                // The tags are the page's: they do not travel to the worker.
                vec![Command::Errors(crate::notebook::ErrorsInputs {
                    tags: Vec::new(),
                    ..e.clone()
                })]
            }
            (CellKind::Pipeline, CellInputs::Pipeline { spec, training }) => {
                vec![Command::Fit {
                    spec: spec.clone(),
                    training: training.clone(),
                }]
            }
            (CellKind::Models, _) => self.nb.with_untracked(|n| {
                let test = n
                    .dataset_with(Role::Test)
                    .or_else(|| n.datasets.iter().find(|d| d.role != Role::Serving));
                let label = evaluate_inputs(n).map(|e| e.label).unwrap_or_default();
                test.map(|d| {
                    n.models
                        .iter()
                        .map(|m| Command::Predict {
                            model: m.name.clone(),
                            dataset: d.name.clone(),
                            label: if label.is_empty() {
                                d.guess.label.clone()
                            } else {
                                label.clone()
                            },
                        })
                        .collect()
                })
                .unwrap_or_default()
            }),
            (CellKind::Calibration, _) => {
                let evaluated = self.outputs.with_untracked(|o| {
                    self.nb.with_untracked(|n| {
                        n.cells
                            .iter()
                            .filter(|c| c.kind == CellKind::Evaluate)
                            .find_map(|c| match o.get(&c.id) {
                                Some(Output::Evaluated(e)) => Some(e.clone()),
                                _ => None,
                            })
                    })
                });
                match evaluated {
                    Some(e) => {
                        self.outputs
                            .update(|o| drop(o.insert(id, Output::Evaluated(e))));
                        self.set_state(id, RunState::Done { millis: 0.0 });
                        self.status.set("Calibration & threshold: done.".to_owned());
                    }
                    None => self.set_state(
                        id,
                        RunState::Failed {
                            error: "run an Evaluate cell first: this cell reads its report"
                                .to_owned(),
                        },
                    ),
                }
                return;
            }
            _ => return,
        };
        if commands.is_empty() {
            self.set_state(
                id,
                RunState::Failed {
                    error: "nothing to run yet: load a data set and a model".to_owned(),
                },
            );
            return;
        }
        let kind = cell.kind;
        let title = kind.title();
        self.running.set(Some(id));
        self.started.set(now_ms());
        self.set_state(
            id,
            RunState::Running {
                stage: "starting".to_owned(),
                fraction: 0.0,
            },
        );
        self.status.set(format!("{title}: running…"));
        let expected = commands.len();
        let predicted = Arc::new(std::sync::Mutex::new(Vec::new()));
        for command in commands {
            let predicted = predicted.clone();
            client::send(command, None, move |reply| {
                // A reply that comes after a cancel is dropped.
                if self.running.get_untracked() != Some(id) {
                    return;
                }
                let done = |millis: f64, output: Option<Output>| {
                    if let Some(output) = output {
                        self.outputs.update(|o| drop(o.insert(id, output)));
                    }
                    self.running.set(None);
                    self.set_state(id, RunState::Done { millis });
                    self.nb
                        .update(|n| drop(n.touch(crate::notebook::Input::Cell(kind))));
                    self.status
                        .set(format!("{title}: done in {}.", seconds(millis)));
                };
                match reply {
                    Reply::Progress { stage, fraction } => self.set_state(
                        id,
                        RunState::Running {
                            stage,
                            fraction: fraction.unwrap_or(0.0),
                        },
                    ),
                    Reply::Failed { error } => {
                        self.running.set(None);
                        self.outputs.update(|o| drop(o.remove(&id)));
                        self.status.set(format!("{title}: failed: {error}"));
                        self.set_state(id, RunState::Failed { error });
                    }
                    Reply::Evaluated(evaluated) => match crate::host::report_of(&evaluated) {
                        Ok(report) => {
                            let (ranking, calibration) = split(&report);
                            let millis = evaluated.millis;
                            done(
                                millis,
                                Some(Output::Evaluated(Arc::new(EvalOutput {
                                    evaluated,
                                    report,
                                    ranking,
                                    calibration,
                                }))),
                            );
                        }
                        Err(error) => {
                            self.running.set(None);
                            self.set_state(id, RunState::Failed { error });
                        }
                    },
                    Reply::Skewed(skewed) => {
                        let millis = skewed.millis;
                        done(millis, Some(Output::Skewed(Arc::new(skewed))));
                    }
                    Reply::Robust(robust) => match serde_json::from_str(&robust.behaviour) {
                        Ok(behaviour) => done(
                            robust.millis,
                            Some(Output::Robust(Arc::new(RobustOutput {
                                model: robust.model,
                                behaviour,
                                report_json: robust.report_json,
                            }))),
                        ),
                        Err(e) => {
                            self.running.set(None);
                            self.set_state(
                                id,
                                RunState::Failed {
                                    error: format!("cannot read the behavioural tests: {e}"),
                                },
                            );
                        }
                    },
                    Reply::Compared(compared) => {
                        match lockstep_core::compare::export::from_json(&compared.json) {
                            Ok(report) => done(
                                compared.millis,
                                Some(Output::Compared(Arc::new(ComparedOutput {
                                    compared,
                                    report,
                                }))),
                            ),
                            Err(e) => {
                                self.running.set(None);
                                self.set_state(
                                    id,
                                    RunState::Failed {
                                        error: format!("cannot read the comparison: {e}"),
                                    },
                                );
                            }
                        }
                    }
                    Reply::Gated(gated) => match gate::GateOutput::read(gated) {
                        Ok(output) => {
                            let millis = output.gated.millis;
                            done(millis, Some(Output::Gated(Arc::new(output))));
                        }
                        Err(error) => {
                            self.running.set(None);
                            self.set_state(id, RunState::Failed { error });
                        }
                    },
                    Reply::Diagnosed(d) => match diagnose::DiagnoseOutput::read(d) {
                        Ok(output) => {
                            let millis = output.diagnosed.millis;
                            done(millis, Some(Output::Diagnosed(Arc::new(output))));
                        }
                        Err(error) => {
                            self.running.set(None);
                            self.set_state(id, RunState::Failed { error });
                        }
                    },
                    Reply::Predicted(p) => {
                        let all = {
                            let Ok(mut list) = predicted.lock() else {
                                return;
                            };
                            list.push(p);
                            (list.len() == expected).then(|| list.clone())
                        };
                        if let Some(all) = all {
                            let millis = all.iter().map(|p| p.millis).sum();
                            done(millis, Some(Output::Predicted(Arc::new(all))));
                        }
                    }
                    // Asked for by the Slices cell's view, never by a run.
                    Reply::SliceRows(_) => {}
                    reply @ Reply::Loaded { .. } => match self.loaded(reply) {
                        Ok(_) => done(now_ms() - self.started.get_untracked(), None),
                        Err(error) => {
                            self.running.set(None);
                            self.set_state(id, RunState::Failed { error });
                        }
                    },
                }
            });
        }
    }

    /// Stops the run in flight (the worker is restarted with the same files).
    pub fn cancel(self) {
        let Some(id) = self.running.get_untracked() else {
            return;
        };
        self.running.set(None);
        self.outputs.update(|o| drop(o.remove(&id)));
        client::cancel();
        self.set_state(
            id,
            RunState::Failed {
                error: "cancelled".to_owned(),
            },
        );
        self.status.set("Cancelled.".to_owned());
    }
}

/// The Robustness cell's example suite (on the demo's columns).
pub fn robustness_example() -> &'static str {
    robustness::EXAMPLE_SUITE
}

/// `12.3 MB` (10⁶ bytes), or `–` for 0 (nothing held, or no figure).
pub fn megabytes(bytes: usize) -> String {
    if bytes == 0 {
        "–".to_owned()
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}

/// `1.23 s` or `45 ms`.
pub fn seconds(millis: f64) -> String {
    if millis >= 1000.0 {
        format!("{:.2} s", millis / 1000.0)
    } else {
        format!("{millis:.0} ms")
    }
}

/// The first Evaluate cell's inputs.
fn evaluate_inputs(n: &Notebook) -> Option<EvalInputs> {
    n.cells.iter().find_map(|c| match &c.inputs {
        CellInputs::Evaluate(e) => Some(e.clone()),
        _ => None,
    })
}

/// The model a Robustness or Compare cell names, else the first with `role`.
fn model_or(n: &Notebook, chosen: &str, role: ModelRole) -> Option<String> {
    if !chosen.is_empty() {
        return Some(chosen.to_owned());
    }
    n.models
        .iter()
        .find(|m| m.role == role)
        .map(|m| m.name.clone())
}

/// The Robustness cell's command: its model (else the champion) on the Evaluate
/// cell's data and label.
fn robustness_command(n: &Notebook, inputs: &RobustnessInputs) -> Result<Command, String> {
    let eval = evaluate_inputs(n)
        .filter(|e| !e.dataset.is_empty())
        .ok_or("load a data set: this cell tests the model on the Evaluate cell's data")?;
    let model = model_or(n, &inputs.model, ModelRole::Champion)
        .ok_or("load a model: behavioural tests run a model")?;
    Ok(Command::Robustness {
        eval,
        model,
        spec: inputs.spec.clone(),
    })
}

/// The Compare cell's command: its champion and challenger on the Evaluate cell's
/// data, label, threshold and positive class.
fn compare_command(n: &Notebook, inputs: &CompareInputs) -> Result<Command, String> {
    let eval = evaluate_inputs(n)
        .filter(|e| !e.dataset.is_empty())
        .ok_or("load a data set: this cell compares the models on the Evaluate cell's data")?;
    let champion =
        model_or(n, &inputs.champion, ModelRole::Champion).ok_or("load a champion model")?;
    let challenger = model_or(n, &inputs.challenger, ModelRole::Challenger)
        .ok_or("load a challenger model (a second .onnx takes that role)")?;
    Ok(Command::Compare {
        eval,
        champion,
        challenger,
        settings: inputs.settings.clone(),
        slices: inputs.slices.clone(),
    })
}

/// Fills inputs nobody chose yet: Evaluate reads the test set (else any table) with
/// its guessed label and the champion; Skew replays the champion against training
/// data; Pipeline fits on the training set.
fn fill_defaults(n: &mut Notebook) {
    let table = n
        .dataset_with(Role::Test)
        .or_else(|| n.dataset_with(Role::Dev))
        .or_else(|| n.datasets.iter().find(|d| d.role != Role::Serving))
        .cloned();
    let training = n.dataset_with(Role::Training).map(|d| d.name.clone());
    let champion = n
        .models
        .iter()
        .find(|m| m.role == ModelRole::Champion)
        .map(|m| m.name.clone());
    for cell in &mut n.cells {
        match &mut cell.inputs {
            CellInputs::Evaluate(e) => {
                if let Some(t) = &table
                    && (e.dataset.is_empty() || !t.columns.contains(&e.label))
                {
                    e.dataset.clone_from(&t.name);
                    e.label.clone_from(&t.guess.label);
                }
                let source_gone = match &e.source {
                    Some(PredictionSource::Model(m)) => !n.models.iter().any(|x| &x.name == m),
                    Some(_) => false,
                    None => true,
                };
                if source_gone {
                    e.source = champion.clone().map(PredictionSource::Model).or_else(|| {
                        table.as_ref().and_then(|t| {
                            (!t.guess.score.is_empty())
                                .then(|| PredictionSource::Score(t.guess.score.clone()))
                                .or_else(|| {
                                    (!t.guess.prediction.is_empty()).then(|| {
                                        PredictionSource::Column(t.guess.prediction.clone())
                                    })
                                })
                        })
                    });
                }
            }
            CellInputs::Skew(SkewInputs {
                model, training: t, ..
            }) => {
                if model.is_empty()
                    && let Some(c) = &champion
                {
                    model.clone_from(c);
                }
                if t.is_empty()
                    && let Some(tr) = &training
                {
                    t.clone_from(tr);
                }
            }
            CellInputs::Slices(s) => {
                if s.spec.is_empty()
                    && let Some(t) = &table
                {
                    let g = &t.guess;
                    s.spec = default_slices_spec(
                        &t.columns,
                        &[g.label.as_str(), g.prediction.as_str(), g.score.as_str()],
                    );
                }
            }
            CellInputs::Diagnose(d) => {
                let pick = |field: &mut String, role: Role| {
                    if field.is_empty()
                        && let Some(ds) = n.datasets.iter().find(|x| x.role == role)
                    {
                        field.clone_from(&ds.name);
                    }
                };
                pick(&mut d.train, Role::Training);
                pick(&mut d.train_dev, Role::TrainDev);
                pick(&mut d.dev, Role::Dev);
                pick(&mut d.test, Role::Test);
                if d.model.is_empty()
                    && let Some(c) = &champion
                {
                    d.model.clone_from(c);
                }
                if d.label.is_empty()
                    && let Some(t) = &table
                {
                    d.label.clone_from(&t.guess.label);
                }
            }
            CellInputs::Errors(e) => {
                if e.dataset.is_empty()
                    && let Some(ds) = n
                        .datasets
                        .iter()
                        .find(|x| x.role == Role::Dev)
                        .or(table.as_ref())
                {
                    e.dataset.clone_from(&ds.name);
                }
                if e.model.is_empty()
                    && let Some(c) = &champion
                {
                    e.model.clone_from(c);
                }
                if e.label.is_empty()
                    && let Some(t) = &table
                {
                    e.label.clone_from(&t.guess.label);
                }
            }
            CellInputs::Gate(g) if g.config.is_empty() => {
                g.config = crate::view::gate::DEFAULT_GATE.to_owned();
            }
            CellInputs::Pipeline { training: t, .. } => {
                if t.is_empty()
                    && let Some(tr) = &training
                {
                    t.clone_from(tr);
                }
            }
            _ => {}
        }
    }
}

/// Every file of a file list.
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let ui = Ui {
        nb: RwSignal::new(Notebook::new()),
        outputs: RwSignal::new(HashMap::new()),
        running: RwSignal::new(None),
        started: RwSignal::new(0.0),
        tick: RwSignal::new(0.0),
        status: RwSignal::new(String::new()),
        load_error: RwSignal::new(None),
        loading: RwSignal::new(false),
    };
    provide_context(ui);
    share::provide(ui);
    // The elapsed time of a run in flight, four times a second (the UI thread is free:
    // the work runs in the worker).
    let _ = set_interval_with_handle(
        move || {
            if ui.running.get_untracked().is_some() {
                ui.tick.set(now_ms());
            }
        },
        std::time::Duration::from_millis(250),
    );
    let dragging = RwSignal::new(false);
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        let files = files_of(ev.data_transfer().and_then(|d| d.files()));
        if !files.is_empty() {
            ui.load_files(files);
        }
    };
    let adding = RwSignal::new(CellKind::Notes);
    let theme = RwSignal::new("auto");
    view! {
        <div
            class="page"
            class:dragging=move || dragging.get()
            on:dragover=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                dragging.set(true);
            }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop
        >
            <header class="top">
                <h1>"Lockstep"</h1>
                <p class="tagline">
                    "Evaluate models in your browser. Files are read and evaluated on this page, in a background worker, and never uploaded."
                </p>
                <div class="row toolbar">
                    <button data-testid="load-demo" on:click=move |_| ui.load_demo() disabled=move || ui.loading.get()>
                        "Load the demo"
                    </button>
                    <label class="file button">
                        "Add files (CSV, Parquet, Arrow/Feather, JSON Lines, .onnx, pipeline.json)"
                        <input
                            type="file"
                            multiple=true
                            accept=".csv,.txt,.parquet,.pq,.arrow,.feather,.arrows,.jsonl,.ndjson,.onnx,.json"
                            data-testid="file-input"
                            on:change=move |ev| {
                                let input: web_sys::HtmlInputElement = event_target(&ev);
                                ui.load_files(files_of(input.files()));
                                input.set_value("");
                            }
                        />
                    </label>
                    <span class="hint">"or drop files anywhere on the page"</span>
                    <button
                        class="theme"
                        data-testid="theme-toggle"
                        title="Light, dark, or the system's theme"
                        on:click=move |_| {
                            let next = next_theme(theme.get_untracked());
                            theme.set(next);
                            apply_theme(next);
                        }
                    >
                        {move || format!("Theme: {}", theme.get())}
                    </button>
                </div>
                <share::ShareBar />
                {move || {
                    ui.load_error
                        .get()
                        .map(|e| view! { <p class="error" role="alert" data-testid="load-error">{e}</p> })
                }}
            </header>
            <p class="status" role="status" aria-live="polite" data-testid="status">
                {move || ui.status.get()}
            </p>
            <main aria-busy=move || ui.running.get().is_some().to_string()>
                <share::OpenedLink />
                <For
                    each=move || ui.nb.with(|n| n.cells.iter().map(|c| (c.id, c.kind)).collect::<Vec<_>>())
                    key=|(id, _)| *id
                    children=move |(id, kind)| view! { <CellFrame id kind /> }
                />
                <div class="row add-cell">
                    <label>
                        "Add a cell "
                        <select
                            data-testid="add-cell-kind"
                            on:change=move |ev| {
                                if let Some(k) = CellKind::from_key(&event_target_value(&ev)) {
                                    adding.set(k);
                                }
                            }
                        >
                            {CellKind::OFFERED
                                .into_iter()
                                .map(|k| {
                                    view! {
                                        <option value=k.key() selected=move || adding.get() == k>
                                            {k.title()}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    </label>
                    <button data-testid="add-cell" on:click=move |_| ui.nb.update(|n| { n.add(adding.get_untracked()); })>
                        "Add"
                    </button>
                </div>
            </main>
            <footer>"Computed by lockstep-core compiled to WebAssembly, in a Web Worker."</footer>
        </div>
    }
}

/// The theme toggle's cycle: the system's theme, dark, light.
fn next_theme(theme: &str) -> &'static str {
    match theme {
        "auto" => "dark",
        "dark" => "light",
        _ => "auto",
    }
}

/// Sets `html[data-theme]` (the style sheet and the charts' colours follow it);
/// `auto` removes it, so `prefers-color-scheme` decides.
fn apply_theme(theme: &str) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let _ = if theme == "auto" {
        root.remove_attribute("data-theme")
    } else {
        root.set_attribute("data-theme", theme)
    };
}
