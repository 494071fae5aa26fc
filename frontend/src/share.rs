//! Share links in the page: the notebook's state → core's [`NotebookState`] (the
//! `#s1.` link `lockstep eval --link` also writes), and back. Plain Rust over the
//! page's [`Notebook`], tested natively; [`crate::components`] only calls it.
//!
//! ## Data flow
//!
//! ```text
//! Notebook + the Evaluate cell's report ─ state_of ─ NotebookState ─ share::encode ─ "#s1.…"
//! "#s1.…" ─ share::decode (all or nothing) ─ open: the cells' layout and notes at once
//!        ─ the user's files ─ check_files (sha256 per artefact) ─ all match: apply_settings, re-run
//!                                                                 ─ a mismatch: a warning naming the artefact
//! ```
//!
//! A link names files by role (`test`, `champion`, `pipeline`, … or the CLI's `data`,
//! `model`, `pipeline`) with their fingerprints. A loaded file answers for a role when it
//! has the link's name, else when it plays that role here. Nothing the link sets that
//! depends on the data (columns, models, settings) is applied before every file is
//! checked, unless the user chooses to apply the settings alone.

use std::collections::HashMap;

use lockstep_core::report::EvalReport;
use lockstep_core::share::{
    Cell as LinkCell, EvalSettings, FileKind as LinkKind, Note, NotebookState, Prediction,
    RoleFile, SettingsText, Summary, Tag, TextFormat,
};

use crate::notebook::{
    CalibrationInputs, CellInputs, CellKind, CompareInputs, DiagnoseInputs, ErrorsInputs,
    EvalInputs, GateCellInputs, ModelRole, Notebook, PredictionSource, RobustnessInputs, Role,
    RowTag, SkewInputs, SlicesInputs,
};

/// The Diagnose cell's own settings in a link (JSON): the optimal error and the
/// learning-curve table; the data sets and the model travel as the cell's roles.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
struct DiagnoseSettings {
    label: String,
    optimal: String,
    optimal_kind: String,
    curves: String,
}

/// The Error analysis cell's own settings in a link (JSON); its tags travel in
/// [`NotebookState::tags`] (row numbers and tags only).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
struct ErrorsSettings {
    label: String,
    limit: String,
    seed: String,
}

fn json_text<T: serde::Serialize>(value: &T, empty: bool) -> Option<SettingsText> {
    if empty {
        return None;
    }
    serde_json::to_string(value).ok().map(|text| SettingsText {
        format: TextFormat::Json,
        text,
    })
}

/// The threshold name the Evaluate cell's threshold goes under.
pub const DECISION: &str = "decision";

fn text_of(text: &str) -> Option<SettingsText> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    let format = if trimmed.starts_with('{') {
        TextFormat::Json
    } else {
        TextFormat::Toml
    };
    Some(SettingsText {
        format,
        text: text.to_owned(),
    })
}

/// Roles, one per file: `test`, `champion`, `pipeline`…; a second file of a role
/// takes `test-2`.
fn unique_role(taken: &mut HashMap<String, usize>, base: &str) -> String {
    let count = taken.entry(base.to_owned()).or_insert(0);
    *count += 1;
    if *count == 1 {
        base.to_owned()
    } else {
        format!("{base}-{count}")
    }
}

/// The files the notebook holds, with their roles, and a name → role map.
fn files_of(nb: &Notebook) -> (Vec<RoleFile>, HashMap<String, String>) {
    let mut taken = HashMap::new();
    let mut files = Vec::new();
    let mut roles = HashMap::new();
    let mut push = |files: &mut Vec<RoleFile>, base: &str, kind, name: &str, sha256: &str| {
        let role = unique_role(&mut taken, base);
        roles.insert(name.to_owned(), role.clone());
        files.push(RoleFile {
            role,
            kind,
            name: name.to_owned(),
            sha256: sha256.to_owned(),
        });
    };
    for d in &nb.datasets {
        let kind = if d.role == Role::Serving {
            LinkKind::Log
        } else {
            LinkKind::Data
        };
        push(&mut files, d.role.key(), kind, &d.name, &d.sha256);
    }
    for p in &nb.pipelines {
        push(
            &mut files,
            "pipeline",
            LinkKind::Pipeline,
            &p.name,
            &p.sha256,
        );
    }
    for m in &nb.models {
        push(
            &mut files,
            m.role.key(),
            LinkKind::Model,
            &m.name,
            &m.sha256,
        );
    }
    (files, roles)
}

