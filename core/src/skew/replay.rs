//! Replaying logged rows: the row-by-row half of `lockstep skew`, shared by the CLI
//! (many batches on all cores) and the web app (one file at a time).
//!
//! [`Replayer::replay`] takes one [`LogBatch`] and returns its [`Findings`]: transform
//! parity (the pipeline re-applied to the logged inputs, against the logged features),
//! prediction parity (the recomputed features through each [`Engine`], against the
//! logged outputs), the join with offline predictions, and the serving-side counts for
//! distribution skew. Findings merge in log order ([`Findings::merge`]), so a report is
//! the same whatever the batch size or the number of workers; [`Replayer::report`]
//! turns them into a [`SkewReport`].

use std::collections::{BTreeSet, HashMap};

use crate::engine::{Engine, EngineError};
use crate::onnx::Tensor;
use crate::parity::{self, OutputComparison, Tolerance};
use crate::table::Table;
use crate::transform::{self, FittedPipeline, OOV_EXAMPLES};

use super::distribution::{ServingAccumulator, SkewThresholds, TrainingProfile};
use super::log::{LogBatch, LogError, LoggedValue};
use super::report::{
    EngineParity, FingerprintCheck, OfflineComparison, OutputParity, SKEW_REPORT_VERSION,
    SkewReport, UnseenCategories,
};
use super::transform_parity::{RowIds, TransformParity, compare_features};

/// How many example ids a label comparison keeps.
const LABEL_EXAMPLES: usize = 5;

/// Why a replay failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Log(#[from] LogError),
    #[error("{file}: cannot re-apply the pipeline to the logged inputs: {message}")]
    Transform { file: String, message: String },
    #[error("{file}: the {engine} engine failed on the recomputed features: {source}")]
    Engine {
        file: String,
        engine: String,
        source: EngineError,
    },
    #[error("offline predictions: {0}")]
    Offline(String),
    #[error("the logs hold no rows: {files}")]
    NoRows { files: String },
}

/// A user's offline predictions, indexed by the key column (`ID` or `ID#ROW`).
#[derive(Debug, Clone)]
pub struct OfflinePredictions {
    key: String,
    table: Table,
    rows: HashMap<String, usize>,
}

impl OfflinePredictions {
    /// Indexes `table` on `key`; a null or repeated key is an error naming it.
    pub fn new(table: Table, key: &str) -> Result<Self, ReplayError> {
        let column = table
            .column(key)
            .map_err(|e| ReplayError::Offline(e.to_string()))?;
        let mut rows = HashMap::with_capacity(table.num_rows());
        for row in 0..table.num_rows() {
            let value = column.value_text(row).ok_or_else(|| {
                ReplayError::Offline(format!("key `{key}` is null in row {}", row + 1))
            })?;
            if let Some(first) = rows.insert(value.clone(), row) {
                return Err(ReplayError::Offline(format!(
                    "key `{key}` = `{value}` appears in rows {} and {}",
                    first + 1,
                    row + 1
                )));
            }
        }
        Ok(Self {
            key: key.to_owned(),
            table,
            rows,
        })
    }

    /// Offline rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// `skew.toml` (docs/skew.md): tolerances for prediction parity and thresholds for
/// distribution skew. Both the CLI (`--config`) and the web app read it.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SkewConfig {
    pub tolerance: Tolerance,
    pub thresholds: SkewThresholds,
}

impl SkewConfig {
    /// Parses `skew.toml` (the one settings reader, `SettingsFormat::read`): a syntax
    /// error names its line and column, a bad value its path.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        crate::report::SettingsFormat::Toml.read(text)
    }
}

/// What one replay needs: the offline artefacts and the settings.
pub struct Replayer<'a> {
    pub pipeline: &'a FittedPipeline,
    /// sha256 of the model's bytes, to compare with the logged fingerprints.
    pub model_fingerprint: String,
    /// Engines to replay through, in report order (usually the core engine first);
    /// each is fed the recomputed features as its (one) input.
    pub engines: Vec<&'a dyn Engine>,
    pub tolerance: Tolerance,
    pub thresholds: SkewThresholds,
    pub profile: Option<&'a TrainingProfile>,
    pub offline: Option<&'a OfflinePredictions>,
}

