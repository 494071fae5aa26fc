//! What the worker holds and does: the data sets (with their roles), the fitted
//! pipelines and the models, and every command of [`crate::protocol`] carried out by
//! `lockstep-core`. Plain Rust, tested natively; the worker's JavaScript glue
//! (`crate::worker`, wasm32 only) only reads files and passes messages.
//!
//! Evaluations go through core's one evaluation request
//! ([`lockstep_core::report::evaluate_request`], via [`crate::view::eval`]): the page
//! has no other path to a metric.

use std::sync::Arc;

use lockstep_core::fingerprint::sha256_hex;
use lockstep_core::onnx::Tensor;
use lockstep_core::report::export;
use lockstep_core::table::{CsvOptions, JsonlOptions, Table, default_null_values};
use lockstep_core::transform::FittedPipeline;

use crate::notebook::{
    DatasetRef, DiagnoseInputs, ErrorsInputs, EvalInputs, FileKind, ModelRef, ModelRole,
    PipelineRef, PredictionSource, Role, SkewInputs,
};
use crate::protocol::{
    Compared, Diagnosed, Evaluated, Gated, Predicted, Reply, Robust, SkewCheck, Skewed,
};
use crate::state::{Dataset, LoadedModel, Selection, guess_selection};
use crate::view;

/// A data set in the worker: its bytes (to read again with a pipeline's null values,
/// or as a log after a role change) and, unless it is a serving log, its table. A
/// Parquet or Arrow IPC file also keeps the table the columnar module read from it
/// (`decoded`: typed files do not depend on null values, and this worker cannot read
/// them itself).
struct HeldData {
    info: DatasetRef,
    raw: Arc<[u8]>,
    decoded: Option<Decoded>,
    table: Option<Arc<Table>>,
    null_values: Vec<String>,
}

struct HeldModel {
    info: ModelRef,
    model: LoadedModel,
}

/// An evaluation between its two halves ([`Host::evaluate_begin`]).
pub struct PendingEvaluation {
    prepared: lockstep_core::report::PreparedRequest,
    /// The headline bootstrap, to run in parts; `None`: nothing to split.
    pub job: Option<lockstep_core::report::ReplicateJob>,
    start: f64,
}

/// What an evaluation's picks borrow from the host ([`Host::picked`]).
struct Picked<'h> {
    dataset: Dataset,
    threshold: Option<f64>,
    model: Option<&'h LoadedModel>,
    pipeline: Option<&'h FittedPipeline>,
}

impl Picked<'_> {
    fn picks<'a>(
        &'a self,
        inputs: &'a EvalInputs,
        source: &'a PredictionSource,
    ) -> view::eval::EvalPicks<'a> {
        view::eval::EvalPicks {
            dataset: &self.dataset,
            label: &inputs.label,
            source,
            threshold: self.threshold,
            positive_label: &inputs.positive_label,
            settings: &inputs.settings,
            model: self.model,
            pipeline: self.pipeline,
        }
    }
}

/// Everything the worker holds.
#[derive(Default)]
pub struct Host {
    datasets: Vec<HeldData>,
    pipelines: Vec<(PipelineRef, Arc<FittedPipeline>)>,
    models: Vec<HeldModel>,
    /// (pipeline name, sha256 of the file's bytes) for pipelines read from a file: what
    /// a blessing binds.
    pipeline_files: Vec<(String, String)>,
}

/// A Parquet or Arrow IPC file as the columnar module read it: its table and the
/// fingerprint of its bytes, which the worker hashed in slices and did not keep.
#[derive(Clone)]
pub struct Decoded {
    pub table: Arc<Table>,
    pub sha256: String,
    pub bytes: usize,
}

/// How many of a slice's rows the Slices cell shows.
pub const SLICE_ROWS_SHOWN: usize = 20;

/// Reads `bytes` of `kind` as a table with `null_values`; a Parquet or Arrow IPC file is
/// the table the columnar module read from it (`decoded`, see `crate::columnar`).
fn read_table(
    kind: FileKind,
    bytes: &[u8],
    null_values: &[String],
    decoded: Option<&Decoded>,
) -> Result<Table, String> {
    match kind {
        FileKind::Csv => Table::from_csv(
            bytes,
            &CsvOptions {
                null_values: null_values.to_vec(),
                ..CsvOptions::default()
            },
        )
        .map_err(|e| e.to_string()),
        FileKind::JsonLines => Table::from_jsonl(
            bytes,
            &JsonlOptions {
                null_values: null_values.to_vec(),
                ..JsonlOptions::default()
            },
        )
        .map_err(|e| e.to_string()),
        FileKind::Parquet | FileKind::ArrowIpc => {
            decoded.map(|d| Table::clone(&d.table)).ok_or_else(|| {
                "Parquet and Arrow IPC files are read by the page's columnar module, which did not \
             run for this file"
                    .to_owned()
            })
        }
        FileKind::Onnx | FileKind::Pipeline => Err("not a data file".to_owned()),
    }
}

fn pipeline_ref(name: &str, origin: String, p: &FittedPipeline, here: bool) -> PipelineRef {
    PipelineRef {
        name: name.to_owned(),
        sha256: p.fingerprint().to_owned(),
        origin,
        inputs: p.input_schema().iter().map(|c| c.name.clone()).collect(),
        features: p.feature_names().to_vec(),
        fitted_json: here.then(|| p.to_json().unwrap_or_default()),
    }
}

/// A model's tensors by name (its inputs or outputs).
type Named = Vec<(String, Tensor)>;

fn failed(error: String) -> Reply {
    Reply::Failed { error }
}

impl Host {
    pub fn new() -> Self {
        Self::default()
    }

    fn dataset(&self, name: &str) -> Result<&HeldData, String> {
        self.datasets
            .iter()
            .find(|d| d.info.name == name)
            .ok_or_else(|| format!("no data set named `{name}`: load it in the Data cell"))
    }

    fn table(&self, name: &str) -> Result<(&HeldData, &Arc<Table>), String> {
        let held = self.dataset(name)?;
        let table = held.table.as_ref().ok_or_else(|| {
            format!("`{name}` is a serving log; give it another role to read it as a table")
        })?;
        Ok((held, table))
    }

    fn model(&self, name: &str) -> Result<&HeldModel, String> {
        self.models
            .iter()
            .find(|m| m.info.name == name)
            .ok_or_else(|| format!("no model named `{name}`: load one in the Models cell"))
    }

    fn pipeline(&self, name: &str) -> Result<&Arc<FittedPipeline>, String> {
        self.pipelines
            .iter()
            .find(|(p, _)| p.name == name)
            .map(|(_, p)| p)
            .ok_or_else(|| format!("no pipeline named `{name}`"))
    }

    /// The null values data is read with: the newest pipeline's (recorded at fit), else
    /// the defaults — as `lockstep eval --pipeline` reads its data.
    fn null_values(&self) -> Vec<String> {
        self.pipelines
            .last()
            .map_or_else(default_null_values, |(_, p)| p.null_values())
    }

    /// Reads a file: a data set, a fitted pipeline or a model, by its name's extension.
    pub fn load(
        &mut self,
        name: &str,
        role: Option<Role>,
        model_role: Option<ModelRole>,
        bytes: Vec<u8>,
        now: &dyn Fn() -> f64,
    ) -> Reply {
        self.load_file(name, role, model_role, bytes, None, now)
    }

    /// Holds a Parquet or Arrow IPC file as the columnar module read it (its bytes are
    /// not kept: `decoded` carries their fingerprint).
    pub fn load_decoded(
        &mut self,
        name: &str,
        role: Option<Role>,
        decoded: Decoded,
        now: &dyn Fn() -> f64,
    ) -> Reply {
        self.load_file(name, role, None, Vec::new(), Some(decoded), now)
    }

    fn load_file(
        &mut self,
        name: &str,
        role: Option<Role>,
        model_role: Option<ModelRole>,
        bytes: Vec<u8>,
        decoded: Option<Decoded>,
        now: &dyn Fn() -> f64,
    ) -> Reply {
        let result = match FileKind::of(name) {
            Err(e) => Err(e),
            Ok(FileKind::Onnx) => self
                .load_model(name, model_role, &bytes)
                .map(|m| (vec![], vec![], vec![m])),
            Ok(FileKind::Pipeline) => self
                .load_pipeline(name, &bytes)
                .map(|(p, d)| (d, vec![p], vec![])),
            Ok(kind) => self
                .load_data(
                    name,
                    kind,
                    role.unwrap_or_else(|| Role::guess(name)),
                    bytes.into(),
                    decoded,
                    now,
                )
                .map(|d| (vec![d], vec![], vec![])),
        };
        match result {
            Ok((datasets, pipelines, models)) => Reply::Loaded {
                datasets,
                pipelines,
                models,
            },
            Err(e) => failed(e),
        }
    }

