//! `lockstep skew`: replay logged serving rows through the offline pipeline and model,
//! and compare — row by row (transform and prediction parity, offline predictions) and
//! by distribution (against the training data). Exit 0 pass, 1 skew found, 2 bad usage
//! or unreadable input.
//!
//! The logs (`lockstep serve --log-dir`, docs/serving-log-format.md) are streamed in
//! chunks of `--batch-rows` × cores rows; each chunk is split across one worker per core
//! and the partial results merged, so memory does not grow with the log's size.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use lockstep_core::onnx::{Model, Tensor, TensorData};
use lockstep_core::parity::{self, OutputComparison, Tolerance};
use lockstep_core::skew::{
    EngineParity, FingerprintCheck, OfflineComparison, OutputParity, SKEW_REPORT_VERSION,
    ServingAccumulator, SkewReport, SkewThresholds, TrainingProfile, TransformParity,
    compare_features,
};
use lockstep_core::table::{JsonlOptions, Table, UnknownKeys};
use lockstep_core::transform::{self, FittedPipeline};
use serde::Deserialize;
use serde_json::Value;

use crate::input;
use crate::ort_engine::{self, OrtModel};

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SkewFormat {
    Text,
    Json,
    Md,
    Junit,
}

/// Arguments of `lockstep skew`.
#[derive(Debug, clap::Args)]
pub struct SkewArgs {
    /// Prediction logs: JSON Lines files, or folders of them (`*.jsonl`).
    #[arg(long, required = true, num_args = 1..)]
    pub log: Vec<PathBuf>,
    /// The fitted pipeline the offline side uses.
    #[arg(long)]
    pub pipeline: PathBuf,
    /// The model the offline side uses.
    #[arg(long)]
    pub model: PathBuf,
    /// Training data, for distribution skew (.csv, .jsonl or .parquet).
    #[arg(long)]
    pub train: Option<PathBuf>,
    /// Offline predictions (as `lockstep predict` writes them) to join on `--key`.
    #[arg(long)]
    pub offline_preds: Option<PathBuf>,
    /// The column of --offline-preds holding the request id (`ID` or `ID#ROW`).
    #[arg(long, default_value = "request_id")]
    pub key: String,
    /// Tolerances and thresholds (TOML; see docs/skew.md).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: SkewFormat,
    /// Where to write the report (default: standard output).
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// ONNX Runtime's library, to replay through ONNX Runtime too (default: found if installed).
    #[arg(long)]
    pub ort_lib: Option<PathBuf>,
    /// Do not replay through ONNX Runtime.
    #[arg(long)]
    pub no_ort: bool,
    /// Rows per worker batch.
    #[arg(long, default_value_t = 8192)]
    pub batch_rows: usize,
}

/// `skew.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct SkewConfig {
    tolerance: Tolerance,
    thresholds: SkewThresholds,
}

/// One logged row (docs/serving-log-format.md, `log_format` 1).
#[derive(Debug, Deserialize)]
struct LogRecord {
    log_format: u32,
    request_id: String,
    #[serde(default)]
    row: usize,
    pipeline_fingerprint: String,
    model_fingerprint: String,
    /// Kept as text: it is handed to the JSON Lines reader as it is.
    inputs: Box<serde_json::value::RawValue>,
    features: Vec<Option<f64>>,
    outputs: serde_json::Map<String, Value>,
}

const LOG_FORMAT: u32 = 1;

/// What the workers share.
struct Shared<'a> {
    pipeline: &'a FittedPipeline,
    model: &'a Model,
    ort: Option<&'a OrtModel>,
    tolerance: Tolerance,
    profile: Option<&'a TrainingProfile>,
    offline: Option<&'a OfflineTable>,
}

/// Offline predictions indexed by key.
struct OfflineTable {
    table: Table,
    rows: HashMap<String, usize>,
}

