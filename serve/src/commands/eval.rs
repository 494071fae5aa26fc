//! `lockstep eval`: evaluate predictions (a column of a file, or a model run on it)
//! into one report, checked against an optional metric contract.
//!
//! Exit status: 0 when the contract holds (or none is given), 1 when it fails, 2 on
//! bad usage or unreadable input.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use lockstep_core::onnx::{self, Model};
use lockstep_core::report::{
    self, EvalConfig, Fingerprints, Heuristic, HumanFigure, MetricContract, Predictions, export,
};
use lockstep_core::table::Table;

use crate::input;

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Json,
    Md,
    Html,
    Junit,
}

/// Arguments of `lockstep eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// The evaluation data (.csv, .jsonl or .parquet).
    #[arg(long)]
    pub data: PathBuf,
    /// The column holding the true class (or target, for regression).
    #[arg(long)]
    pub label: String,
    /// A column of predicted classes (or values).
    #[arg(long, conflicts_with = "model")]
    pub pred_col: Option<String>,
    /// A column of positive-class probabilities (binary); used for ROC, PR, calibration.
    #[arg(long, conflicts_with = "model")]
    pub score_col: Option<String>,
    /// An ONNX model to run on the data (with the core engine) instead of prediction columns.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// The fitted pipeline that turns the data's raw columns into the model's features.
    #[arg(long, requires = "model")]
    pub pipeline: Option<PathBuf>,
    /// A metric contract (TOML or JSON): one optimizing metric and satisficing lines.
    #[arg(long)]
    pub contract: Option<PathBuf>,
    /// A full evaluation config (TOML or JSON; see docs/eval.md); flags override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The positive class (binary); default: 1 / true.
    #[arg(long)]
    pub positive_label: Option<String>,
    /// Decision threshold on the score (binary).
    #[arg(long)]
    pub threshold: Option<f64>,
    /// A heuristic baseline rule over the columns, e.g. "income > 50000 and age < 30"
    /// (binary; for more classes give `cases` in --config, see docs/eval.md).
    #[arg(long)]
    pub heuristic: Option<String>,
    /// A column with the current system's predictions (the existing-solution baseline).
    #[arg(long)]
    pub existing_col: Option<String>,
    /// A human-level figure, as METRIC=VALUE (repeatable), e.g. accuracy=0.93.
    #[arg(long, value_name = "METRIC=VALUE")]
    pub human: Vec<String>,
    /// Measured latency per row in ms, for the contract (measured by `eval` itself with --model).
    #[arg(long)]
    pub latency_ms_per_row: Option<f64>,
    /// Model size in MB, for the contract (measured by `eval` itself with --model).
    #[arg(long)]
    pub model_size_mb: Option<f64>,
    /// Bootstrap replicates for the confidence intervals.
    #[arg(long)]
    pub bootstrap: Option<u32>,
    /// Seed of the bootstrap and the split.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value = "md")]
    pub format: ReportFormat,
    /// Where to write the report (default: standard output).
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
}