    fn load_data(
        &mut self,
        name: &str,
        format: FileKind,
        role: Role,
        raw: Arc<[u8]>,
        decoded: Option<Decoded>,
        now: &dyn Fn() -> f64,
    ) -> Result<DatasetRef, String> {
        let start = now();
        let null_values = self.null_values();
        let (table, rows, columns, guess) = if role == Role::Serving {
            let rows = decoded.as_ref().map_or_else(
                || raw.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count(),
                |d| d.table.num_rows(),
            );
            (None, rows, Vec::new(), Selection::default())
        } else {
            let table = read_table(format, &raw, &null_values, decoded.as_ref())
                .map_err(|e| format!("{name}: {e}"))?;
            let columns = table.column_names().map(str::to_owned).collect();
            let guess = guess_selection(&table);
            let rows = table.num_rows();
            (Some(Arc::new(table)), rows, columns, guess)
        };
        let memory_bytes = table.as_ref().map_or(0, |t| t.memory_bytes());
        let info = DatasetRef {
            name: name.to_owned(),
            role,
            format,
            sha256: decoded
                .as_ref()
                .map_or_else(|| sha256_hex(&raw), |d| d.sha256.clone()),
            bytes: decoded.as_ref().map_or(raw.len(), |d| d.bytes),
            rows,
            columns,
            guess,
            millis: now() - start,
            memory_bytes,
        };
        let held = HeldData {
            info: info.clone(),
            raw,
            decoded,
            table,
            null_values,
        };
        match self.datasets.iter().position(|d| d.info.name == name) {
            Some(at) => self.datasets[at] = held,
            None => self.datasets.push(held),
        }
        Ok(info)
    }

    /// Reads a fitted pipeline, then reads again the data sets that were read with
    /// other null values (so `NA` means what it meant in training).
    fn load_pipeline(
        &mut self,
        name: &str,
        bytes: &[u8],
    ) -> Result<(PipelineRef, Vec<DatasetRef>), String> {
        let pipeline = view::pipeline::read_fitted(bytes).map_err(|e| format!("{name}: {e}"))?;
        let info = pipeline_ref(name, format!("read from {name}"), &pipeline, false);
        self.put_pipeline(info.clone(), pipeline);
        self.pipeline_files.retain(|(n, _)| n != name);
        self.pipeline_files
            .push((name.to_owned(), sha256_hex(bytes)));
        // Models without a pipeline take this one.
        for m in &mut self.models {
            if m.info.pipeline.is_none() {
                m.info.pipeline = Some(name.to_owned());
            }
        }
        Ok((info, self.reread()?))
    }

    fn put_pipeline(&mut self, info: PipelineRef, pipeline: FittedPipeline) {
        let entry = (info, Arc::new(pipeline));
        match self
            .pipelines
            .iter()
            .position(|(p, _)| p.name == entry.0.name)
        {
            Some(at) => self.pipelines[at] = entry,
            None => self.pipelines.push(entry),
        }
    }

    /// Reads again every table read with null values other than the current ones.
    fn reread(&mut self) -> Result<Vec<DatasetRef>, String> {
        let null_values = self.null_values();
        let mut changed = Vec::new();
        for held in &mut self.datasets {
            if held.table.is_some() && held.null_values != null_values {
                let table = read_table(
                    held.info.format,
                    &held.raw,
                    &null_values,
                    held.decoded.as_ref(),
                )
                .map_err(|e| format!("{}: {e}", held.info.name))?;
                held.table = Some(Arc::new(table));
                held.null_values.clone_from(&null_values);
                changed.push(held.info.clone());
            }
        }
        Ok(changed)
    }

    fn load_model(
        &mut self,
        name: &str,
        role: Option<ModelRole>,
        bytes: &[u8],
    ) -> Result<ModelRef, String> {
        let model =
            LoadedModel::from_bytes(name.to_owned(), bytes).map_err(|e| format!("{name}: {e}"))?;
        let summary = view::model::summarize(&model.model);
        let role = role.unwrap_or_else(|| match self.models.iter().find(|m| m.info.name == name) {
            Some(m) => m.info.role,
            None if self
                .models
                .iter()
                .any(|m| m.info.role == ModelRole::Champion) =>
            {
                ModelRole::Challenger
            }
            None => ModelRole::Champion,
        });
        let info = ModelRef {
            name: name.to_owned(),
            role,
            sha256: model.sha256.clone(),
            bytes: model.bytes,
            pipeline: self.pipelines.last().map(|(p, _)| p.name.clone()),
            producer: summary.producer,
            inputs: summary
                .inputs
                .iter()
                .map(|v| format!("{} {} {}", v.name, v.dtype, v.shape))
                .collect(),
            outputs: summary
                .outputs
                .iter()
                .map(|v| format!("{} {} {}", v.name, v.dtype, v.shape))
                .collect(),
            class_labels: model.class_labels.clone(),
        };
        let held = HeldModel {
            info: info.clone(),
            model,
        };
        match self.models.iter().position(|m| m.info.name == name) {
            Some(at) => self.models[at] = held,
            None => self.models.push(held),
        }
        Ok(info)
    }

    /// Gives a data set another role; a serving log is kept as bytes, other roles are
    /// read as tables.
    pub fn set_role(&mut self, name: &str, role: Role, now: &dyn Fn() -> f64) -> Reply {
        let Some(held) = self.datasets.iter().find(|d| d.info.name == name) else {
            return failed(format!("no data set named `{name}`"));
        };
        let (format, raw, decoded) = (held.info.format, held.raw.clone(), held.decoded.clone());
        match self.load_data(name, format, role, raw, decoded, now) {
            Ok(d) => Reply::Loaded {
                datasets: vec![d],
                pipelines: vec![],
                models: vec![],
            },
            Err(e) => failed(e),
        }
    }

    pub fn set_model(&mut self, name: &str, role: ModelRole, pipeline: Option<String>) -> Reply {
        if let Some(p) = &pipeline
            && let Err(e) = self.pipeline(p)
        {
            return failed(e);
        }
        let Some(held) = self.models.iter_mut().find(|m| m.info.name == name) else {
            return failed(format!("no model named `{name}`"));
        };
        held.info.role = role;
        held.info.pipeline = pipeline;
        Reply::Loaded {
            datasets: vec![],
            pipelines: vec![],
            models: vec![held.info.clone()],
        }
    }

    /// Fits `spec` on the data set `training` (read with the spec's null values).
    pub fn fit(&mut self, spec: &str, training: &str) -> Reply {
        let fitted = (|| {
            let parsed = view::pipeline::parse_spec(spec)?;
            let held = self.dataset(training)?;
            let null_values = parsed.effective_null_values();
            let table = read_table(
                held.info.format,
                &held.raw,
                &null_values,
                held.decoded.as_ref(),
            )
            .map_err(|e| format!("{training}: {e}"))?;
            let pipeline = view::pipeline::fit_parsed(&parsed, &table)?;
            Ok::<_, String>(pipeline)
        })();
        match fitted {
            Ok(pipeline) => {
                let name = "pipeline (fitted here)";
                let info = pipeline_ref(
                    name,
                    format!("fitted in the page on {training}"),
                    &pipeline,
                    true,
                );
                self.put_pipeline(info.clone(), pipeline);
                for m in &mut self.models {
                    if m.info.pipeline.is_none() {
                        m.info.pipeline = Some(name.to_owned());
                    }
                }
                match self.reread() {
                    Ok(datasets) => Reply::Loaded {
                        datasets,
                        pipelines: vec![info],
                        models: self.models.iter().map(|m| m.info.clone()).collect(),
                    },
                    Err(e) => failed(e),
                }
            }
            Err(e) => failed(e),
        }
    }