/// The share state of the notebook: its cells (order, collapsed, the roles each reads,
/// their settings), the first Evaluate cell's settings and threshold, the notes, the
/// files' names and fingerprints, and `report`'s headline numbers. Never a data row.
pub fn state_of(nb: &Notebook, report: Option<&EvalReport>) -> NotebookState {
    let (files, roles) = files_of(nb);
    let role = |name: &str| roles.get(name).cloned();
    let model_roles = |name: &str| -> Vec<String> {
        let pipeline = nb
            .models
            .iter()
            .find(|m| m.name == name)
            .and_then(|m| m.pipeline.as_deref());
        [Some(name), pipeline]
            .into_iter()
            .flatten()
            .filter_map(role)
            .collect()
    };
    let mut settings = EvalSettings::default();
    let mut thresholds = std::collections::BTreeMap::new();
    let mut notes = Vec::new();
    let mut tags = Vec::new();
    let mut evaluated = false;
    let cells = nb
        .cells
        .iter()
        .map(|c| {
            let (inputs, text) = match &c.inputs {
                CellInputs::Evaluate(e) => {
                    let mut inputs: Vec<String> = role(&e.dataset).into_iter().collect();
                    if let Some(PredictionSource::Model(m)) = &e.source {
                        inputs.extend(model_roles(m));
                    }
                    if !evaluated {
                        evaluated = true;
                        settings = eval_settings(e, &role);
                        if let Ok(Some(t)) = crate::view::eval::parse_threshold(&e.threshold) {
                            thresholds.insert(DECISION.to_owned(), t);
                        }
                    }
                    (inputs, None)
                }
                CellInputs::Pipeline { spec, training } => {
                    (role(training).into_iter().collect(), text_of(spec))
                }
                CellInputs::Skew(s) => {
                    let mut inputs = model_roles(&s.model);
                    inputs.extend(role(&s.training));
                    (inputs, text_of(&s.config))
                }
                CellInputs::Robustness(r) => (
                    if r.model.is_empty() {
                        Vec::new()
                    } else {
                        model_roles(&r.model)
                    },
                    text_of(&r.spec),
                ),
                CellInputs::Compare(k) => (
                    [&k.champion, &k.challenger]
                        .into_iter()
                        .filter(|m| !m.is_empty())
                        .flat_map(|m| model_roles(m))
                        .collect(),
                    text_of(&k.settings),
                ),
                CellInputs::Slices(k) => (Vec::new(), text_of(&k.spec)),
                // The page's default gate (what an empty config runs, and what a Gate
                // cell is filled with) carries nothing: leaving it out keeps the demo's
                // link under the typical budget; the opened cell is filled with it.
                CellInputs::Gate(g) => (
                    Vec::new(),
                    text_of(&g.config)
                        .filter(|t| t.text.trim() != crate::view::gate::DEFAULT_GATE.trim()),
                ),
                CellInputs::Diagnose(d) => {
                    let mut inputs: Vec<String> = [&d.train, &d.train_dev, &d.dev, &d.test]
                        .into_iter()
                        .filter_map(|n| role(n))
                        .collect();
                    if !d.model.is_empty() {
                        inputs.extend(model_roles(&d.model));
                    }
                    let own = DiagnoseSettings {
                        label: d.label.clone(),
                        optimal: d.optimal.clone(),
                        optimal_kind: d.optimal_kind.clone(),
                        curves: d.curves.clone(),
                    };
                    let empty = [&own.label, &own.optimal, &own.optimal_kind, &own.curves]
                        .iter()
                        .all(|t| t.is_empty());
                    (inputs, json_text(&own, empty))
                }
                CellInputs::Errors(e) => {
                    let mut inputs: Vec<String> = role(&e.dataset).into_iter().collect();
                    if !e.model.is_empty() {
                        inputs.extend(model_roles(&e.model));
                    }
                    // One Errors cell's tags travel (the first with any).
                    if tags.is_empty() {
                        tags = e
                            .tags
                            .iter()
                            .map(|t| Tag {
                                row: t.row,
                                tag: t.tag.clone(),
                                note: None,
                            })
                            .collect();
                    }
                    let own = ErrorsSettings {
                        label: e.label.clone(),
                        limit: e.limit.clone(),
                        seed: e.seed.clone(),
                    };
                    let empty = [&own.label, &own.limit, &own.seed]
                        .iter()
                        .all(|t| t.is_empty());
                    (inputs, json_text(&own, empty))
                }
                CellInputs::Notes { markdown } => {
                    if !markdown.trim().is_empty() {
                        notes.push(Note {
                            cell: Some(cell_id(c.id)),
                            text: markdown.clone(),
                        });
                    }
                    (Vec::new(), None)
                }
                CellInputs::Calibration(_) | CellInputs::None => (Vec::new(), None),
            };
            LinkCell {
                id: cell_id(c.id),
                kind: c.kind.key().to_owned(),
                collapsed: c.collapsed,
                inputs,
                settings: text,
                slices: match &c.inputs {
                    CellInputs::Compare(k) => text_of(&k.slices),
                    _ => None,
                },
            }
        })
        .collect();
    NotebookState {
        cells,
        settings,
        contract: None,
        thresholds,
        tags,
        notes,
        files,
        summary: report.map(Summary::of_report).unwrap_or_default(),
    }
}