pub fn run(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let data_bytes = input::read_file(&args.data, "data", input::MAX_DATA_BYTES)?;
    let mut table = input::read_table(&args.data)?;
    let mut config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read `{}`", path.display()))?;
            let parsed = if input::extension(path) == "json" {
                EvalConfig::from_json(&text)
            } else {
                EvalConfig::from_toml(&text)
            };
            parsed.with_context(|| format!("invalid config `{}`", path.display()))?
        }
        None => EvalConfig::new(args.label.clone(), Predictions::Column(String::new())),
    };
    config.label = args.label.clone();

    let mut model_bytes = None;
    let mut pipeline_json = None;
    if let Some(model_path) = &args.model {
        let bytes = input::read_model(model_path)?;
        let pipeline = args
            .pipeline
            .as_deref()
            .map(input::read_pipeline)
            .transpose()?;
        pipeline_json = pipeline.as_ref().map(|p| p.to_json()).transpose()?;
        let (predictions, latency) = run_model(&bytes, &mut table, pipeline.as_ref(), &args.label)?;
        config.predictions = predictions;
        config.facts.latency_ms_per_row = Some(latency);
        config.facts.model_size_mb = Some(bytes.len() as f64 / 1e6);
        model_bytes = Some(bytes);
    } else {
        config.predictions = match (&args.pred_col, &args.score_col) {
            (_, Some(score)) => Predictions::Score(score.clone()),
            (Some(pred), None) => Predictions::Column(pred.clone()),
            (None, None) if args.config.is_some() => config.predictions.clone(),
            (None, None) => bail!("give --pred-col, --score-col or --model"),
        };
        if let (Some(pred), Some(_)) = (&args.pred_col, &args.score_col)
            && config.baselines.existing_column.is_none()
            && args.existing_col.is_none()
        {
            // Both given: the score drives the evaluation; say so rather than ignore it.
            eprintln!("note: --score-col drives the evaluation; --pred-col `{pred}` is not used");
        }
    }

    if let Some(path) = &args.contract {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read `{}`", path.display()))?;
        let contract = if input::extension(path) == "json" {
            MetricContract::from_json(&text)
        } else {
            MetricContract::from_toml(&text)
        };
        config.contract =
            Some(contract.with_context(|| format!("invalid contract `{}`", path.display()))?);
    }
    if let Some(p) = &args.positive_label {
        config.positive_label = Some(p.clone());
    }
    if let Some(t) = args.threshold {
        config.threshold = t;
    }
    if let Some(h) = &args.heuristic {
        config.baselines.heuristic = Some(Heuristic::Rule(h.clone()));
    }
    if let Some(c) = &args.existing_col {
        config.baselines.existing_column = Some(c.clone());
    }
    for figure in &args.human {
        let Some((metric, value)) = figure.split_once('=') else {
            bail!("--human `{figure}`: expected METRIC=VALUE, e.g. accuracy=0.93");
        };
        let value: f64 = value
            .trim()
            .parse()
            .with_context(|| format!("--human `{figure}`: `{value}` is not a number"))?;
        config.baselines.human.push(HumanFigure {
            metric: metric.trim().to_owned(),
            value,
            source: Some("--human".to_owned()),
        });
    }
    if let Some(v) = args.latency_ms_per_row {
        config.facts.latency_ms_per_row = Some(v);
    }
    if let Some(v) = args.model_size_mb {
        config.facts.model_size_mb = Some(v);
    }
    if let Some(n) = args.bootstrap {
        config.bootstrap.replicates = n;
    }
    if let Some(seed) = args.seed {
        config.bootstrap.seed = seed;
        config.split.seed = seed;
    }
    config.fingerprints = Fingerprints::from_bytes(
        Some(&data_bytes),
        model_bytes.as_deref(),
        pipeline_json.as_deref(),
    );

    let report = report::evaluate(&table, &config).context("cannot evaluate")?;
    let text = match args.format {
        ReportFormat::Json => export::json(&report)?,
        ReportFormat::Md => export::markdown(&report),
        ReportFormat::Html => export::html(&report),
        ReportFormat::Junit => export::junit(&report),
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write `{}`", path.display()))?,
        None => print!("{text}"),
    }
    let passed = report.contract.as_ref().is_none_or(|c| c.passed);
    if let Some(contract) = &report.contract {
        eprintln!(
            "contract: {}",
            if contract.passed { "PASS" } else { "FAIL" }
        );
    }
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Runs the model on the table with the core engine (`report::run_model`, as the web
/// app does), adds its outputs as columns and says how to evaluate them. Returns the
/// predictions and the latency per row (ms).
fn run_model(
    bytes: &[u8],
    table: &mut Table,
    pipeline: Option<&lockstep_core::transform::FittedPipeline>,
    label: &str,
) -> anyhow::Result<(Predictions, f64)> {
    let model = Model::from_bytes(bytes).context("cannot load the model")?;
    let start = Instant::now();
    let clock = || start.elapsed().as_secs_f64() * 1e3;
    let class_labels = onnx::class_labels(bytes);
    let run = report::run_model(
        &model,
        class_labels.as_deref(),
        table,
        pipeline,
        label,
        &clock,
    )?;
    *table = run.table;
    Ok((run.predictions, run.latency_ms_per_row))
}