    /// The model's first predictions on a data set, its label column left out (a model
    /// without a pipeline is fed the other columns, as `lockstep eval` feeds it), with
    /// the page engine and the inputs it was fed: what the Models cell's parity check
    /// runs again on WebGPU.
    pub fn predict_run(
        &self,
        model: &str,
        dataset: &str,
        label: &str,
        now: &dyn Fn() -> f64,
    ) -> Result<(Predicted, crate::engine::PageEngine, Named), String> {
        let held = self.model(model)?;
        let (_, table) = self.table(dataset)?;
        let pipeline = match &held.info.pipeline {
            Some(p) => Some(self.pipeline(p)?.as_ref()),
            None => None,
        };
        let features = if pipeline.is_none() && table.column(label).is_ok() {
            let keep: Vec<&str> = table.column_names().filter(|n| *n != label).collect();
            table.select(&keep).map_err(|e| e.to_string())?
        } else {
            table.as_ref().clone()
        };
        let loaded = &held.model;
        let preview = view::model::predict(
            loaded.engine(),
            loaded.class_labels.as_deref(),
            &features,
            pipeline,
            now,
        )
        .map_err(|e| format!("{model}: {e}"))?;
        let predicted = Predicted {
            model: model.to_owned(),
            dataset: dataset.to_owned(),
            rows: preview.rows,
            headers: preview.headers,
            first_rows: preview.first_rows,
            millis: preview.millis,
            parity: None,
        };
        Ok((predicted, loaded.page_engine().clone(), preview.inputs))
    }

    /// The model's first predictions on a data set ([`Host::predict_run`]).
    pub fn predict(&self, model: &str, dataset: &str, label: &str, now: &dyn Fn() -> f64) -> Reply {
        match self.predict_run(model, dataset, label, now) {
            Ok((predicted, _, _)) => Reply::Predicted(predicted),
            Err(e) => failed(e),
        }
    }

    /// The Evaluate cell: core's one evaluation request on a data set.
    pub fn evaluate(&self, inputs: &EvalInputs, now: &dyn Fn() -> f64) -> Reply {
        let cancel = std::sync::atomic::AtomicBool::new(false);
        match self.try_evaluate(inputs, None, now, &mut |_| {}, &cancel) {
            Ok(e) => Reply::Evaluated(e),
            Err(e) => failed(e),
        }
    }

    /// The Evaluate cell in two halves, so that its headline bootstrap can run in parts
    /// on the page's engine workers in between (`crate::pool`): the model run and the
    /// bootstrap job. [`Host::evaluate_end`] with the replicates gives the same reply
    /// as [`Host::evaluate`].
    pub async fn evaluate_begin(
        &self,
        inputs: &EvalInputs,
        now: &dyn Fn() -> f64,
    ) -> Result<PendingEvaluation, String> {
        let start = now();
        let source = inputs
            .source
            .as_ref()
            .ok_or("choose what to evaluate: a model, a prediction column or a score column")?;
        let picked = self.picked(inputs, source)?;
        let (prepared, job) = view::eval::prepare(&picked.picks(inputs, source), now).await?;
        Ok(PendingEvaluation {
            prepared,
            job,
            start,
        })
    }

    /// The second half of [`Host::evaluate_begin`]: the report, with the headline
    /// bootstrap's `replicates` when they were computed elsewhere, and for the Slices
    /// cell its `slices` ([`Host::slices_spec`]; the finder's progress to `progress`).
    pub fn evaluate_end(
        &self,
        inputs: &EvalInputs,
        pending: &PendingEvaluation,
        replicates: Option<&lockstep_core::report::PrecomputedReplicates>,
        slices: Option<lockstep_core::slices::SlicesSpec>,
        now: &dyn Fn() -> f64,
        progress: &mut dyn FnMut(lockstep_core::slices::Progress),
    ) -> Reply {
        let run = (|| {
            let source = inputs
                .source
                .as_ref()
                .ok_or("choose what to evaluate: a model, a prediction column or a score column")?;
            self.with_picks(inputs, source, |picks| {
                let shown = view::eval::finish(
                    picks,
                    &pending.prepared,
                    replicates,
                    slices,
                    now,
                    progress,
                )?;
                Ok(Evaluated {
                    dataset: picks.dataset.name.clone(),
                    rows: picks.dataset.table.num_rows(),
                    json: shown.json,
                    markdown: shown.markdown,
                    html: shown.html,
                    junit: shown.junit,
                    millis: now() - pending.start,
                    memory_bytes: picks.dataset.table.memory_bytes(),
                    heap_bytes: heap_bytes(),
                    engine: None,
                })
            })
        })();
        match run {
            Ok(e) => Reply::Evaluated(e),
            Err(e) => failed(e),
        }
    }

    /// The Slices cell's `slices.toml` as typed for the evaluation `inputs` (empty: the
    /// default, [`view::eval::default_slices_spec`]).
    pub fn slices_spec(
        &self,
        inputs: &EvalInputs,
        spec: &str,
    ) -> Result<lockstep_core::slices::SlicesSpec, String> {
        let (held, _) = self.table(&inputs.dataset)?;
        view::eval::slices_spec(spec, &held.info.columns, &skipped(inputs))
    }

    /// The Slices cell: the Evaluate cell's evaluation with a `slices.toml` (empty: the
    /// default, [`view::eval::default_slices_spec`]) — core's evaluation request with
    /// `--slices`, the finder's progress sent to `progress`.
    pub fn slices(
        &self,
        inputs: &EvalInputs,
        spec: &str,
        now: &dyn Fn() -> f64,
        progress: &mut dyn FnMut(lockstep_core::slices::Progress),
    ) -> Reply {
        let cancel = std::sync::atomic::AtomicBool::new(false);
        let mut run = || {
            let spec = self.slices_spec(inputs, spec)?;
            self.try_evaluate(inputs, Some(spec), now, progress, &cancel)
        };
        match run() {
            Ok(e) => Reply::Evaluated(e),
            Err(e) => failed(e),
        }
    }

    /// The rows of `dataset` that a slice's `rule` selects: how many, and the first
    /// [`SLICE_ROWS_SHOWN`] (core's [`lockstep_core::slices::slice_rows`]).
    pub fn slice_rows(&self, dataset: &str, rule: &str) -> Reply {
        match self.table(dataset).and_then(|(_, table)| {
            lockstep_core::slices::slice_rows(table, rule, SLICE_ROWS_SHOWN)
                .map_err(|e| format!("{dataset}: slice `{rule}`: {e}"))
        }) {
            Ok(rows) => Reply::SliceRows(rows),
            Err(e) => failed(e),
        }
    }