fn cell_id(id: u32) -> String {
    format!("c{id}")
}

fn eval_settings(e: &EvalInputs, role: &dyn Fn(&str) -> Option<String>) -> EvalSettings {
    let prediction = e.source.as_ref().map(|s| match s {
        PredictionSource::Model(m) => Prediction::Model(role(m).unwrap_or_else(|| m.clone())),
        PredictionSource::Score(c) => Prediction::Score(c.clone()),
        PredictionSource::Column(c) => Prediction::Column(c.clone()),
    });
    let positive = e.positive_label.trim();
    EvalSettings {
        label: (!e.label.is_empty()).then(|| e.label.clone()),
        prediction,
        config: text_of(&e.settings),
        positive_label: (!positive.is_empty()).then(|| positive.to_owned()),
        ..EvalSettings::default()
    }
}

/// What opening a link did at once, and what waits for the files.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    pub state: NotebookState,
    /// The page's cell id of each of the link's cells that this page offers.
    pub cells: Vec<(u32, usize)>,
    /// Cells of kinds this page does not offer (left out, said so).
    pub skipped: Vec<String>,
}

/// Lays out the link's cells (order, collapsed, notes) in `nb` in place of its own;
/// every data-dependent input waits for [`apply_settings`]. A link without cells
/// keeps the notebook's.
pub fn open(nb: &mut Notebook, state: NotebookState) -> Opened {
    let mut cells = Vec::new();
    let mut skipped = Vec::new();
    if !state.cells.is_empty() {
        nb.cells.clear();
        for (at, cell) in state.cells.iter().enumerate() {
            let Some(kind) = CellKind::from_key(&cell.kind) else {
                skipped.push(cell.kind.clone());
                continue;
            };
            let id = nb.add(kind);
            if let Some(c) = nb.cell_mut(id) {
                c.collapsed = cell.collapsed;
                if kind == CellKind::Notes {
                    c.inputs = CellInputs::Notes {
                        markdown: notes_of(&state, &cell.id),
                    };
                }
            }
            cells.push((id, at));
        }
    }
    Opened {
        state,
        cells,
        skipped,
    }
}