/// What replaying some batches found; merge findings in log order.
#[derive(Debug, Clone)]
pub struct Findings<'p> {
    pub(super) rows: u64,
    pub(super) pipelines: BTreeSet<String>,
    pub(super) models: BTreeSet<String>,
    pub(super) input_keys: BTreeSet<String>,
    pub(super) transform: TransformParity,
    /// Per encoded column: rows with categories the pipeline lacks, and examples.
    pub(super) unseen: Vec<(String, u64, BTreeSet<String>)>,
    pub(super) engines: Vec<(String, Vec<OutputParity>)>,
    pub(super) offline: Vec<OutputParity>,
    pub(super) offline_matched: u64,
    pub(super) offline_unmatched: u64,
    pub(super) distribution: Option<ServingAccumulator<'p>>,
}

impl<'p> Findings<'p> {
    /// Adds the findings of the batches that follow these in the log.
    pub fn merge(&mut self, other: Findings<'p>) {
        self.rows += other.rows;
        self.pipelines.extend(other.pipelines);
        self.models.extend(other.models);
        self.input_keys.extend(other.input_keys);
        self.transform.merge(other.transform);
        for (column, rows, examples) in other.unseen {
            match self.unseen.iter_mut().find(|(c, _, _)| *c == column) {
                Some((_, mine, kept)) => {
                    *mine += rows;
                    kept.extend(examples);
                    while kept.len() > OOV_EXAMPLES {
                        kept.pop_last();
                    }
                }
                None => self.unseen.push((column, rows, examples)),
            }
        }
        for (engine, outputs) in other.engines {
            match self.engines.iter_mut().find(|(e, _)| *e == engine) {
                Some((_, mine)) => merge_outputs(mine, outputs),
                None => self.engines.push((engine, outputs)),
            }
        }
        merge_outputs(&mut self.offline, other.offline);
        self.offline_matched += other.offline_matched;
        self.offline_unmatched += other.offline_unmatched;
        match (&mut self.distribution, other.distribution) {
            (Some(mine), Some(theirs)) => mine.merge(theirs),
            (mine @ None, theirs) => *mine = theirs,
            _ => {}
        }
    }

    /// Rows replayed.
    pub fn rows(&self) -> u64 {
        self.rows
    }
}

/// Row ids of a log batch (`request_id#row`), made only for the rows a report names.
struct BatchIds<'b>(&'b LogBatch);

impl RowIds for BatchIds<'_> {
    fn row_count(&self) -> usize {
        self.0.num_rows()
    }

    fn row_id(&self, row: usize) -> String {
        self.0.row_id(row)
    }
}

impl<'a> Replayer<'a> {
    /// Replays one batch of logged rows.
    pub fn replay(&self, batch: &LogBatch) -> Result<Findings<'a>, ReplayError> {
        let rows = batch.num_rows();
        let ids = BatchIds(batch);
        let source = || batch.source().to_owned();
        let offline_names = self.pipeline.feature_names();
        // Served features are named by the pipeline the server ran: the given one when
        // the widths agree (a fingerprint mismatch is reported on its own), otherwise
        // by position.
        let width = batch.feature_width;
        let logged_names: Vec<String> = if width == offline_names.len() {
            offline_names.to_vec()
        } else {
            (0..width).map(|j| format!("served_feature_{j}")).collect()
        };
        let features =
            transform::apply(self.pipeline, &batch.inputs).map_err(|e| ReplayError::Transform {
                file: source(),
                message: e.to_string(),
            })?;
        let transform = compare_features(
            offline_names,
            &features,
            &logged_names,
            &batch.features,
            &ids,
        )
        .map_err(|e| ReplayError::Transform {
            file: source(),
            message: e.to_string(),
        })?;