/// One worker's findings over a batch.
struct Partial<'p> {
    rows: u64,
    pipelines: BTreeSet<String>,
    models: BTreeSet<String>,
    input_keys: BTreeSet<String>,
    transform: Option<TransformParity>,
    engines: Vec<(String, Vec<OutputParity>)>,
    offline: Vec<OutputParity>,
    offline_matched: u64,
    offline_unmatched: u64,
    distribution: Option<ServingAccumulator<'p>>,
}

pub fn run(args: SkewArgs) -> anyhow::Result<ExitCode> {
    let config: SkewConfig = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read `{}`", path.display()))?;
            toml::from_str(&text).with_context(|| format!("invalid config `{}`", path.display()))?
        }
        None => SkewConfig::default(),
    };
    if args.batch_rows == 0 {
        bail!("--batch-rows must be at least 1");
    }
    let pipeline = input::read_pipeline(&args.pipeline)?;
    let model_bytes = input::read_model(&args.model)?;
    let model = Model::from_bytes(&model_bytes).context("cannot load the model")?;
    let model_fingerprint = lockstep_core::report::sha256_hex(&model_bytes);
    let ort = if args.no_ort {
        None
    } else {
        match ort_engine::init(args.ort_lib.as_deref()) {
            Ok(()) => Some(OrtModel::from_bytes(&model_bytes, 1)?),
            Err(err) if args.ort_lib.is_some() => return Err(err.into()),
            Err(err) => {
                eprintln!("note: not replaying through ONNX Runtime: {err}");
                None
            }
        }
    };
    let profile = args
        .train
        .as_deref()
        .map(|path| input::read_table(path).map(|t| TrainingProfile::new(&t)))
        .transpose()?;
    let offline = args
        .offline_preds
        .as_deref()
        .map(|path| read_offline(path, &args.key))
        .transpose()?;
    let files = log_files(&args.log)?;
    let ctx = Shared {
        pipeline: &pipeline,
        model: &model,
        ort: ort.as_ref(),
        tolerance: config.tolerance,
        profile: profile.as_ref(),
        offline: offline.as_ref(),
    };
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut total: Option<Partial> = None;
    let mut chunk: Vec<(LogRecord, String)> = Vec::new();
    let mut flush = |chunk: &mut Vec<(LogRecord, String)>| -> anyhow::Result<()> {
        if chunk.is_empty() {
            return Ok(());
        }
        let per_worker = chunk.len().div_ceil(workers);
        let results: Vec<anyhow::Result<Partial>> = std::thread::scope(|scope| {
            let handles: Vec<_> = chunk
                .chunks(per_worker)
                .map(|part| scope.spawn(|| replay(&ctx, part)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("a replay worker panicked")))
                })
                .collect()
        });
        for result in results {
            let partial = result?;
            match &mut total {
                None => total = Some(partial),
                Some(t) => merge(t, partial),
            }
        }
        chunk.clear();
        Ok(())
    };
    for file in &files {
        let reader = BufReader::new(
            std::fs::File::open(file)
                .with_context(|| format!("cannot open `{}`", file.display()))?,
        );
        for (index, line) in reader.lines().enumerate() {
            let line = line.with_context(|| format!("cannot read `{}`", file.display()))?;
            if line.trim().is_empty() {
                continue;
            }
            let place = format!("{}:{}", file.display(), index + 1);
            let record: LogRecord = serde_json::from_str(&line)
                .with_context(|| format!("{place}: not a prediction log record"))?;
            if record.log_format != LOG_FORMAT {
                bail!(
                    "{place}: log_format {} is not supported (this lockstep reads {LOG_FORMAT})",
                    record.log_format
                );
            }
            chunk.push((record, place));
            if chunk.len() >= args.batch_rows * workers {
                flush(&mut chunk)?;
            }
        }
    }
    flush(&mut chunk)?;
    let Some(total) = total else {
        bail!(
            "the logs hold no rows: {}",
            files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    };

    let inputs: Vec<String> = pipeline
        .input_schema()
        .iter()
        .map(|c| c.name.clone())
        .collect();
    let mut report = SkewReport {
        report_version: SKEW_REPORT_VERSION.to_owned(),
        rows: total.rows,
        files: files.iter().map(|f| f.display().to_string()).collect(),
        fingerprints: FingerprintCheck {
            pipeline_expected: pipeline.fingerprint().to_owned(),
            pipeline_logged: total.pipelines.iter().cloned().collect(),
            model_expected: model_fingerprint,
            model_logged: total.models.iter().cloned().collect(),
        },
        missing_columns: inputs
            .iter()
            .filter(|c| !total.input_keys.contains(*c))
            .cloned()
            .collect(),
        extra_columns: total
            .input_keys
            .iter()
            .filter(|k| !inputs.contains(k))
            .cloned()
            .collect(),
        transform_parity: total.transform.unwrap_or(TransformParity {
            rows: 0,
            features: Vec::new(),
            missing_in_log: Vec::new(),
            extra_in_log: Vec::new(),
        }),
        prediction_parity: total
            .engines
            .into_iter()
            .map(|(engine, outputs)| EngineParity {
                engine,
                atol: config.tolerance.atol,
                rtol: config.tolerance.rtol,
                outputs,
            })
            .collect(),
        offline: offline.as_ref().map(|o| OfflineComparison {
            key: args.key.clone(),
            matched: total.offline_matched,
            unmatched_log_rows: total.offline_unmatched,
            unmatched_offline_rows: (o.rows.len() as u64).saturating_sub(total.offline_matched),
            outputs: total.offline,
        }),
        distribution: total.distribution.map(|acc| acc.finish(&config.thresholds)),
        checks: Vec::new(),
        passed: false,
    };
    report.conclude();
    let text = match args.format {
        SkewFormat::Text => report.text(),
        SkewFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
        SkewFormat::Md => report.markdown(),
        SkewFormat::Junit => report.junit(),
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, text)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            eprint!("{}", report.text());
        }
        None => print!("{text}"),
    }
    Ok(if report.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Files to read: each path itself, or the `*.jsonl` files of a folder, in name order.
fn log_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .with_context(|| format!("cannot list `{}`", path.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| input::extension(p) == "jsonl")
                .collect();
            found.sort();
            if found.is_empty() {
                bail!("`{}` holds no .jsonl prediction logs", path.display());
            }
            files.extend(found);
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            bail!(
                "cannot read the log `{}`: no such file or folder",
                path.display()
            );
        }
    }
    Ok(files)
}