/// The notes written on the cell `id` (and, on the first Notes cell, those on the
/// whole notebook), one paragraph each.
fn notes_of(state: &NotebookState, id: &str) -> String {
    let first_notes = state
        .cells
        .iter()
        .find(|c| c.kind == "notes")
        .map(|c| &c.id);
    state
        .notes
        .iter()
        .filter(|n| match &n.cell {
            Some(cell) => cell == id,
            None => first_notes.is_some_and(|f| f == id),
        })
        .map(|n| n.text.as_str())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Sets every cell's inputs from the link: the data set, label, predictions,
/// threshold and settings of the evaluation, and each cell's own settings. `name_of`
/// maps a role of the link to the name of the file that answers for it here.
pub fn apply_settings(nb: &mut Notebook, opened: &Opened, name_of: &dyn Fn(&str) -> String) {
    let state = &opened.state;
    let s = &state.settings;
    let file_with = |roles: &[String], kind: LinkKind| -> String {
        roles
            .iter()
            .filter_map(|r| state.files.iter().find(|f| &f.role == r))
            .find(|f| f.kind == kind)
            .map(|f| name_of(&f.role))
            .unwrap_or_default()
    };
    let mut tags_given = false;
    for &(id, at) in &opened.cells {
        let Some(link_cell) = state.cells.get(at) else {
            continue;
        };
        let Some(cell) = nb.cell_mut(id) else {
            continue;
        };
        let own = link_cell
            .settings
            .as_ref()
            .map(|t| t.text.clone())
            .unwrap_or_default();
        let inputs = &link_cell.inputs;
        cell.inputs = match cell.kind {
            CellKind::Evaluate => {
                let mut dataset = file_with(inputs, LinkKind::Data);
                if dataset.is_empty() {
                    // A CLI link's evaluate cell reads every file; its data is `data`.
                    dataset = state
                        .files
                        .iter()
                        .find(|f| f.kind == LinkKind::Data)
                        .map(|f| name_of(&f.role))
                        .unwrap_or_default();
                }
                CellInputs::Evaluate(EvalInputs {
                    dataset,
                    label: s.label.clone().unwrap_or_default(),
                    source: s.prediction.as_ref().map(|p| match p {
                        Prediction::Model(role) => PredictionSource::Model(name_of(role)),
                        Prediction::Score(c) => PredictionSource::Score(c.clone()),
                        Prediction::Column(c) => PredictionSource::Column(c.clone()),
                    }),
                    threshold: state
                        .thresholds
                        .get(DECISION)
                        .map(|t| t.to_string())
                        .unwrap_or_default(),
                    positive_label: s.positive_label.clone().unwrap_or_default(),
                    settings: s
                        .config
                        .as_ref()
                        .or(state.contract.as_ref())
                        .map(|t| t.text.clone())
                        .unwrap_or_default(),
                })
            }
            CellKind::Pipeline => CellInputs::Pipeline {
                spec: own,
                training: file_with(inputs, LinkKind::Data),
            },
            CellKind::Skew => CellInputs::Skew(SkewInputs {
                model: file_with(inputs, LinkKind::Model),
                training: file_with(inputs, LinkKind::Data),
                config: own,
            }),
            CellKind::Robustness => CellInputs::Robustness(RobustnessInputs {
                model: file_with(inputs, LinkKind::Model),
                spec: own,
            }),
            CellKind::Compare => {
                let models: Vec<String> = inputs
                    .iter()
                    .filter_map(|r| state.files.iter().find(|f| &f.role == r))
                    .filter(|f| f.kind == LinkKind::Model)
                    .map(|f| name_of(&f.role))
                    .collect();
                CellInputs::Compare(CompareInputs {
                    champion: models.first().cloned().unwrap_or_default(),
                    challenger: models.get(1).cloned().unwrap_or_default(),
                    settings: own,
                    // Its second text: the slices file (absent from older links).
                    slices: link_cell
                        .slices
                        .as_ref()
                        .map(|t| t.text.clone())
                        .unwrap_or_default(),
                })
            }
            CellKind::Slices => CellInputs::Slices(SlicesInputs { spec: own }),
            CellKind::Gate => CellInputs::Gate(GateCellInputs { config: own }),
            CellKind::Diagnose => {
                let own: DiagnoseSettings = serde_json::from_str(&own).unwrap_or_default();
                let mut d = DiagnoseInputs {
                    optimal: own.optimal,
                    optimal_kind: own.optimal_kind,
                    curves: own.curves,
                    model: file_with(inputs, LinkKind::Model),
                    label: own.label,
                    ..DiagnoseInputs::default()
                };
                for r in inputs {
                    let Some(f) = state.files.iter().find(|f| &f.role == r) else {
                        continue;
                    };
                    if f.kind != LinkKind::Data {
                        continue;
                    }
                    let field = match Role::from_key(base_role(r)) {
                        Some(Role::Training) => &mut d.train,
                        Some(Role::TrainDev) => &mut d.train_dev,
                        Some(Role::Dev) => &mut d.dev,
                        Some(Role::Test) => &mut d.test,
                        _ => continue,
                    };
                    *field = name_of(r);
                }
                CellInputs::Diagnose(d)
            }
            CellKind::Errors => {
                let own: ErrorsSettings = serde_json::from_str(&own).unwrap_or_default();
                let tags = if tags_given {
                    Vec::new()
                } else {
                    tags_given = true;
                    state
                        .tags
                        .iter()
                        .map(|t| RowTag {
                            row: t.row,
                            tag: t.tag.clone(),
                        })
                        .collect()
                };
                CellInputs::Errors(ErrorsInputs {
                    dataset: file_with(inputs, LinkKind::Data),
                    model: file_with(inputs, LinkKind::Model),
                    label: own.label,
                    limit: own.limit,
                    seed: own.seed,
                    tags,
                })
            }
            CellKind::Calibration => CellInputs::Calibration(CalibrationInputs::default()),
            CellKind::Notes => continue,
            CellKind::Data | CellKind::Models => CellInputs::None,
        };
    }
}

/// How a file of the link stands against the files loaded here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileStatus {
    /// No loaded file answers for it yet.
    Waiting,
    /// `name` has the link's fingerprint.
    Matched { name: String },
    /// `name` answers for it with another fingerprint.
    Mismatch { name: String, sha256: String },
}