    /// The Gate cell: `gate.toml` over the Evaluate cell's model evaluated on the
    /// blackbox rows by core's [`lockstep_core::gate::evaluate_blackbox`] (what
    /// `lockstep gate --data` runs), with the Skew cell's report when given.
    pub async fn gate(
        &self,
        inputs: &EvalInputs,
        config: &str,
        skew_json: Option<&str>,
        now: &dyn Fn() -> f64,
    ) -> Reply {
        use lockstep_core::gate::{self, Blessing, GateConfig, GateInputs, Provenance};
        let start = now();
        let run = async {
            let config_text = if config.trim().is_empty() {
                view::gate::DEFAULT_GATE
            } else {
                config
            };
            let gate_config =
                GateConfig::from_toml(config_text).map_err(|e| format!("gate.toml: {e}"))?;
            let (held, table) = self.table(&inputs.dataset)?;
            let threshold = view::eval::parse_threshold(&inputs.threshold)?;
            let source = inputs
                .source
                .as_ref()
                .ok_or("choose the model to gate in the Evaluate cell")?;
            let PredictionSource::Model(name) = source else {
                return Err(
                    "the gate judges a model candidate: pick a model in the Evaluate cell"
                        .to_owned(),
                );
            };
            let m = self.model(name)?;
            let pipeline = match &m.info.pipeline {
                Some(p) => Some(self.pipeline(p)?),
                None => None,
            };
            let dataset = Dataset {
                name: held.info.name.clone(),
                bytes: held.info.bytes,
                sha256: held.info.sha256.clone(),
                table: table.clone(),
            };
            let picks = view::eval::EvalPicks {
                dataset: &dataset,
                label: &inputs.label,
                source,
                threshold,
                positive_label: &inputs.positive_label,
                settings: &inputs.settings,
                model: Some(&m.model),
                pipeline: pipeline.map(AsRef::as_ref),
            };
            let request = view::eval::request_of(&picks)?;
            let engine = crate::gpu::asked().name();
            let evaluated = gate::evaluate_blackbox_async(table, &request, engine, now)
                .await
                .map_err(|e| match e {
                    gate::GateRunError::Request(e) => view::eval::request_error(&picks, e),
                    e => e.to_string(),
                })?;
            let skew = skew_json
                .map(serde_json::from_str::<serde_json::Value>)
                .transpose()
                .map_err(|e| format!("the Skew cell's report is not JSON: {e}"))?;
            let mut settings = Vec::new();
            if !inputs.settings.trim().is_empty() {
                settings.push(format!(
                    "eval settings sha256 {}",
                    sha256_hex(inputs.settings.as_bytes())
                ));
            }
            settings.push(evaluated.settings.clone());
            let provenance = Provenance {
                model_sha256: Some(m.info.sha256.clone()),
                pipeline_sha256: pipeline.map(|p| p.fingerprint().to_owned()),
                pipeline_file_sha256: m
                    .info
                    .pipeline
                    .as_deref()
                    .and_then(|p| self.pipeline_file_sha256(p)),
                data_sha256: Some(held.info.sha256.clone()),
                code_version: gate_config.code_version.clone(),
                lockstep_version: env!("CARGO_PKG_VERSION").to_owned(),
                gate_config_sha256: Some(sha256_hex(config_text.as_bytes())),
                settings,
            };
            let report = gate::run_gate(
                &gate_config,
                &GateInputs {
                    report: Some(&evaluated.report),
                    report_json: Some(&evaluated.json),
                    comparison: None,
                    skew: skew.as_ref(),
                },
                &provenance,
            );
            Ok::<_, String>(Gated {
                json: gate::export::json(&report).map_err(|e| e.to_string())?,
                markdown: gate::export::markdown(&report),
                html: gate::export::html(&report),
                junit: gate::export::junit(&report),
                blessing: Blessing::new(&report).ok().and_then(|b| b.to_json().ok()),
                millis: now() - start,
                engine: None,
            })
        };
        match run.await {
            Ok(g) => Reply::Gated(g),
            Err(e) => failed(e),
        }
    }

    /// The model a diagnosis runs: the one named, else the champion.
    fn model_or_champion(&self, name: &str) -> Result<&HeldModel, String> {
        if name.is_empty() {
            self.models
                .iter()
                .find(|m| m.info.role == ModelRole::Champion)
                .ok_or_else(|| "load a model in the Models cell: the diagnosis runs one".to_owned())
        } else {
            self.model(name)
        }
    }

    /// Runs core's diagnosis request on `sets` (names, empty: none) with `model`.
    async fn diagnosed(
        &self,
        sets: [&str; 4],
        [model, label]: [&str; 2],
        optimal: Option<lockstep_core::diagnose::Optimal>,
        curves: Option<Vec<lockstep_core::diagnose::curves::CurvePoint>>,
        (errors, seed): (Option<usize>, u64),
        now: &dyn Fn() -> f64,
    ) -> Result<Diagnosed, String> {
        let start = now();
        let m = self.model_or_champion(model)?;
        let pipeline = match &m.info.pipeline {
            Some(p) => Some(self.pipeline(p)?.as_ref()),
            None => None,
        };
        let mut held = Vec::new();
        for name in sets {
            held.push(if name.is_empty() {
                None
            } else {
                let (h, table) = self.table(name)?;
                Some(Dataset {
                    name: h.info.name.clone(),
                    bytes: h.info.bytes,
                    sha256: h.info.sha256.clone(),
                    table: table.clone(),
                })
            });
        }
        let report = view::diagnose::run(
            &view::diagnose::DiagnosePicks {
                sets: std::array::from_fn(|k| held.get(k).and_then(Option::as_ref)),
                label,
                model: &m.model,
                pipeline,
                optimal,
                curves,
                errors,
                seed,
            },
            now,
        )
        .await?;
        let [json, markdown, html] = view::diagnose::exports(&report)?;
        Ok(Diagnosed {
            json,
            markdown,
            html,
            millis: now() - start,
            engine: None,
        })
    }

    /// The Diagnose cell: `lockstep diagnose --model … --label … --train … --train-dev …
    /// --dev … --test … [--human|--bayes E] [--curves c.csv]` through core's request.
    pub async fn diagnose(&self, inputs: &DiagnoseInputs, now: &dyn Fn() -> f64) -> Reply {
        let run = async {
            let optimal = view::diagnose::parse_optimal(&inputs.optimal, &inputs.optimal_kind)?;
            let curves = view::diagnose::parse_curves(&inputs.curves)?;
            self.diagnosed(
                [
                    inputs.train.as_str(),
                    &inputs.train_dev,
                    &inputs.dev,
                    &inputs.test,
                ],
                [&inputs.model, &inputs.label],
                optimal,
                curves,
                (None, 0),
                now,
            )
            .await
        };
        match run.await {
            Ok(d) => Reply::Diagnosed(d),
            Err(e) => failed(e),
        }
    }

    /// The Error analysis cell: `lockstep diagnose --model … --label … --dev DATA
    /// --errors N --seed S` (the tags are the page's; it computes their shares).
    pub async fn errors(&self, inputs: &ErrorsInputs, now: &dyn Fn() -> f64) -> Reply {
        let run = async {
            if inputs.dataset.is_empty() {
                return Err("choose the data set whose errors to list (a dev set)".to_owned());
            }
            let limit = view::diagnose::parse_limit(&inputs.limit)?;
            let seed = view::diagnose::parse_seed(&inputs.seed)?;
            self.diagnosed(
                ["", "", &inputs.dataset, ""],
                [&inputs.model, &inputs.label],
                None,
                None,
                (Some(limit), seed),
                now,
            )
            .await
        };
        match run.await {
            Ok(d) => Reply::Diagnosed(d),
            Err(e) => failed(e),
        }
    }