        let unseen = features
            .oov()
            .iter()
            .filter(|o| o.rows > 0)
            .map(|o| {
                (
                    o.column.clone(),
                    o.rows,
                    o.examples.iter().cloned().collect(),
                )
            })
            .collect();
        let num_features = features.num_features();
        let tensor =
            Tensor::f32(vec![rows, num_features], features.into_values()).map_err(|e| {
                ReplayError::Transform {
                    file: source(),
                    message: e.to_string(),
                }
            })?;
        let mut engines = Vec::with_capacity(self.engines.len());
        for engine in &self.engines {
            let input_name = engine.inputs().first().map_or("", |i| i.name.as_str());
            let outputs =
                engine
                    .run(&[(input_name, &tensor)])
                    .map_err(|e| ReplayError::Engine {
                        file: source(),
                        engine: engine.name().to_owned(),
                        source: e,
                    })?;
            engines.push((
                engine.name().to_owned(),
                compare_with_log(&outputs, batch, self.tolerance),
            ));
        }

        let mut findings = Findings {
            rows: rows as u64,
            pipelines: batch.pipeline_fingerprints.clone(),
            models: batch.model_fingerprints.clone(),
            input_keys: batch.input_keys.clone(),
            transform,
            unseen,
            engines,
            offline: Vec::new(),
            offline_matched: 0,
            offline_unmatched: 0,
            distribution: self.profile.map(|p| {
                let mut acc = p.accumulator();
                acc.add(&batch.inputs);
                acc
            }),
        };
        if let Some(offline) = self.offline {
            offline_compare(offline, batch, self.tolerance, &mut findings);
        }
        Ok(findings)
    }

    /// The report of everything found in `files` (for its header).
    pub fn report(
        &self,
        findings: Option<Findings<'_>>,
        files: Vec<String>,
    ) -> Result<SkewReport, ReplayError> {
        let Some(total) = findings.filter(|f| f.rows > 0) else {
            return Err(ReplayError::NoRows {
                files: files.join(", "),
            });
        };
        let inputs: Vec<String> = self
            .pipeline
            .input_schema()
            .iter()
            .map(|c| c.name.clone())
            .collect();
        let mut report = SkewReport {
            report_version: SKEW_REPORT_VERSION.to_owned(),
            rows: total.rows,
            files,
            fingerprints: FingerprintCheck {
                pipeline_expected: self.pipeline.fingerprint().to_owned(),
                pipeline_logged: total.pipelines.into_iter().collect(),
                model_expected: self.model_fingerprint.clone(),
                model_logged: total.models.into_iter().collect(),
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
            unseen_categories: total
                .unseen
                .into_iter()
                .map(|(column, rows, examples)| UnseenCategories {
                    column,
                    rows,
                    rate: rows as f64 / total.rows as f64,
                    threshold: self.thresholds.unseen_rate,
                    examples: examples.into_iter().collect(),
                })
                .collect(),
            transform_parity: total.transform,
            prediction_parity: total
                .engines
                .into_iter()
                .map(|(engine, outputs)| EngineParity {
                    engine,
                    atol: self.tolerance.atol,
                    rtol: self.tolerance.rtol,
                    outputs,
                })
                .collect(),
            offline: self.offline.map(|o| OfflineComparison {
                key: o.key.clone(),
                matched: total.offline_matched,
                unmatched_log_rows: total.offline_unmatched,
                unmatched_offline_rows: (o.len() as u64).saturating_sub(total.offline_matched),
                outputs: total.offline,
            }),
            distribution: total.distribution.map(|acc| acc.finish(&self.thresholds)),
            torn_lines: Vec::new(),
            checks: Vec::new(),
            passed: false,
        };
        report.conclude();
        Ok(report)
    }

    /// Reads and replays whole logs held in memory, `batch_rows` records at a time, in
    /// one thread — what the web app does with dropped files. A torn last line of a
    /// file (a crash cut it short) is skipped and listed in the report's `torn_lines`. A name ending in
    /// `.parquet` is read as Parquet (feature `parquet`), anything else as JSON Lines.
    pub fn replay_log_files(
        &self,
        files: &[(String, &[u8])],
        batch_rows: usize,
    ) -> Result<SkewReport, ReplayError> {
        let mut total: Option<Findings<'a>> = None;
        let mut add = |batch: LogBatch| -> Result<(), ReplayError> {
            if batch.num_rows() > 0 {
                let findings = self.replay(&batch)?;
                match &mut total {
                    Some(t) => t.merge(findings),
                    None => total = Some(findings),
                }
            }
            Ok(())
        };
        let schema = self.pipeline.input_schema();
        let mut torn_lines = Vec::new();
        for (name, bytes) in files {
            if name.to_ascii_lowercase().ends_with(".parquet") {
                #[cfg(feature = "parquet")]
                {
                    LogBatch::read_parquet(bytes, name, schema, batch_rows, &mut add)?;
                    continue;
                }
                #[cfg(not(feature = "parquet"))]
                return Err(ReplayError::Log(LogError::Unreadable {
                    place: name.clone(),
                    message: "Parquet logs are read by `lockstep skew`; this build reads JSON Lines logs (.jsonl) only".to_owned(),
                }));
            }
            let mut chunks = line_chunks(bytes, batch_rows.max(1)).peekable();
            while let Some((first_line, chunk)) = chunks.next() {
                if chunks.peek().is_some() {
                    add(LogBatch::from_jsonl(chunk, name, first_line, schema)?)?;
                } else {
                    // The file's last chunk: a torn last line is reported, not fatal.
                    let (batch, torn) =
                        LogBatch::from_jsonl_at_end(chunk, name, first_line, schema)?;
                    torn_lines.extend(torn);
                    add(batch)?;
                }
            }
        }
        let mut report =
            self.report(total, files.iter().map(|(name, _)| name.clone()).collect())?;
        report.torn_lines = torn_lines;
        Ok(report)
    }
}

