//! `lockstep compare`: champion against challenger on the same rows — two models run
//! on the data (through their pipelines, on either engine) or two prediction / score
//! columns — into one comparison report with paired intervals, McNemar's and DeLong's
//! tests and the declared decisions' verdict.
//!
//! Exit status: 0 when the challenger is accepted, 1 when it is rejected, 2 on bad
//! usage or unreadable input. The orchestration is core's
//! (`lockstep_core::compare::compare_request`); this file only reads files and flags.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use lockstep_core::compare::request::column_source;
use lockstep_core::compare::{
    CompareError, CompareOverrides, CompareRequest, compare_request, export,
};
use lockstep_core::report::{Source, sha256_hex};
use lockstep_core::table::Table;

use super::args::{EngineArgs, LabeledDataArgs, ReportOutputArgs};
use super::eval::ReportFormat;
use super::inputs::{self, LoadedModel, read_text, settings_of};
use crate::input;

/// Arguments of `lockstep compare`.
#[derive(Debug, clap::Args)]
#[command(
    mut_arg("data", |a| a.help("The data both models are scored on (.csv, .jsonl or .parquet)")),
    // `mut_arg` moves the argument last; `label` follows so the usage line keeps
    // `--data <DATA> --label <LABEL>`.
    mut_arg("label", |a| a),
    mut_arg("engine", |a| a.help("Which engine runs the models (`cpu` and `ort` are accepted as the old names)")),
)]
pub struct CompareArgs {
    #[command(flatten)]
    pub rows: LabeledDataArgs,
    /// The champion: an ONNX model run on the data.
    #[arg(long, conflicts_with = "champion_col")]
    pub champion: Option<PathBuf>,
    /// The challenger: an ONNX model run on the data.
    #[arg(long, conflicts_with = "challenger_col")]
    pub challenger: Option<PathBuf>,
    /// The champion's predictions in a column: read as positive-class scores when
    /// numeric in [0, 1] with a fractional value, else as predicted classes / values.
    #[arg(long)]
    pub champion_col: Option<String>,
    /// The challenger's predictions in a column (as --champion-col).
    #[arg(long)]
    pub challenger_col: Option<String>,
    /// The fitted pipeline both models take their features from.
    #[arg(long)]
    pub pipeline: Option<PathBuf>,
    /// The champion's own pipeline (overrides --pipeline for it).
    #[arg(long)]
    pub champion_pipeline: Option<PathBuf>,
    /// The challenger's own pipeline (overrides --pipeline for it).
    #[arg(long)]
    pub challenger_pipeline: Option<PathBuf>,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// The compare config (TOML or JSON; see docs/compare.md): decisions, satisficing
    /// metrics, point thresholds, bootstrap settings.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The positive class (binary); default: 1 / true.
    #[arg(long)]
    pub positive_label: Option<String>,
    /// Decision threshold on both models' scores (binary).
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Paired bootstrap replicates.
    #[arg(long)]
    pub bootstrap: Option<u32>,
    /// Seed of the bootstrap.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Slices (slices.toml, as `eval --slices` reads it; see docs/eval.md) to compare within: each slice's
    /// differences with paired intervals and McNemar's test.
    #[arg(long)]
    pub slices: Option<PathBuf>,
    #[command(flatten)]
    pub out: ReportOutputArgs<ReportFormat>,
    #[command(flatten)]
    pub null_values: input::NullValuesArg,
}

fn load(
    args: &CompareArgs,
    model: Option<&Path>,
    pipeline: Option<&Path>,
) -> anyhow::Result<Option<LoadedModel>> {
    model
        .map(|path| {
            LoadedModel::load(
                path,
                pipeline,
                args.engine.engine,
                args.engine.ort_lib.as_deref(),
            )
            .with_context(|| format!("model `{}`", path.display()))
        })
        .transpose()
}