/// One file of the link and its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCheck {
    pub file: RoleFile,
    pub status: FileStatus,
}

/// `test` for `test-2`: the role without its ordinal.
fn base_role(role: &str) -> &str {
    match role.rsplit_once('-') {
        Some((base, n)) if n.bytes().all(|b| b.is_ascii_digit()) && !n.is_empty() => base,
        _ => role,
    }
}

/// The loaded files a link's file may be, by kind: (name, sha256, whether it plays
/// the file's role here).
fn candidates(nb: &Notebook, file: &RoleFile) -> Vec<(String, String, bool)> {
    let role = base_role(&file.role);
    match file.kind {
        LinkKind::Data | LinkKind::Log => nb
            .datasets
            .iter()
            .filter(|d| (d.role == Role::Serving) == (file.kind == LinkKind::Log))
            .map(|d| {
                let plays = match role {
                    "data" => d.role == Role::Test,
                    other => Role::from_key(other) == Some(d.role),
                };
                (d.name.clone(), d.sha256.clone(), plays)
            })
            .collect(),
        LinkKind::Model => nb
            .models
            .iter()
            .map(|m| {
                let plays = match role {
                    "model" => m.role == ModelRole::Champion,
                    other => other == m.role.key(),
                };
                (m.name.clone(), m.sha256.clone(), plays)
            })
            .collect(),
        LinkKind::Pipeline => nb
            .pipelines
            .iter()
            .map(|p| (p.name.clone(), p.sha256.clone(), true))
            .collect(),
    }
}

/// Each file of the link against the loaded files: the file with the link's name, else
/// one that plays its role here; matched when the sha256 fingerprints are equal.
pub fn check_files(files: &[RoleFile], nb: &Notebook) -> Vec<FileCheck> {
    files
        .iter()
        .map(|file| {
            let found = candidates(nb, file);
            let by_name = found.iter().find(|(name, _, _)| *name == file.name);
            let by_sha = found.iter().find(|(_, sha, _)| *sha == file.sha256);
            let by_role = found.iter().find(|(_, _, plays)| *plays);
            let status = match by_name.or(by_sha).or(by_role) {
                None => FileStatus::Waiting,
                Some((name, sha, _)) if *sha == file.sha256 => {
                    FileStatus::Matched { name: name.clone() }
                }
                Some((name, sha, _)) => FileStatus::Mismatch {
                    name: name.clone(),
                    sha256: sha.clone(),
                },
            };
            FileCheck {
                file: file.clone(),
                status,
            }
        })
        .collect()
}