    /// sha256 of a pipeline file's bytes, when it was loaded from a file.
    fn pipeline_file_sha256(&self, name: &str) -> Option<String> {
        self.pipeline_files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, sha)| sha.clone())
    }

    fn try_evaluate(
        &self,
        inputs: &EvalInputs,
        slices: Option<lockstep_core::slices::SlicesSpec>,
        now: &dyn Fn() -> f64,
        progress: &mut dyn FnMut(lockstep_core::slices::Progress),
        cancel: &std::sync::atomic::AtomicBool,
    ) -> Result<Evaluated, String> {
        let start = now();
        let source = inputs
            .source
            .as_ref()
            .ok_or("choose what to evaluate: a model, a prediction column or a score column")?;
        self.with_picks(inputs, source, |picks| {
            let shown = view::eval::evaluate_watched(picks, slices, now, progress, cancel)?;
            Ok(Evaluated {
                dataset: picks.dataset.name.clone(),
                rows: picks.dataset.table.num_rows(),
                json: shown.json,
                markdown: shown.markdown,
                html: shown.html,
                junit: shown.junit,
                millis: now() - start,
                memory_bytes: picks.dataset.table.memory_bytes(),
                heap_bytes: heap_bytes(),
                engine: None,
            })
        })
    }

    /// A model and the pipeline that feeds it.
    fn model_and_pipeline(
        &self,
        name: &str,
    ) -> Result<(&LoadedModel, Option<&FittedPipeline>), String> {
        let m = self.model(name)?;
        let p = match &m.info.pipeline {
            Some(p) => Some(self.pipeline(p)?.as_ref()),
            None => None,
        };
        Ok((&m.model, p))
    }

    /// The data set of `inputs` as the view-models take it.
    fn picked_dataset(&self, inputs: &EvalInputs) -> Result<Dataset, String> {
        let (held, table) = self.table(&inputs.dataset)?;
        Ok(Dataset {
            name: held.info.name.clone(),
            bytes: held.info.bytes,
            sha256: held.info.sha256.clone(),
            table: table.clone(),
        })
    }

    /// The evaluation's picks for `inputs`, with predictions from `source`, given to `f`.
    fn with_picks<T>(
        &self,
        inputs: &EvalInputs,
        source: &PredictionSource,
        f: impl FnOnce(&view::eval::EvalPicks<'_>) -> Result<T, String>,
    ) -> Result<T, String> {
        f(&self.picked(inputs, source)?.picks(inputs, source))
    }

    /// What the picks of `inputs` with predictions from `source` borrow from the host:
    /// the data set, the threshold, and the model and pipeline when `source` is one.
    fn picked(&self, inputs: &EvalInputs, source: &PredictionSource) -> Result<Picked<'_>, String> {
        let dataset = self.picked_dataset(inputs)?;
        let threshold = view::eval::parse_threshold(&inputs.threshold)?;
        let (model, pipeline) = match source {
            PredictionSource::Model(name) => {
                let (m, p) = self.model_and_pipeline(name)?;
                (Some(m), p)
            }
            _ => (None, None),
        };
        Ok(Picked {
            dataset,
            threshold,
            model,
            pipeline,
        })
    }

    /// The Robustness cell: behavioural tests of `model` on the evaluation's data.
    pub fn robustness(
        &self,
        eval: &EvalInputs,
        model: &str,
        spec: &str,
        now: &dyn Fn() -> f64,
    ) -> Reply {
        let start = now();
        let source = PredictionSource::Model(model.to_owned());
        let run = self.with_picks(eval, &source, |picks| {
            let shown = view::robustness::run(picks, spec, now)?;
            Ok(Robust {
                model: model.to_owned(),
                behaviour: serde_json::to_string(&shown.behaviour).map_err(|e| e.to_string())?,
                report_json: shown.report_json,
                millis: now() - start,
            })
        });
        match run {
            Ok(r) => Reply::Robust(r),
            Err(e) => failed(e),
        }
    }

    /// The Compare cell: champion against challenger on the evaluation's data.
    /// The compare config and the slices as typed (each may be empty).
    pub async fn compare(
        &self,
        eval: &EvalInputs,
        [champion, challenger]: [&str; 2],
        [settings, slices]: [&str; 2],
        now: &dyn Fn() -> f64,
    ) -> Reply {
        let start = now();
        let run = async {
            let dataset = self.picked_dataset(eval)?;
            let (a, pa) = self.model_and_pipeline(champion)?;
            let (b, pb) = self.model_and_pipeline(challenger)?;
            let shown = view::compare::compare(
                &view::compare::ComparePicks {
                    dataset: &dataset,
                    label: &eval.label,
                    champion: view::compare::Side {
                        model: a,
                        pipeline: pa,
                    },
                    challenger: view::compare::Side {
                        model: b,
                        pipeline: pb,
                    },
                    threshold: view::eval::parse_threshold(&eval.threshold)?,
                    positive_label: &eval.positive_label,
                    settings,
                    slices,
                },
                now,
            )
            .await?;
            Ok::<_, String>(Compared {
                json: shown.json,
                markdown: shown.markdown,
                html: shown.html,
                junit: shown.junit,
                millis: now() - start,
                engine: None,
            })
        };
        match run.await {
            Ok(c) => Reply::Compared(c),
            Err(e) => failed(e),
        }
    }

    /// The Skew cell: the serving logs replayed through a model and its pipeline.
    pub fn skew(&self, inputs: &SkewInputs, now: &dyn Fn() -> f64) -> Reply {
        let start = now();
        let run = (|| {
            let held = self.model(&inputs.model)?;
            let pipeline_name = held.info.pipeline.as_deref().ok_or_else(|| {
                format!(
                    "{}: the skew check replays a model through its pipeline; give it one",
                    inputs.model
                )
            })?;
            let pipeline = self.pipeline(pipeline_name)?;
            let train = if inputs.training.is_empty() {
                None
            } else {
                Some(self.table(&inputs.training)?.1.as_ref())
            };
            let logs: Vec<(String, Vec<u8>)> = self
                .datasets
                .iter()
                .filter(|d| d.info.role == Role::Serving)
                .map(|d| (d.info.name.clone(), d.raw.to_vec()))
                .collect();
            if logs.is_empty() {
                return Err(
                    "no serving logs: load one in the Data cell with the role `serving log`"
                        .to_owned(),
                );
            }
            let report = view::skew::replay_logs(
                &view::skew::SkewInputs {
                    pipeline,
                    engine: held.model.engine(),
                    model_fingerprint: &held.model.sha256,
                    train,
                    config: &inputs.config,
                },
                &logs,
            )?;
            Ok::<_, String>(Skewed {
                passed: report.passed,
                verdict: view::skew::verdict(&report),
                checks: report
                    .checks
                    .iter()
                    .map(|c| SkewCheck {
                        passed: c.passed,
                        group: c.group.to_string(),
                        subject: c.subject.clone(),
                        message: c.message.clone(),
                    })
                    .collect(),
                json: serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
                markdown: report.markdown(),
                junit: report.junit(),
                millis: now() - start,
            })
        })();
        match run {
            Ok(s) => Reply::Skewed(s),
            Err(e) => failed(e),
        }
    }
}

/// The columns the default `slices.toml` does not cut: the label and a prediction or
/// score column.
fn skipped(inputs: &EvalInputs) -> Vec<&str> {
    let mut skip = vec![inputs.label.as_str()];
    if let Some(PredictionSource::Column(c) | PredictionSource::Score(c)) = &inputs.source {
        skip.push(c);
    }
    skip
}

/// The report of an [`Evaluated`] reply, read back from its JSON.
pub fn report_of(evaluated: &Evaluated) -> Result<lockstep_core::report::EvalReport, String> {
    export::from_json(&evaluated.json).map_err(|e| format!("cannot read the report: {e}"))
}