fn source<'a>(
    table: &Table,
    loaded: Option<&'a LoadedModel>,
    column: Option<&String>,
) -> Option<Source<'a>> {
    match (loaded, column) {
        (Some(m), _) => Some(m.source()),
        (None, Some(c)) => Some(column_source(table, c)),
        (None, None) => None,
    }
}

/// A model's file name, or the column's name.
fn name_of(model: Option<&Path>, column: Option<&String>, side: &str) -> String {
    model
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .or_else(|| column.cloned())
        .unwrap_or_else(|| side.to_owned())
}

pub fn run(args: CompareArgs) -> anyhow::Result<ExitCode> {
    if args.champion.is_none() && args.champion_col.is_none() {
        bail!("give the champion: --champion MODEL.onnx or --champion-col COLUMN");
    }
    if args.challenger.is_none() && args.challenger_col.is_none() {
        bail!("give the challenger: --challenger MODEL.onnx or --challenger-col COLUMN");
    }
    let champion_pipeline = args
        .champion_pipeline
        .as_deref()
        .or(args.pipeline.as_deref());
    let challenger_pipeline = args
        .challenger_pipeline
        .as_deref()
        .or(args.pipeline.as_deref());
    let champion = load(&args, args.champion.as_deref(), champion_pipeline)?;
    let challenger = load(&args, args.challenger.as_deref(), challenger_pipeline)?;
    // The data is read with the null values the pipelines recorded at fit.
    let first_pipeline = champion
        .as_ref()
        .and_then(|m| m.pipeline.as_ref())
        .or_else(|| challenger.as_ref().and_then(|m| m.pipeline.as_ref()));
    let (data_bytes, table) =
        inputs::read_data(&args.rows.data, &args.null_values, first_pipeline)?;

    let config_text = args.config.as_deref().map(read_text).transpose()?;
    let slices = match args.slices.as_deref() {
        Some(path) => Some(
            lockstep_core::slices::SlicesSpec::from_toml(&read_text(path)?)
                .with_context(|| format!("invalid slices file `{}`", path.display()))?,
        ),
        None => None,
    };
    let (Some(champion_source), Some(challenger_source)) = (
        source(&table, champion.as_ref(), args.champion_col.as_ref()),
        source(&table, challenger.as_ref(), args.challenger_col.as_ref()),
    ) else {
        bail!("give both the champion and the challenger");
    };
    let request = CompareRequest {
        label: args.rows.label.clone(),
        names: [
            name_of(
                args.champion.as_deref(),
                args.champion_col.as_ref(),
                "champion",
            ),
            name_of(
                args.challenger.as_deref(),
                args.challenger_col.as_ref(),
                "challenger",
            ),
        ],
        champion: champion_source,
        challenger: challenger_source,
        settings: settings_of(args.config.as_deref(), config_text.as_deref()),
        overrides: CompareOverrides {
            positive_label: args.positive_label.clone(),
            threshold: args.threshold,
            bootstrap_replicates: args.bootstrap,
            seed: args.seed,
            slices,
        },
        data_sha256: Some(sha256_hex(&data_bytes)),
    };
    let start = Instant::now();
    let clock = || start.elapsed().as_secs_f64() * 1e3;
    let report = compare_request(&table, &request, &clock).map_err(|e| {
        match (&e, args.config.as_deref()) {
            (CompareError::Settings(inner), Some(path)) => {
                anyhow::anyhow!("invalid config `{}`: {inner}", path.display())
            }
            _ => anyhow::Error::new(e),
        }
    })?;
    let text = match args.out.format {
        ReportFormat::Json => export::json(&report)?,
        ReportFormat::Md => export::markdown(&report),
        ReportFormat::Html => export::html(&report),
        ReportFormat::Junit => export::junit(&report),
    };
    inputs::write_report(args.out.output.as_deref(), &text)?;
    eprintln!("compare: {}", report.verdict.summary);
    Ok(if report.verdict.accepted {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