fn read_offline(path: &Path, key: &str) -> anyhow::Result<OfflineTable> {
    let table = input::read_table(path)?;
    let column = table
        .column(key)
        .with_context(|| format!("`{}`", path.display()))?;
    let mut rows = HashMap::new();
    for row in 0..table.num_rows() {
        let value = column.value_text(row).with_context(|| {
            format!(
                "`{}`: key `{key}` is null in row {}",
                path.display(),
                row + 1
            )
        })?;
        if rows.insert(value.clone(), row).is_some() {
            bail!(
                "`{}`: key `{key}` = `{value}` appears twice",
                path.display()
            );
        }
    }
    Ok(OfflineTable { table, rows })
}

fn row_id(record: &LogRecord) -> String {
    format!("{}#{}", record.request_id, record.row)
}

fn replay<'p>(ctx: &Shared<'p>, batch: &[(LogRecord, String)]) -> anyhow::Result<Partial<'p>> {
    let rows = batch.len();
    let ids: Vec<String> = batch.iter().map(|(r, _)| row_id(r)).collect();
    // The schema check reads the keys of each batch's first record; the rows are read
    // straight from the logged text.
    let mut input_keys = BTreeSet::new();
    if let Some((first, place)) = batch.first() {
        let keys: serde_json::Map<String, Value> = serde_json::from_str(first.inputs.get())
            .with_context(|| format!("{place}: `inputs` is not an object"))?;
        input_keys.extend(keys.into_iter().map(|(k, _)| k));
    }
    let mut lines =
        String::with_capacity(batch.iter().map(|(r, _)| r.inputs.get().len() + 1).sum());
    for (record, _) in batch {
        lines.push_str(record.inputs.get());
        lines.push('\n');
    }
    let schema = ctx.pipeline.input_schema();
    let options = JsonlOptions {
        columns: Some(schema.iter().map(|c| c.name.clone()).collect()),
        unknown_keys: UnknownKeys::Ignore,
        column_types: schema
            .iter()
            .map(|c| (c.name.clone(), c.data_type))
            .collect(),
        ..JsonlOptions::default()
    };
    let place = |line: u64| {
        batch
            .get(line.saturating_sub(1) as usize)
            .map_or("?", |(_, p)| p.as_str())
    };
    let raw = Table::from_jsonl(lines.as_bytes(), &options).map_err(|err| {
        let line = match &err {
            lockstep_core::table::TableError::ParseValue { line, .. } => *line,
            _ => 0,
        };
        anyhow::anyhow!("{}: logged inputs: {err}", place(line))
    })?;

    let width = batch.first().map_or(0, |(r, _)| r.features.len());
    let mut logged = Vec::with_capacity(rows * width);
    for (record, place) in batch {
        if record.features.len() != width {
            bail!(
                "{place}: {} features, but earlier rows have {width}",
                record.features.len()
            );
        }
        logged.extend(
            record
                .features
                .iter()
                .map(|f| f.map_or(f32::NAN, |v| v as f32)),
        );
    }
    // Served features are named by the pipeline the server ran: the given one when the
    // fingerprints match, otherwise by position when the widths agree.
    let offline_names = ctx.pipeline.feature_names();
    let logged_names: Vec<String> = if width == offline_names.len() {
        offline_names.to_vec()
    } else {
        (0..width).map(|j| format!("served_feature_{j}")).collect()
    };
    let features = transform::apply(ctx.pipeline, &raw)
        .context("cannot re-apply the pipeline to the logged inputs")?;
    let transform = compare_features(offline_names, &features, &logged_names, &logged, &ids)?;

    // Prediction parity: the offline features through each engine, against the log.
    let input_name = ctx
        .model
        .inputs()
        .first()
        .map(|i| i.name.clone())
        .unwrap_or_default();
    let tensor = Tensor::f32(
        vec![rows, features.num_features()],
        features.values().to_vec(),
    )?;
    let mut engines = Vec::new();
    let ours = ctx
        .model
        .run(&[(input_name.as_str(), &tensor)])
        .context("the core engine failed")?;
    engines.push((
        "core".to_owned(),
        compare_with_log(&ours, batch, &ids, ctx.tolerance),
    ));
    if let Some(ort) = ctx.ort {
        let theirs = ort.run(&[(input_name.as_str(), &tensor)])?;
        engines.push((
            "onnxruntime".to_owned(),
            compare_with_log(&theirs, batch, &ids, ctx.tolerance),
        ));
    }

    let mut partial = Partial {
        rows: rows as u64,
        pipelines: batch
            .iter()
            .map(|(r, _)| r.pipeline_fingerprint.clone())
            .collect(),
        models: batch
            .iter()
            .map(|(r, _)| r.model_fingerprint.clone())
            .collect(),
        input_keys,
        transform: Some(transform),
        engines,
        offline: Vec::new(),
        offline_matched: 0,
        offline_unmatched: 0,
        distribution: ctx.profile.map(|p| {
            let mut acc = p.accumulator();
            acc.add(&raw);
            acc
        }),
    };
    if let Some(offline) = ctx.offline {
        offline_compare(offline, batch, ctx.tolerance, &mut partial);
    }
    Ok(partial)
}