/// `test data "test.csv"`, `champion model "champion.onnx"`: the artefact in words.
pub fn describe(file: &RoleFile) -> String {
    let what = match file.kind {
        LinkKind::Data => "data",
        LinkKind::Log => "serving log",
        LinkKind::Model => "model",
        LinkKind::Pipeline => "",
    };
    let role = base_role(&file.role);
    let lead = match (role, what) {
        ("pipeline", _) => "pipeline".to_owned(),
        ("serving", w) | ("data", w) | ("model", w) => w.to_owned(),
        (r, w) => format!("{r} {w}"),
    };
    format!("{lead} \"{}\"", file.name)
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

/// The warning for a file that is not the one the link was made with.
pub fn mismatch_message(file: &RoleFile, name: &str, sha256: &str) -> String {
    format!(
        "Fingerprint mismatch for the {}: \"{name}\" has sha256 {}…, the link was made with {}…. \
         It is not the same file, so the numbers will not be the link's.",
        describe(file),
        short(sha256),
        short(&file.sha256)
    )
}

/// The differences between the link's summary and a re-run's (rows, task, each
/// metric's estimate and interval, the contract's verdict); empty when they agree.
pub fn summary_differences(link: &Summary, rerun: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    if link.rows.is_some() && link.rows != rerun.rows {
        out.push(format!(
            "rows: the link says {:?}, the re-run has {:?}",
            link.rows, rerun.rows
        ));
    }
    for m in &link.metrics {
        match rerun.metrics.iter().find(|r| r.name == m.name) {
            None => out.push(format!("{}: not in the re-run", m.name)),
            Some(r) if (r.estimate, r.lower, r.upper) != (m.estimate, m.lower, m.upper) => {
                out.push(format!(
                    "{}: the link says {:?} [{:?}, {:?}], the re-run {:?} [{:?}, {:?}]",
                    m.name, m.estimate, m.lower, m.upper, r.estimate, r.lower, r.upper
                ));
            }
            Some(_) => {}
        }
    }
    if link.contract_passed.is_some() && link.contract_passed != rerun.contract_passed {
        out.push("the contract's verdict differs".to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use crate::notebook::{DatasetRef, FileKind, ModelRef, PipelineRef};
    use lockstep_core::share::{decode, encode};

    fn notebook() -> Notebook {
        let mut n = Notebook::new();
        for (name, role, sha) in [
            ("train.csv", Role::Training, "aa"),
            ("test.csv", Role::Test, "bb"),
            ("predictions-1.jsonl", Role::Serving, "cc"),
            ("predictions-2.jsonl", Role::Serving, "dd"),
        ] {
            n.put_dataset(DatasetRef {
                name: name.into(),
                role,
                format: FileKind::Csv,
                sha256: sha.into(),
                bytes: 1,
                rows: 1,
                columns: vec!["label".into(), "x".into()],
                guess: crate::state::Selection::default(),
                millis: 0.0,
                memory_bytes: 0,
            });
        }
        n.put_pipeline(PipelineRef {
            name: "pipeline.json".into(),
            sha256: "ee".into(),
            origin: String::new(),
            inputs: vec![],
            features: vec![],
            fitted_json: None,
        });
        for (name, role, sha) in [
            ("champion.onnx", ModelRole::Champion, "ff"),
            ("challenger.onnx", ModelRole::Challenger, "11"),
        ] {
            n.put_model(ModelRef {
                name: name.into(),
                role,
                sha256: sha.into(),
                bytes: 1,
                pipeline: Some("pipeline.json".into()),
                producer: String::new(),
                inputs: vec![],
                outputs: vec![],
                class_labels: None,
            });
        }
        for c in &mut n.cells {
            match &mut c.inputs {
                CellInputs::Evaluate(e) => {
                    e.dataset = "test.csv".into();
                    e.label = "label".into();
                    e.source = Some(PredictionSource::Model("champion.onnx".into()));
                    e.threshold = "0.4".into();
                }
                CellInputs::Notes { markdown } => *markdown = "Looks **good**.".into(),
                CellInputs::Robustness(r) => r.spec = "[settings]\nseed = 3\n".into(),
                CellInputs::Compare(k) => {
                    k.champion = "champion.onnx".into();
                    k.challenger = "challenger.onnx".into();
                    k.slices = "[[by]]\ncolumns = [\"device\"]\n".into();
                }
                CellInputs::Diagnose(d) => {
                    d.train = "train.csv".into();
                    d.test = "test.csv".into();
                    d.model = "champion.onnx".into();
                    d.label = "label".into();
                    d.optimal = "0.02".into();
                    d.optimal_kind = "bayes".into();
                    d.curves = "size,train_error,dev_error\n100,0.1,0.3\n".into();
                }
                CellInputs::Errors(e) => {
                    e.dataset = "test.csv".into();
                    e.model = "champion.onnx".into();
                    e.label = "label".into();
                    e.limit = "50".into();
                    e.tags = vec![
                        crate::notebook::RowTag {
                            row: 3,
                            tag: "blurry".into(),
                        },
                        crate::notebook::RowTag {
                            row: 9,
                            tag: "label, wrong".into(),
                        },
                    ];
                }
                _ => {}
            }
        }
        n
    }

    #[test]
    fn a_notebook_round_trips_through_a_link() {
        let mut n = notebook();
        n.move_by(n.cells[8].id, -1); // Notes above Skew
        n.cells[0].collapsed = true;
        let state = state_of(&n, None);
        assert_eq!(
            state
                .files
                .iter()
                .map(|f| f.role.as_str())
                .collect::<Vec<_>>(),
            [
                "training",
                "test",
                "serving",
                "serving-2",
                "pipeline",
                "champion",
                "challenger"
            ]
        );
        // The tags travel as row numbers and tags only.
        assert_eq!(
            state
                .tags
                .iter()
                .map(|t| (t.row, t.tag.as_str()))
                .collect::<Vec<_>>(),
            [(3, "blurry"), (9, "label, wrong")]
        );
        let link = encode(&state);
        assert_eq!(encode(&decode(&link).unwrap()), link, "canonical");

        // A fresh page: the layout and the notes at once, the settings with the files.
        let mut fresh = Notebook::new();
        let opened = open(&mut fresh, decode(&link).unwrap());
        let kinds = |n: &Notebook| n.cells.iter().map(|c| c.kind).collect::<Vec<_>>();
        assert_eq!(kinds(&fresh), kinds(&n));
        assert!(fresh.cells[0].collapsed);
        let evaluate = |n: &Notebook| {
            n.cells
                .iter()
                .find_map(|c| match &c.inputs {
                    CellInputs::Evaluate(e) => Some(e.clone()),
                    _ => None,
                })
                .unwrap()
        };
        assert_eq!(
            evaluate(&fresh),
            EvalInputs::default(),
            "nothing data-dependent yet"
        );
        let names: HashMap<String, String> = opened
            .state
            .files
            .iter()
            .map(|f| (f.role.clone(), f.name.clone()))
            .collect();
        apply_settings(&mut fresh, &opened, &|r| names[r].clone());
        let inputs = |n: &Notebook| n.cells.iter().map(|c| c.inputs.clone()).collect::<Vec<_>>();
        assert_eq!(inputs(&fresh), inputs(&n));
        assert_eq!(evaluate(&fresh).threshold, "0.4");
    }

    /// The default gate is what an empty Gate config runs and what the cell is filled
    /// with: it stays out of the link (≈ 450 characters of the demo's), and the opened
    /// cell's empty config runs it again.
    #[test]
    fn the_default_gate_stays_out_of_the_link() {
        let mut n = notebook();
        let gate = |n: &mut Notebook, config: &str| {
            for c in &mut n.cells {
                if let CellInputs::Gate(g) = &mut c.inputs {
                    g.config = config.to_owned();
                }
            }
        };
        let gate_settings = |n: &Notebook| {
            state_of(n, None)
                .cells
                .into_iter()
                .find(|c| c.kind == "gate")
                .unwrap()
                .settings
        };
        gate(&mut n, crate::view::gate::DEFAULT_GATE);
        assert_eq!(gate_settings(&n), None);
        gate(&mut n, "name = \"mine\"\n");
        assert_eq!(gate_settings(&n).unwrap().text, "name = \"mine\"\n");
    }

    #[test]
    fn files_match_by_name_then_fingerprint_then_role_and_mismatches_are_named() {
        let n = notebook();
        let state = state_of(&n, None);
        let checks = check_files(&state.files, &n);
        assert!(
            checks
                .iter()
                .all(|c| matches!(c.status, FileStatus::Matched { .. }))
        );
        // Nothing loaded: every file waits.
        let empty = check_files(&state.files, &Notebook::new());
        assert!(empty.iter().all(|c| c.status == FileStatus::Waiting));
        // Another test set under another name: matched by role, a named mismatch.
        let mut other = n.clone();
        other.datasets[1].name = "holdout.csv".into();
        other.datasets[1].sha256 = "99".into();
        let checks = check_files(&state.files, &other);
        let test = checks.iter().find(|c| c.file.role == "test").unwrap();
        assert_eq!(
            test.status,
            FileStatus::Mismatch {
                name: "holdout.csv".into(),
                sha256: "99".into()
            }
        );
        let message = mismatch_message(&test.file, "holdout.csv", "99");
        assert!(message.contains("test data \"test.csv\""), "{message}");
        assert!(message.contains("holdout.csv"), "{message}");
        // The CLI's roles: `data` is the test set, `model` the champion.
        let cli = [
            RoleFile {
                role: "data".into(),
                kind: LinkKind::Data,
                name: "d.csv".into(),
                sha256: "bb".into(),
            },
            RoleFile {
                role: "model".into(),
                kind: LinkKind::Model,
                name: "m.onnx".into(),
                sha256: "00".into(),
            },
        ];
        let checks = check_files(&cli, &n);
        assert_eq!(
            checks[0].status,
            FileStatus::Matched {
                name: "test.csv".into()
            }
        );
        assert_eq!(
            checks[1].status,
            FileStatus::Mismatch {
                name: "champion.onnx".into(),
                sha256: "ff".into()
            }
        );
        assert_eq!(describe(&cli[1]), "model \"m.onnx\"");
    }

    #[test]
    fn a_cli_link_opens_to_its_settings() {
        let state = NotebookState::of_evaluation(
            &lockstep_core::report::export::from_json(include_str!(
                "../../tests/data/eval/report_golden/report.json"
            ))
            .unwrap(),
            EvalSettings {
                label: Some("target".into()),
                prediction: Some(Prediction::Model("model".into())),
                ..EvalSettings::default()
            },
            None,
            vec![
                RoleFile {
                    role: "data".into(),
                    kind: LinkKind::Data,
                    name: "d.csv".into(),
                    sha256: "bb".into(),
                },
                RoleFile {
                    role: "model".into(),
                    kind: LinkKind::Model,
                    name: "m.onnx".into(),
                    sha256: "ff".into(),
                },
            ],
        );
        let mut fresh = Notebook::new();
        let opened = open(&mut fresh, state);
        assert_eq!(
            fresh.cells.iter().map(|c| c.kind).collect::<Vec<_>>(),
            [CellKind::Data, CellKind::Models, CellKind::Evaluate]
        );
        apply_settings(&mut fresh, &opened, &|r| {
            if r == "data" {
                "test.csv"
            } else {
                "champion.onnx"
            }
            .to_owned()
        });
        let CellInputs::Evaluate(e) = &fresh.cells[2].inputs else {
            panic!("not an evaluate cell");
        };
        assert_eq!(e.dataset, "test.csv");
        assert_eq!(e.label, "target");
        assert_eq!(
            e.source,
            Some(PredictionSource::Model("champion.onnx".into()))
        );
    }

    #[test]
    fn summaries_are_compared_number_by_number() {
        let a = Summary {
            rows: Some(90),
            metrics: vec![lockstep_core::share::SummaryMetric {
                name: "accuracy".into(),
                estimate: Some(0.9),
                lower: Some(0.8),
                upper: Some(0.95),
            }],
            ..Summary::default()
        };
        assert!(summary_differences(&a, &a).is_empty());
        let mut b = a.clone();
        b.metrics[0].estimate = Some(0.91);
        let d = summary_differences(&a, &b);
        assert_eq!(d.len(), 1);
        assert!(d[0].starts_with("accuracy"), "{d:?}");
    }
}
