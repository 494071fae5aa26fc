//! One evaluation request, the one orchestration behind `lockstep eval` and the web
//! app's evaluation: where the predictions come from (a column, a score, or a model
//! run through its pipeline), the settings text, the caller's overrides and the data's
//! fingerprint in; one [`EvalReport`] out.
//!
//! The CLI turns its flags into an [`EvalRequest`], the page its picks; neither patches
//! an [`EvalConfig`] by hand, times the model itself or hashes anything but the data's
//! bytes, so the same file and settings give the same report on both sides.
//!
//! # Data flow
//!
//! ```text
//! settings text ──EvalConfig::from_settings──▶ config ◀── label, predictions
//!                                                 │
//! Source::Model ──run_model (timed by `now`)──▶ columns + facts + fingerprints
//!                                                 │
//! separate contract, overrides ───────────────────▶ config ──evaluate──▶ EvalReport
//! ```

use super::ReportError;
use super::config::{ConfigError, EvalConfig, Heuristic, HumanFigure, Predictions, SettingsFormat};
use super::contract::{ContractError, MetricContract};
use super::fingerprint::Fingerprints;
use super::model_run::{ModelRun, ModelRunError, run_model, run_model_async};
use super::types::EvalReport;
use crate::behaviour::{BehaviourError, BehaviourSpec, run_behaviour};
use crate::engine::Engine;
use crate::table::Table;
use crate::transform::FittedPipeline;

/// Where the evaluated predictions come from.
pub enum Source<'a> {
    /// A column of predicted classes (or values, for regression).
    Column(String),
    /// A column of positive-class probabilities (binary).
    Score(String),
    /// The `predictions` the settings text gives.
    Settings,
    /// A model run on the data, through a fitted pipeline when there is one.
    Model(ModelSource<'a>),
}

/// A model to evaluate, with what the report says of it.
pub struct ModelSource<'a> {
    pub engine: &'a dyn Engine,
    /// The classifier's class labels, when the model names them
    /// ([`crate::onnx::class_labels`]).
    pub class_labels: Option<&'a [String]>,
    pub pipeline: Option<&'a FittedPipeline>,
    /// The model file's bytes: their sha256 and size go into the report.
    pub bytes: &'a [u8],
}

/// A settings text and its language.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    pub text: &'a str,
    pub format: SettingsFormat,
}

/// What the caller sets over the settings text (the CLI's flags, the page's picks).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub positive_label: Option<String>,
    pub threshold: Option<f64>,
    pub heuristic: Option<Heuristic>,
    pub existing_column: Option<String>,
    /// Added to the settings' human-level figures.
    pub human: Vec<HumanFigure>,
    /// Replace what the model run measured.
    pub latency_ms_per_row: Option<f64>,
    pub model_size_mb: Option<f64>,
    pub bootstrap_replicates: Option<u32>,
    /// The bootstrap's and the split's seed.
    pub seed: Option<u64>,
    /// Slices to measure and the finder's settings (`--slices`).
    pub slices: Option<crate::slices::SlicesSpec>,
}

/// Everything one evaluation needs besides the table.
pub struct EvalRequest<'a> {
    /// The column holding the true class (or target).
    pub label: String,
    pub source: Source<'a>,
    /// A whole config, or a bare contract, or both (`lockstep eval --config`, the
    /// page's settings box).
    pub settings: Option<Settings<'a>>,
    /// A metric contract given apart (`--contract`): it replaces the settings' one.
    pub contract: Option<Settings<'a>>,
    pub overrides: Overrides,
    /// sha256 of the data file's bytes.
    pub data_sha256: Option<String>,
}