/// The logged values of `output` as a tensor shaped and typed like `like`.
fn logged_tensor(
    name: &str,
    like: &Tensor,
    batch: &[(LogRecord, String)],
) -> Result<Tensor, String> {
    let rows = batch.len();
    let width = like.shape().get(1).copied().unwrap_or(1);
    let mut values: Vec<&Value> = Vec::with_capacity(rows * width);
    for (record, place) in batch {
        let value = record
            .outputs
            .get(name)
            .ok_or_else(|| format!("{place}: output `{name}` is not in the log"))?;
        match value {
            Value::Array(items) if items.len() == width => values.extend(items.iter()),
            Value::Array(items) => {
                return Err(format!(
                    "{place}: output `{name}` has {} values, expected {width}",
                    items.len()
                ));
            }
            scalar => values.push(scalar),
        }
    }
    if values.len() != rows * width {
        return Err(format!(
            "output `{name}`: logged shape differs from the model's"
        ));
    }
    let bad = |v: &Value| format!("output `{name}`: logged value {v} is not of the model's type");
    let tensor = match like.data() {
        TensorData::F32(_) => Tensor::f32(
            like.shape().to_vec(),
            values
                .iter()
                .map(|v| {
                    if v.is_null() {
                        Ok(f32::NAN)
                    } else {
                        v.as_f64().map(|x| x as f32).ok_or_else(|| bad(v))
                    }
                })
                .collect::<Result<_, _>>()?,
        ),
        TensorData::F64(_) => Tensor::f64(
            like.shape().to_vec(),
            values
                .iter()
                .map(|v| {
                    if v.is_null() {
                        Ok(f64::NAN)
                    } else {
                        v.as_f64().ok_or_else(|| bad(v))
                    }
                })
                .collect::<Result<_, _>>()?,
        ),
        TensorData::I64(_) => Tensor::i64(
            like.shape().to_vec(),
            values
                .iter()
                .map(|v| v.as_i64().ok_or_else(|| bad(v)))
                .collect::<Result<_, _>>()?,
        ),
        TensorData::Str(_) => Tensor::strings(
            like.shape().to_vec(),
            values
                .iter()
                .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| bad(v)))
                .collect::<Result<_, _>>()?,
        ),
    };
    tensor.map_err(|e| e.to_string())
}