/// The worker's WebAssembly memory (what the tab holds for core: tables, models,
/// scratch), in bytes; 0 natively, where there is no such figure.
pub fn heap_bytes() -> usize {
    #[cfg(target_arch = "wasm32")]
    {
        core::arch::wasm32::memory_size(0) * 65_536
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use crate::notebook::CellKind;
    use lockstep_columnar::Kind;

    /// What the worker gets for `bytes`: the columnar module's chunks, assembled, and
    /// the bytes' fingerprint, hashed in slices.
    fn columnar(kind: Kind, bytes: &[u8]) -> Decoded {
        let mut assembler = lockstep_core::table::wire::Assembler::new();
        lockstep_columnar::decode(kind, bytes, 64, |chunk| {
            assembler.push(chunk).map_err(|e| e.to_string())
        })
        .unwrap();
        let mut sha256 = lockstep_core::fingerprint::Sha256Hex::new();
        bytes.chunks(1000).for_each(|slice| sha256.update(slice));
        Decoded {
            table: Arc::new(assembler.finish().unwrap()),
            sha256: sha256.finish(),
            bytes: bytes.len(),
        }
    }

    const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../www/demo/notebook/");

    /// The host with the demo's files, as the worker loads them.
    fn demo() -> Host {
        let mut host = Host::new();
        for (file, role) in crate::worker::DEMO_FILES {
            let bytes = std::fs::read(format!("{DEMO}{file}")).unwrap();
            let model_role = match role {
                "champion" => Some(ModelRole::Champion),
                "challenger" => Some(ModelRole::Challenger),
                _ => None,
            };
            match host.load(file, Role::from_key(role), model_role, bytes, &|| 0.0) {
                Reply::Loaded { .. } => {}
                other => panic!("{file}: {other:?}"),
            }
        }
        host
    }

    fn eval_inputs(source: PredictionSource) -> EvalInputs {
        EvalInputs {
            dataset: "test.csv".into(),
            label: "label".into(),
            source: Some(source),
            ..EvalInputs::default()
        }
    }

    #[test]
    fn the_demo_loads_with_roles_pipeline_and_models() {
        let host = demo();
        let roles: Vec<_> = host
            .datasets
            .iter()
            .map(|d| (d.info.name.as_str(), d.info.role))
            .collect();
        assert_eq!(
            roles,
            [
                ("train.csv", Role::Training),
                ("train_dev.csv", Role::TrainDev),
                ("dev.csv", Role::Dev),
                ("test.csv", Role::Test),
                ("predictions-1.jsonl", Role::Serving),
                ("predictions-2.jsonl", Role::Serving),
            ]
        );
        let test = &host.dataset("test.csv").unwrap().info;
        assert_eq!((test.rows, test.guess.label.as_str()), (90, "label"));
        let bytes = std::fs::read(format!("{DEMO}test.csv")).unwrap();
        assert_eq!(test.sha256, sha256_hex(&bytes));
        let models: Vec<_> = host
            .models
            .iter()
            .map(|m| {
                (
                    m.info.name.as_str(),
                    m.info.role,
                    m.info.pipeline.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            models,
            [
                ("champion.onnx", ModelRole::Champion, Some("pipeline.json")),
                (
                    "challenger.onnx",
                    ModelRole::Challenger,
                    Some("pipeline.json")
                ),
            ]
        );
    }

    /// The worker's evaluation is `lockstep eval --data test.csv --label label --model
    /// champion.onnx --pipeline pipeline.json`'s: core's request, the same fingerprints.
    #[test]
    fn evaluating_the_champion_is_core_s_request() {
        let host = demo();
        let Reply::Evaluated(e) = host.evaluate(
            &eval_inputs(PredictionSource::Model("champion.onnx".into())),
            &|| 0.0,
        ) else {
            panic!("no report");
        };
        let report = report_of(&e).unwrap();
        assert_eq!(report.rows, 90);
        let bytes = std::fs::read(format!("{DEMO}champion.onnx")).unwrap();
        assert_eq!(report.fingerprints.model_sha256, Some(sha256_hex(&bytes)));
        assert!(report.roc.is_some() && report.reliability.is_some());
        assert_eq!(e.json, export::json(&report).unwrap());
    }

    /// Polls a future that never waits: natively the page engine's async run is its
    /// run, ready at once.
    fn ready<T>(future: impl std::future::Future<Output = T>) -> T {
        let mut future = std::pin::pin!(future);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match future.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(value) => value,
            std::task::Poll::Pending => panic!("the future waited"),
        }
    }

    /// The Evaluate cell with its bootstrap in parts (what the worker does with its
    /// engine workers, `crate::pool`): the job sent as the pool sends it (a header and
    /// the columns apart), ranges run separately and merged — the same reply, byte for
    /// byte, as one run; a model is run once.
    #[test]
    fn the_bootstrap_in_parts_gives_the_same_evaluation() {
        let host = demo();
        for source in [
            PredictionSource::Model("champion.onnx".into()),
            PredictionSource::Score("score".into()),
        ] {
            let inputs = eval_inputs(source);
            let whole = host.evaluate(&inputs, &|| 0.0);
            let pending = ready(host.evaluate_begin(&inputs, &|| 0.0)).unwrap();
            let Some(job) = &pending.job else {
                // A source the data set lacks: both halves fail alike.
                assert_eq!(
                    host.evaluate_end(&inputs, &pending, None, None, &|| 0.0, &mut |_| {}),
                    whole
                );
                continue;
            };
            let header = crate::pool::job_header(job);
            let sent =
                crate::pool::job_from(&header, job.labels.clone(), job.columns.clone()).unwrap();
            assert_eq!(&sent, job);
            let ranges = lockstep_core::metrics::bootstrap::replicate_ranges(job.replicates, 3)
                .into_iter()
                .map(|r| sent.run(r).unwrap())
                .collect();
            let pre = lockstep_core::report::PrecomputedReplicates {
                job: job.clone(),
                ranges,
            };
            let parts =
                host.evaluate_end(&inputs, &pending, Some(&pre), None, &|| 0.0, &mut |_| {});
            assert!(matches!(parts, Reply::Evaluated(_)), "{parts:?}");
            assert_eq!(parts, whole);
        }
    }

    /// The Robustness cell runs core's `attach_behaviour` on the evaluation's request:
    /// the example suite's tests, judged, in the report the CLI writes.
    #[test]
    fn robustness_runs_the_suite_through_core_s_request() {
        let host = demo();
        let eval = eval_inputs(PredictionSource::Model("champion.onnx".into()));
        let spec = crate::components::robustness_example();
        let r = match host.robustness(&eval, "champion.onnx", spec, &|| 0.0) {
            Reply::Robust(r) => r,
            other => panic!("no behavioural tests: {other:?}"),
        };
        let b: lockstep_core::behaviour::BehaviourReport =
            serde_json::from_str(&r.behaviour).unwrap();
        let kinds: Vec<_> = b.tests.iter().map(|t| t.kind).collect();
        use lockstep_core::behaviour::BehaviourKind::*;
        assert!(
            kinds.contains(&Perturbation)
                && kinds.contains(&Invariance)
                && kinds.contains(&Directional)
        );
        assert_eq!(b.seed, 7);
        assert_eq!(b.rows_total, 90);
        let report = export::from_json(&r.report_json).unwrap();
        assert_eq!(report.behaviour.as_ref(), Some(&b));
        // A prediction column cannot be perturbed; a bad suite is a named error.
        let Reply::Failed { error } = host.robustness(&eval, "champion.onnx", "[[nope]]", &|| 0.0)
        else {
            panic!("a bad suite ran");
        };
        assert!(error.starts_with("invalid behavioural tests"), "{error}");
    }

    const CITY_SLICES: &str = "[[slice]]\nname = \"oslo\"\nwhere = 'city == \"Oslo\"'\n\n[[slice]]\nname = \"paris\"\nwhere = 'city == \"Paris\"'\n";

    /// The Compare cell is core's comparison request with both models and their
    /// pipeline, per slice when slices are given.
    #[test]
    fn compare_is_core_s_request() {
        let host = demo();
        let eval = eval_inputs(PredictionSource::Model("champion.onnx".into()));
        let Reply::Compared(c) = ready(host.compare(
            &eval,
            ["champion.onnx", "challenger.onnx"],
            ["", CITY_SLICES],
            &|| 0.0,
        )) else {
            panic!("no comparison");
        };
        let report = lockstep_core::compare::export::from_json(&c.json).unwrap();
        assert_eq!(report.rows, 90);
        assert!(report.mcnemar.is_some() && report.delong.is_some());
        assert_eq!(report.champion.name, "champion.onnx");
        let bytes = std::fs::read(format!("{DEMO}challenger.onnx")).unwrap();
        assert_eq!(
            report.challenger.fingerprints.model_sha256,
            Some(sha256_hex(&bytes))
        );
        assert!(lockstep_core::compare::export::difference_chart(&report).is_some());
        let names: Vec<&str> = report.slices.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["oslo", "paris"]);
        assert_eq!(report.slices[0].rows, 13);
        assert_eq!(report.slices[1].rows, 27);
        let Reply::Failed { error } =
            ready(host.compare(&eval, ["champion.onnx", "champion.onnx"], ["", ""], &|| 0.0))
        else {
            panic!("a model against itself");
        };
        assert!(error.contains("the same model"), "{error}");
    }

    const SLICES: &str = r#"
[[slice]]
name = "older"
where = 'age >= 50'

[[by]]
columns = ["device"]

[finder]
max_level = 2

[simpson]
group = "member"
"#;

    /// The Slices cell's run is `lockstep eval … --slices slices.toml`'s: core's one
    /// request with the spec, byte for byte, the finder's progress reported.
    #[test]
    fn slices_are_core_s_request_with_the_spec() {
        let host = demo();
        let inputs = eval_inputs(PredictionSource::Model("champion.onnx".into()));
        let mut seen = Vec::new();
        let Reply::Evaluated(e) = host.slices(&inputs, SLICES, &|| 0.0, &mut |p| seen.push(p))
        else {
            panic!("no report");
        };
        assert!(!seen.is_empty(), "no progress from the finder");
        // In halves, as the worker runs it (the model and the bootstrap may run on its
        // engine workers in between): the same reply.
        let pending = ready(host.evaluate_begin(&inputs, &|| 0.0)).unwrap();
        let spec = host.slices_spec(&inputs, SLICES).unwrap();
        let halves = host.evaluate_end(&inputs, &pending, None, Some(spec), &|| 0.0, &mut |_| {});
        assert_eq!(halves, Reply::Evaluated(e.clone()));
        let report = report_of(&e).unwrap();
        let slices = report.slices.as_ref().unwrap();
        let names: Vec<&str> = slices.slices.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names[0], "older");
        assert!(names.iter().any(|n| n.starts_with("device=")), "{names:?}");
        assert!(slices.finder.is_some());
        assert!(slices.simpson.is_some());
        // A slice clicked: its rule selects as many rows of the data as the report
        // counted (the report's masks and bitsets, against the rule language here).
        let rules = slices.slices.iter().map(|s| (&s.rule, s.rows)).chain(
            slices
                .finder
                .iter()
                .flat_map(|f| f.slices.iter().map(|s| (&s.rule, s.rows))),
        );
        let mut checked = 0;
        for (rule, rows) in rules {
            let Reply::SliceRows(shown) = host.slice_rows("test.csv", rule) else {
                panic!("{rule}: no rows")
            };
            assert_eq!(shown.matched as u64, rows, "{rule}");
            assert_eq!(
                shown.rows.len(),
                shown.matched.min(SLICE_ROWS_SHOWN),
                "{rule}"
            );
            checked += 1;
        }
        assert!(checked > 3, "{checked} slices");
        let Reply::Failed { error } = host.slice_rows("test.csv", "nope == 1") else {
            panic!("an unknown column is an error")
        };
        assert!(error.starts_with("test.csv: slice `nope == 1`:"), "{error}");
        // The same request made directly through core.
        let held = host.model("champion.onnx").unwrap();
        let pipeline = host.pipeline("pipeline.json").unwrap();
        let (data, table) = host.table("test.csv").unwrap();
        let request = lockstep_core::report::EvalRequest {
            label: "label".into(),
            source: lockstep_core::report::Source::Model(lockstep_core::report::ModelSource {
                engine: held.model.engine(),
                class_labels: held.model.class_labels.as_deref(),
                pipeline: Some(pipeline.as_ref()),
                bytes: &held.model.raw,
            }),
            settings: Some(lockstep_core::report::Settings {
                text: "",
                format: lockstep_core::report::SettingsFormat::Toml,
            }),
            contract: None,
            overrides: lockstep_core::report::Overrides {
                slices: Some(lockstep_core::slices::SlicesSpec::from_toml(SLICES).unwrap()),
                ..Default::default()
            },
            data_sha256: Some(data.info.sha256.clone()),
        };
        let direct = lockstep_core::report::evaluate_request(table, &request, &|| 0.0).unwrap();
        assert_eq!(e.json, export::json(&direct).unwrap());
        // An empty box: one `by` over the first feature column, and the finder.
        let Reply::Evaluated(e) = host.slices(&inputs, " ", &|| 0.0, &mut |_| {}) else {
            panic!("no report");
        };
        let report = report_of(&e).unwrap();
        let slices = report.slices.unwrap();
        assert!(slices.slices.iter().all(|s| s.name.starts_with("age=")));
        assert!(slices.finder.is_some());
        // A bad spec is named.
        let Reply::Failed { error } =
            host.slices(&inputs, "[[by]]\ncolumns = []\n", &|| 0.0, &mut |_| {})
        else {
            panic!("accepted");
        };
        assert!(error.contains("slices.toml"), "{error}");
    }

    /// The Gate cell's run is `lockstep gate --data test.csv --model champion.onnx
    /// --pipeline pipeline.json`'s: core's blackbox evaluation and checks; a required
    /// input that is missing fails, an optional one warns; the Skew cell's report is
    /// read when given.
    #[test]
    fn the_gate_judges_the_champion_on_the_blackbox_rows() {
        let host = demo();
        let inputs = eval_inputs(PredictionSource::Model("champion.onnx".into()));
        let Reply::Gated(g) = ready(host.gate(&inputs, "", None, &|| 0.0)) else {
            panic!("no gate report");
        };
        let report = lockstep_core::gate::export::from_json(&g.json).unwrap();
        assert_eq!(report.checks.len(), 5);
        let skew = report.checks.iter().find(|c| c.kind == "skew").unwrap();
        assert_eq!(skew.status, lockstep_core::gate::Status::Warn);
        assert!(
            skew.evidence.starts_with("missing input"),
            "{}",
            skew.evidence
        );
        let bytes = std::fs::read(format!("{DEMO}champion.onnx")).unwrap();
        assert_eq!(report.provenance.model_sha256, Some(sha256_hex(&bytes)));
        let pipeline = std::fs::read(format!("{DEMO}pipeline.json")).unwrap();
        assert_eq!(
            report.provenance.pipeline_file_sha256,
            Some(sha256_hex(&pipeline))
        );
        assert!(
            report
                .provenance
                .settings
                .iter()
                .any(|s| s.contains("blackbox rows")),
            "{:?}",
            report.provenance.settings
        );
        assert_eq!(g.markdown, lockstep_core::gate::export::markdown(&report));
        // With the Skew cell's report, the skew check reads it.
        let Reply::Skewed(skewed) = host.skew(
            &SkewInputs {
                model: "champion.onnx".into(),
                training: "train.csv".into(),
                config: String::new(),
            },
            &|| 0.0,
        ) else {
            panic!("no skew report");
        };
        let Reply::Gated(g) = ready(host.gate(&inputs, "", Some(&skewed.json), &|| 0.0)) else {
            panic!("no gate report");
        };
        let report = lockstep_core::gate::export::from_json(&g.json).unwrap();
        let skew = report.checks.iter().find(|c| c.kind == "skew").unwrap();
        assert!(
            !skew.evidence.starts_with("missing input"),
            "{}",
            skew.evidence
        );
        // A required check without its input fails the gate.
        let config = "[[check]]\nkind = \"comparison\"\n";
        let Reply::Gated(g) = ready(host.gate(&inputs, config, None, &|| 0.0)) else {
            panic!("no gate report");
        };
        let report = lockstep_core::gate::export::from_json(&g.json).unwrap();
        assert_eq!(report.verdict, lockstep_core::gate::Status::Fail);
        assert!(g.blessing.is_some());
        // A prediction column is not a candidate.
        let Reply::Failed { error } = ready(host.gate(
            &eval_inputs(PredictionSource::Column("label".into())),
            "",
            None,
            &|| 0.0,
        )) else {
            panic!("accepted");
        };
        assert!(error.contains("model candidate"), "{error}");
    }

    /// Issue 13: the model panel counted the label as a feature of a CSV of features +
    /// label, while the evaluation ran the same model on the same file.
    /// The Diagnose cell's run is `lockstep diagnose --model champion.onnx --pipeline
    /// pipeline.json --label label --train train.csv --train-dev train_dev.csv --dev
    /// dev.csv --test test.csv` (1,000 replicates, seed 0): core's request on the same
    /// tables, the exports core's. The counts are the misclassified rows of each file.
    #[test]
    fn the_diagnosis_is_core_s_request_on_the_demo_sets() {
        let host = demo();
        let inputs = DiagnoseInputs {
            train: "train.csv".into(),
            train_dev: "train_dev.csv".into(),
            dev: "dev.csv".into(),
            test: "test.csv".into(),
            label: "label".into(),
            ..DiagnoseInputs::default()
        };
        let Reply::Diagnosed(d) = ready(host.diagnose(&inputs, &|| 0.0)) else {
            panic!("no diagnosis");
        };
        let report: lockstep_core::diagnose::export::DiagnoseReport =
            serde_json::from_str(&d.json).unwrap();
        let sets: Vec<_> = report
            .diagnosis
            .sets
            .iter()
            .map(|s| {
                (
                    s.rows.unwrap(),
                    (s.value * s.rows.unwrap() as f64).round() as u64,
                )
            })
            .collect();
        assert_eq!(sets, [(400, 15), (200, 12), (60, 6), (90, 13)]);
        assert_eq!(report.diagnosis.gaps.len(), 4);
        assert_eq!(report.diagnosis.replicates, 1000);
        assert!(matches!(
            report.diagnosis.optimal.as_ref().unwrap().source,
            lockstep_core::diagnose::OptimalSource::BestBaseline { .. }
        ));
        assert_eq!(
            d.markdown,
            lockstep_core::diagnose::export::markdown(&report)
        );
        assert_eq!(d.html, lockstep_core::diagnose::export::html(&report));
        // A declared optimal error and a learning-curve table.
        let with = DiagnoseInputs {
            optimal: "0".into(),
            curves: "size,train_error,dev_error\n50,0.02,0.2\n100,0.03,0.15\n200,0.035,0.1\n400,0.0375,0.08\n".into(),
            ..inputs.clone()
        };
        let Reply::Diagnosed(d) = ready(host.diagnose(&with, &|| 0.0)) else {
            panic!("no diagnosis");
        };
        let report: lockstep_core::diagnose::export::DiagnoseReport =
            serde_json::from_str(&d.json).unwrap();
        let bias = &report.diagnosis.gaps[0];
        assert_eq!(bias.gap, lockstep_core::diagnose::Gap::AvoidableBias);
        assert!(bias.distinguishable, "{bias:?}");
        assert_eq!(report.learning_curves.unwrap().points.len(), 4);
        assert!(d.html.contains("Learning curves"));
        // Bad input: named errors, never a panic.
        for (bad, needle) in [
            (
                DiagnoseInputs {
                    optimal: "lots".into(),
                    ..inputs.clone()
                },
                "`lots`",
            ),
            (
                DiagnoseInputs {
                    label: "nope".into(),
                    ..inputs.clone()
                },
                "train.csv (training set)",
            ),
            (
                DiagnoseInputs {
                    dev: "missing.csv".into(),
                    ..inputs.clone()
                },
                "missing.csv",
            ),
        ] {
            let Reply::Failed { error } = ready(host.diagnose(&bad, &|| 0.0)) else {
                panic!("{bad:?} ran");
            };
            assert!(error.contains(needle), "{error}");
        }
    }

    /// The Error analysis cell's run is `lockstep diagnose --model champion.onnx
    /// --pipeline pipeline.json --label label --dev dev.csv --errors 100`: the dev
    /// set's eyeball errors, highest confidence first.
    #[test]
    fn the_error_list_is_core_s_sample_of_the_eyeball_errors() {
        let host = demo();
        let inputs = ErrorsInputs {
            dataset: "dev.csv".into(),
            label: "label".into(),
            ..ErrorsInputs::default()
        };
        let Reply::Diagnosed(d) = ready(host.errors(&inputs, &|| 0.0)) else {
            panic!("no errors");
        };
        let report: lockstep_core::diagnose::export::DiagnoseReport =
            serde_json::from_str(&d.json).unwrap();
        let sample = report.errors.unwrap();
        assert_eq!(sample.limit, 100);
        let ids: Vec<_> = sample.errors.iter().map(|e| e.row_id.as_str()).collect();
        assert_eq!(ids, ["17", "10", "23", "1"]);
        assert!(
            sample
                .errors
                .windows(2)
                .all(|w| w[0].confidence >= w[1].confidence)
        );
        for (limit, needle) in [("0", "from 1 to"), ("x", "`x`")] {
            let bad = ErrorsInputs {
                limit: limit.into(),
                ..inputs.clone()
            };
            let Reply::Failed { error } = ready(host.errors(&bad, &|| 0.0)) else {
                panic!("limit {limit} ran");
            };
            assert!(error.contains(needle), "{error}");
        }
    }

    #[test]
    fn a_model_without_pipeline_is_fed_the_data_without_its_label() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/onnx/");
        let model = std::fs::read(format!("{dir}logreg_binary_breast_cancer.onnx")).unwrap();
        let fixture: serde_json::Value = serde_json::from_slice(
            &std::fs::read(format!("{dir}logreg_binary_breast_cancer.json")).unwrap(),
        )
        .unwrap();
        let data = fixture["inputs"][0]["data"].as_array().unwrap();
        let labels = fixture["outputs"][0]["data"].as_array().unwrap();
        let header: Vec<String> = (0..30).map(|j| format!("f{j}")).collect();
        let mut csv = format!("{},y\n", header.join(","));
        for (row, label) in data.chunks(30).zip(labels) {
            let fields: Vec<String> = row.iter().map(ToString::to_string).collect();
            csv.push_str(&format!("{},{label}\n", fields.join(",")));
        }
        let mut host = Host::new();
        host.load(
            "features.csv",
            Some(Role::Test),
            None,
            csv.into_bytes(),
            &|| 0.0,
        );
        host.load("m.onnx", None, None, model, &|| 0.0);
        let Reply::Predicted(p) = host.predict("m.onnx", "features.csv", "y", &|| 0.0) else {
            panic!("the model did not run");
        };
        assert_eq!(p.rows, labels.len());
        let mut inputs = eval_inputs(PredictionSource::Model("m.onnx".into()));
        inputs.dataset = "features.csv".into();
        inputs.label = "y".into();
        let Reply::Evaluated(e) = host.evaluate(&inputs, &|| 0.0) else {
            panic!("no report");
        };
        let accuracy = report_of(&e)
            .unwrap()
            .metrics
            .into_iter()
            .find(|m| m.name == "accuracy")
            .unwrap();
        assert_eq!(accuracy.estimate.value(), Some(1.0));
    }

    #[test]
    fn the_serving_logs_replay_through_the_champion() {
        let host = demo();
        let Reply::Skewed(s) = host.skew(
            &SkewInputs {
                model: "champion.onnx".into(),
                training: "train.csv".into(),
                config: String::new(),
            },
            &|| 0.0,
        ) else {
            panic!("no skew report");
        };
        assert!(
            s.verdict.contains("150 rows from 2 file(s)"),
            "{}",
            s.verdict
        );
        let failing: Vec<_> = s
            .checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| (c.group.as_str(), c.subject.as_str()))
            .collect();
        assert_eq!(
            failing,
            [
                ("vocabulary", "city"),
                ("vocabulary", "city_x_device"),
                ("distribution", "city")
            ]
        );
    }

    #[test]
    fn formats_and_roles() {
        let mut host = Host::new();
        let jsonl = b"{\"y\": 1, \"s\": 0.9}\n{\"y\": 0, \"s\": 0.2}\n".to_vec();
        let Reply::Loaded { datasets, .. } = host.load("d.jsonl", None, None, jsonl, &|| 0.0)
        else {
            panic!()
        };
        assert_eq!(
            (datasets[0].rows, datasets[0].format),
            (2, FileKind::JsonLines)
        );
        let parquet = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/data/transforms/test.parquet"
        ))
        .unwrap();
        // Parquet and Arrow IPC come read by the columnar module (here natively), as
        // the worker gets them in the page.
        let Reply::Failed { error } = host.load("t.parquet", None, None, parquet.clone(), &|| 0.0)
        else {
            panic!()
        };
        assert!(
            error.contains("read by the page's columnar module"),
            "{error}"
        );
        let Reply::Loaded { datasets, .. } = host.load_decoded(
            "t.parquet",
            None,
            columnar(Kind::Parquet, &parquet),
            &|| 0.0,
        ) else {
            panic!()
        };
        assert_eq!(
            (datasets[0].rows, datasets[0].format),
            (150, FileKind::Parquet)
        );
        // The file's fingerprint, as the CLI computes it over the whole file.
        assert_eq!(
            (datasets[0].sha256.as_str(), datasets[0].bytes),
            (sha256_hex(&parquet).as_str(), parquet.len())
        );
        // A role change keeps the table the columnar module read.
        for (role, rows) in [(Role::Serving, 150), (Role::Training, 150)] {
            let Reply::Loaded { datasets, .. } = host.set_role("t.parquet", role, &|| 0.0) else {
                panic!()
            };
            assert_eq!((datasets[0].rows, datasets[0].role), (rows, role));
        }
        // Arrow IPC written by pyarrow (scripts/fixtures/gen_arrow_ipc.py).
        let feather = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/data/arrow/train_lz4.feather"
        ))
        .unwrap();
        let decoded = columnar(Kind::ArrowIpc, &feather);
        let Reply::Loaded { datasets, .. } = host.load_decoded("t.feather", None, decoded, &|| 0.0)
        else {
            panic!()
        };
        assert_eq!(datasets[0].format, FileKind::ArrowIpc);
        assert!(datasets[0].rows > 0 && datasets[0].columns.contains(&"city".to_owned()));
        // A table made a serving log is kept as bytes, and back.
        let Reply::Loaded { datasets, .. } = host.set_role("d.jsonl", Role::Serving, &|| 0.0)
        else {
            panic!()
        };
        assert!(datasets[0].columns.is_empty());
        let Reply::Failed { error } = host.predict("x.onnx", "d.jsonl", "y", &|| 0.0) else {
            panic!()
        };
        assert!(error.starts_with("no model named `x.onnx`"), "{error}");
        let Reply::Failed { error } =
            host.load("broken.csv", None, None, b"a,b\n1\n".to_vec(), &|| 0.0)
        else {
            panic!()
        };
        assert!(error.starts_with("broken.csv: CSV line 2"), "{error}");
        let Reply::Failed { error } = host.load("x.xlsx", None, None, vec![], &|| 0.0) else {
            panic!()
        };
        assert!(error.contains("unknown kind of file"), "{error}");
        assert!(CellKind::OFFERED.contains(&CellKind::Skew));
    }
}