/// Why an evaluation request could not be carried out.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RequestError {
    #[error("invalid settings: {0}")]
    Settings(#[from] ConfigError),
    #[error("invalid contract: {0}")]
    Contract(#[from] ContractError),
    #[error(
        "nothing to evaluate: give a prediction column, a score column or a model (or \
         `predictions` in the settings)"
    )]
    NoPredictions,
    #[error("{0}")]
    Model(#[from] ModelRunError),
    #[error("cannot evaluate: {0}")]
    Evaluate(#[from] ReportError),
    #[error("slices: {0}")]
    Slices(#[from] crate::slices::SliceError),
    #[error("behavioural tests run a model: give one (they cannot perturb prediction columns)")]
    BehaviourNeedsModel,
    /// Transparent: `{0}` with `#[from]` printed the tests' error twice in an error
    /// chain (once as this message, once as its source).
    #[error(transparent)]
    Behaviour(#[from] BehaviourError),
}

impl Settings<'_> {
    fn contract(&self) -> Result<MetricContract, ContractError> {
        match self.format {
            SettingsFormat::Toml => MetricContract::from_toml(self.text),
            SettingsFormat::Json => MetricContract::from_json(self.text),
        }
    }
}

/// Carries out `request` on `table`; `now` reads a clock in milliseconds (it times the
/// model run).
pub fn evaluate_request(
    table: &Table,
    request: &EvalRequest<'_>,
    now: &dyn Fn() -> f64,
) -> Result<EvalReport, RequestError> {
    let cancel = std::sync::atomic::AtomicBool::new(false);
    evaluate_request_watched(table, request, now, &mut |_| {}, &cancel)
}

/// [`evaluate_request`], with the slice finder's progress reported to `progress` and
/// stopped (keeping what it found) when `cancel` is set: the page's Slices cell.
pub fn evaluate_request_watched(
    table: &Table,
    request: &EvalRequest<'_>,
    now: &dyn Fn() -> f64,
    progress: &mut dyn FnMut(crate::slices::Progress),
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<EvalReport, RequestError> {
    let prepared = prepare_request(table, request, now)?;
    evaluate_prepared(table, request, &prepared, None, now, progress, cancel)
}

/// The rest of [`evaluate_request_watched`] after [`prepare_request`]: the report of
/// `prepared` (whose headline bootstrap may come from `replicates`, computed in parts
/// elsewhere: [`super::replicate_job`]) and its slices. `table` is the request's input
/// table; the model is not run again.
pub fn evaluate_prepared(
    table: &Table,
    request: &EvalRequest<'_>,
    prepared: &PreparedRequest,
    replicates: Option<&super::PrecomputedReplicates>,
    now: &dyn Fn() -> f64,
    progress: &mut dyn FnMut(crate::slices::Progress),
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<EvalReport, RequestError> {
    let input = table;
    let table = prepared.table.as_ref().unwrap_or(table);
    let config = &prepared.config;
    let mut report = super::evaluate_with_replicates(table, config, replicates)?;
    if let Some(spec) = &request.overrides.slices {
        // Search the input's own columns, not the label, predictions or baselines.
        let label = request.label.as_str();
        let skip = |c: &str| {
            c == label
                || report.inputs.prediction_columns.iter().any(|p| p == c)
                || config.baselines.existing_column.as_deref() == Some(c)
        };
        let columns: Vec<String> = input
            .column_names()
            .filter(|c| !skip(c))
            .map(str::to_owned)
            .collect();
        let mut control = crate::slices::Control {
            now,
            progress,
            cancel,
        };
        crate::slices::attach(&mut report, table, config, spec, &columns, &mut control)?;
    }
    Ok(report)
}

/// A request made ready to evaluate: the config it resolves to and, when a model ran,
/// the table with its output columns.
pub struct PreparedRequest {
    /// The input table with the model's outputs added; `None` when no model ran.
    pub table: Option<Table>,
    pub config: EvalConfig,
}

/// Everything [`evaluate_request`] does before [`evaluate`]: runs the model (through
/// the `Engine` seam) and resolves the settings and overrides into one config. The
/// diagnosis reads each row's outcome from it
/// ([`super::rows::row_outcomes`]) without a second orchestration.
pub fn prepare_request(
    table: &Table,
    request: &EvalRequest<'_>,
    now: &dyn Fn() -> f64,
) -> Result<PreparedRequest, RequestError> {
    let run = match &request.source {
        Source::Model(source) => Some(run_model(
            source.engine,
            source.class_labels,
            table,
            source.pipeline,
            &request.label,
            now,
        )?),
        _ => None,
    };
    resolve_request(request, run)
}

/// [`prepare_request`] with the model run awaited ([`Engine::run_async`]): the page's
/// evaluation, whose engine runs a large batch on its engine workers (or WebGPU)
/// without blocking. The same [`PreparedRequest`], bit for bit, whenever the engine's
/// async run gives the same outputs as its run.
pub async fn prepare_request_async(
    table: &Table,
    request: &EvalRequest<'_>,
    now: &dyn Fn() -> f64,
) -> Result<PreparedRequest, RequestError> {
    let run = match &request.source {
        Source::Model(source) => Some(
            run_model_async(
                source.engine,
                source.class_labels,
                table,
                source.pipeline,
                &request.label,
                now,
            )
            .await?,
        ),
        _ => None,
    };
    resolve_request(request, run)
}

/// The config `request` resolves to, given the model's run when its source is a model.
fn resolve_request(
    request: &EvalRequest<'_>,
    run: Option<ModelRun>,
) -> Result<PreparedRequest, RequestError> {
    let label = request.label.as_str();
    let given = match &request.source {
        Source::Column(c) => Some(Predictions::Column(c.clone())),
        Source::Score(c) => Some(Predictions::Score(c.clone())),
        Source::Settings | Source::Model(_) => None,
    };
    let run = match (&request.source, run) {
        (Source::Model(source), Some(run)) => Some((run, source.bytes.len())),
        _ => None,
    };
    let predictions = given.or_else(|| run.as_ref().map(|(r, _)| r.predictions.clone()));

    let mut config = match (&request.settings, &predictions) {
        (Some(settings), _) => {
            EvalConfig::from_settings(settings.text, settings.format, label, predictions.as_ref())
                .map_err(|e| match e {
                ConfigError::MissingPredictions => RequestError::NoPredictions,
                e => RequestError::Settings(e),
            })?
        }
        (None, Some(p)) => EvalConfig::new(label, p.clone()),
        (None, None) => return Err(RequestError::NoPredictions),
    };
    if let Some((run, bytes)) = &run {
        config.facts.latency_ms_per_row = Some(run.latency_ms_per_row);
        config.facts.model_size_mb = Some(*bytes as f64 / 1e6);
    }
    if let Some(contract) = &request.contract {
        config.contract = Some(contract.contract()?);
    }
    let o = &request.overrides;
    if let Some(p) = &o.positive_label {
        config.positive_label = Some(p.clone());
    }
    if let Some(t) = o.threshold {
        config.threshold = t;
    }
    if let Some(h) = &o.heuristic {
        config.baselines.heuristic = Some(h.clone());
    }
    if let Some(c) = &o.existing_column {
        config.baselines.existing_column = Some(c.clone());
    }
    config.baselines.human.extend(o.human.iter().cloned());
    if let Some(v) = o.latency_ms_per_row {
        config.facts.latency_ms_per_row = Some(v);
    }
    if let Some(v) = o.model_size_mb {
        config.facts.model_size_mb = Some(v);
    }
    if let Some(n) = o.bootstrap_replicates {
        config.bootstrap.replicates = n;
    }
    if let Some(seed) = o.seed {
        config.bootstrap.seed = seed;
        config.split.seed = seed;
    }
    let (model, pipeline) = match &request.source {
        Source::Model(source) => (Some(source.bytes), source.pipeline),
        _ => (None, None),
    };
    config.fingerprints = Fingerprints {
        data_sha256: request.data_sha256.clone(),
        ..Fingerprints::of(None, model, pipeline)
    };
    Ok(PreparedRequest {
        table: run.map(|(r, _)| r.table),
        config,
    })
}

/// Runs the behavioural tests of `spec` on the request's model (through its
/// pipeline) and adds them to `report` (the evaluation of the same request), whose
/// verdict ([`EvalReport::passed`]) then also needs every test within its maximum
/// fail rate. The binary threshold is the report's unless the spec sets one.
pub fn attach_behaviour(
    report: &mut EvalReport,
    table: &Table,
    request: &EvalRequest<'_>,
    spec: &BehaviourSpec,
) -> Result<(), RequestError> {
    let Source::Model(source) = &request.source else {
        return Err(RequestError::BehaviourNeedsModel);
    };
    let mut spec = spec.clone();
    if spec.settings.threshold.is_none() {
        spec.settings.threshold = report.inputs.threshold;
    }
    report.behaviour = Some(run_behaviour(
        source.engine,
        source.class_labels,
        table,
        source.pipeline,
        &request.label,
        &spec,
    )?);
    Ok(())
}