fn compare_with_log(
    outputs: &[(String, Tensor)],
    batch: &[(LogRecord, String)],
    ids: &[String],
    tolerance: Tolerance,
) -> Vec<OutputParity> {
    outputs
        .iter()
        .map(|(name, ours)| match logged_tensor(name, ours, batch) {
            Err(reason) => OutputParity {
                output: name.clone(),
                incomparable: Some(reason),
                ..OutputParity::default()
            },
            Ok(logged) => to_parity(name, parity::compare_tensor(ours, &logged, tolerance), ids),
        })
        .collect()
}

fn to_parity(name: &str, comparison: OutputComparison, ids: &[String]) -> OutputParity {
    let id = |row: Option<usize>| row.and_then(|r| ids.get(r)).cloned().into_iter().collect();
    match comparison {
        OutputComparison::Float {
            max_abs_diff,
            mismatches,
            values,
            worst_row,
            ..
        } => OutputParity {
            output: name.to_owned(),
            kind: "float".into(),
            values: values as u64,
            mismatches: mismatches as u64,
            max_abs_diff,
            worst_ids: id(worst_row),
            incomparable: None,
        },
        OutputComparison::Labels {
            disagreements,
            values,
            first_disagreement_row,
        } => OutputParity {
            output: name.to_owned(),
            kind: "labels".into(),
            values: values as u64,
            mismatches: disagreements as u64,
            max_abs_diff: 0.0,
            worst_ids: id(first_disagreement_row),
            incomparable: None,
        },
        OutputComparison::Incomparable { reason } => OutputParity {
            output: name.to_owned(),
            incomparable: Some(reason),
            ..OutputParity::default()
        },
    }
}