/// Splits `bytes` into runs of `lines` lines, each with the 1-based number of its first
/// line. A run is never cut before a line that continues a request
/// ([`continues_request`](super::log::continues_request): format 2 writes a request's
/// fields once, in its first row), so it may run longer.
pub fn line_chunks(bytes: &[u8], lines: usize) -> impl Iterator<Item = (u64, &[u8])> {
    let mut rest = bytes;
    let mut next_line = 1_u64;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut end = 0;
        let mut count = 0_u64;
        while end < rest.len() {
            if count >= lines.max(1) as u64
                && !super::log::continues_request(rest.get(end..).unwrap_or_default())
            {
                break;
            }
            end = memchr::memchr(b'\n', rest.get(end..).unwrap_or_default())
                .map_or(rest.len(), |i| end + i + 1);
            count += 1;
        }
        let (chunk, tail) = rest.split_at(end);
        rest = tail;
        let first = next_line;
        next_line += count;
        Some((first, chunk))
    })
}

/// Compares each engine output with the logged column of the same name.
fn compare_with_log(
    outputs: &[(String, Tensor)],
    batch: &LogBatch,
    tolerance: Tolerance,
) -> Vec<OutputParity> {
    outputs
        .iter()
        .map(|(name, ours)| {
            let logged = batch
                .output(name)
                .ok_or_else(|| format!("output `{name}` is not in the log"))
                .and_then(|o| o.to_tensor_like(ours));
            match logged {
                Err(reason) => OutputParity {
                    output: name.clone(),
                    incomparable: Some(reason),
                    ..OutputParity::default()
                },
                Ok(logged) => to_parity(
                    name,
                    parity::compare_tensor(ours, &logged, tolerance),
                    batch,
                ),
            }
        })
        .collect()
}