/// Joins the batch to the offline predictions and compares every offline column that
/// names a logged output (`name`, or `name_J` for element J of a vector output).
fn offline_compare(
    offline: &OfflineTable,
    batch: &[(LogRecord, String)],
    tolerance: Tolerance,
    partial: &mut Partial<'_>,
) {
    let mut columns: Vec<OutputParity> = Vec::new();
    for (record, _) in batch {
        let id = row_id(record);
        let row = offline.rows.get(&id).or_else(|| {
            (record.row == 0)
                .then(|| offline.rows.get(&record.request_id))
                .flatten()
        });
        let Some(&row) = row else {
            partial.offline_unmatched += 1;
            continue;
        };
        partial.offline_matched += 1;
        for column in offline.table.columns() {
            let Some(logged) = logged_value(record, column.name()) else {
                continue;
            };
            let Some(text) = column.value_text(row) else {
                continue;
            };
            let entry = match columns.iter_mut().position(|c| c.output == column.name()) {
                Some(i) => &mut columns[i],
                None => {
                    columns.push(OutputParity {
                        output: column.name().to_owned(),
                        ..OutputParity::default()
                    });
                    let last = columns.len() - 1;
                    &mut columns[last]
                }
            };
            entry.values += 1;
            match (logged.as_f64(), text.parse::<f64>()) {
                (Some(served), Ok(theirs)) if !logged.is_i64() || text.contains('.') => {
                    entry.kind = "float".into();
                    let diff = (served - theirs).abs();
                    if diff > tolerance.atol + tolerance.rtol * served.abs() {
                        entry.mismatches += 1;
                    }
                    if diff > entry.max_abs_diff {
                        entry.max_abs_diff = diff;
                        entry.worst_ids = vec![id.clone()];
                    }
                }
                _ => {
                    entry.kind = "labels".into();
                    let served = logged
                        .as_str()
                        .map_or_else(|| logged.to_string(), str::to_owned);
                    if served != text {
                        entry.mismatches += 1;
                        if entry.worst_ids.len() < 5 {
                            entry.worst_ids.push(id.clone());
                        }
                    }
                }
            }
        }
    }
    partial.offline = columns;
}

/// The logged output value an offline column names, if any.
fn logged_value<'r>(record: &'r LogRecord, column: &str) -> Option<&'r Value> {
    if let Some(v) = record.outputs.get(column) {
        return Some(v);
    }
    let (name, index) = column.rsplit_once('_')?;
    let index: usize = index.parse().ok()?;
    record.outputs.get(name)?.as_array()?.get(index)
}

fn merge_outputs(mine: &mut Vec<OutputParity>, theirs: Vec<OutputParity>) {
    for t in theirs {
        match mine.iter_mut().find(|m| m.output == t.output) {
            None => mine.push(t),
            Some(m) => {
                m.values += t.values;
                m.mismatches += t.mismatches;
                if m.kind.is_empty() {
                    m.kind = t.kind;
                }
                if m.incomparable.is_none() {
                    m.incomparable = t.incomparable;
                }
                if m.kind == "float" {
                    if t.max_abs_diff > m.max_abs_diff {
                        m.max_abs_diff = t.max_abs_diff;
                        m.worst_ids = t.worst_ids;
                    }
                } else {
                    for id in t.worst_ids {
                        if m.worst_ids.len() < 5 {
                            m.worst_ids.push(id);
                        }
                    }
                }
            }
        }
    }
}

fn merge<'p>(total: &mut Partial<'p>, other: Partial<'p>) {
    total.rows += other.rows;
    total.pipelines.extend(other.pipelines);
    total.models.extend(other.models);
    total.input_keys.extend(other.input_keys);
    match (&mut total.transform, other.transform) {
        (Some(t), Some(o)) => t.merge(o),
        (t @ None, o) => *t = o,
        _ => {}
    }
    for (engine, outputs) in other.engines {
        match total.engines.iter_mut().find(|(e, _)| *e == engine) {
            Some((_, mine)) => merge_outputs(mine, outputs),
            None => total.engines.push((engine, outputs)),
        }
    }
    merge_outputs(&mut total.offline, other.offline);
    total.offline_matched += other.offline_matched;
    total.offline_unmatched += other.offline_unmatched;
    match (&mut total.distribution, other.distribution) {
        (Some(t), Some(o)) => t.merge(o),
        (t @ None, o) => *t = o,
        _ => {}
    }
}