fn to_parity(name: &str, comparison: OutputComparison, batch: &LogBatch) -> OutputParity {
    let id = |row: Option<usize>| {
        row.filter(|&r| r < batch.num_rows())
            .map(|r| batch.row_id(r))
            .into_iter()
            .collect()
    };
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

/// Which logged value an offline column names: output `name`, or element `J` of a
/// vector output for `name_J`.
fn offline_target(batch: &LogBatch, column: &str) -> Option<(usize, usize)> {
    if let Some(i) = batch.outputs.iter().position(|o| o.name == column) {
        return Some((i, 0));
    }
    let (name, index) = column.rsplit_once('_')?;
    let index: usize = index.parse().ok()?;
    let i = batch.outputs.iter().position(|o| o.name == name)?;
    (index < batch.outputs[i].width()).then_some((i, index))
}

/// Joins the batch to the offline predictions and compares every offline column that
/// names a logged output.
fn offline_compare(
    offline: &OfflinePredictions,
    batch: &LogBatch,
    tolerance: Tolerance,
    findings: &mut Findings<'_>,
) {
    let targets: Vec<(usize, (usize, usize))> = offline
        .table
        .columns()
        .iter()
        .enumerate()
        .filter(|(_, c)| c.name() != offline.key)
        .filter_map(|(ci, c)| offline_target(batch, c.name()).map(|t| (ci, t)))
        .collect();
    let mut columns: Vec<OutputParity> = targets
        .iter()
        .map(|&(ci, _)| OutputParity {
            output: offline.table.columns()[ci].name().to_owned(),
            ..OutputParity::default()
        })
        .collect();
    let mut key = String::new();
    for row in 0..batch.num_rows() {
        key.clear();
        key.push_str(batch.request_id(row));
        let plain_len = key.len();
        key.push('#');
        key.push_str(&batch.request_row(row).to_string());
        let found = offline.rows.get(&key).or_else(|| {
            (batch.request_row(row) == 0)
                .then(|| offline.rows.get(&key[..plain_len]))
                .flatten()
        });
        let Some(&offline_row) = found else {
            findings.offline_unmatched += 1;
            continue;
        };
        findings.offline_matched += 1;
        for (entry, &(ci, (oi, element))) in columns.iter_mut().zip(&targets) {
            let Some(logged) = batch.outputs[oi].value(row, element) else {
                continue;
            };
            let Some(text) = offline.table.columns()[ci].value_text(offline_row) else {
                continue;
            };
            entry.values += 1;
            let as_float = match logged {
                LoggedValue::Float(x) => text.parse::<f64>().ok().map(|t| (x, t)),
                LoggedValue::Int(i) if text.contains('.') => {
                    text.parse::<f64>().ok().map(|t| (i as f64, t))
                }
                _ => None,
            };
            match as_float {
                Some((served, theirs)) => {
                    entry.kind = "float".into();
                    let diff = (served - theirs).abs();
                    if diff > tolerance.atol + tolerance.rtol * served.abs() {
                        entry.mismatches += 1;
                    }
                    if diff > entry.max_abs_diff {
                        entry.max_abs_diff = diff;
                        entry.worst_ids = vec![batch.row_id(row)];
                    }
                }
                None => {
                    entry.kind = "labels".into();
                    let same = match logged {
                        LoggedValue::Int(i) => i.to_string() == text,
                        LoggedValue::Float(x) => x.to_string() == text,
                        LoggedValue::Str(s) => s == text,
                    };
                    if !same {
                        entry.mismatches += 1;
                        if entry.worst_ids.len() < LABEL_EXAMPLES {
                            entry.worst_ids.push(batch.row_id(row));
                        }
                    }
                }
            }
        }
    }
    findings.offline = columns;
}

/// Adds later outputs' counts to earlier ones (same outputs, log order).
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
                        if m.worst_ids.len() < LABEL_EXAMPLES {
                            m.worst_ids.push(id);
                        }
                    }
                }
            }
        }
    }
}
