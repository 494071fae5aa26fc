//! `lockstep diagnose`: what to do next — avoidable bias, variance, data mismatch
//! and dev overfitting with bootstrap intervals, from the model's errors on the
//! training, training-dev, dev and test files (computed through the evaluation
//! request, the model run by the chosen engine) or figures given; learning curves
//! from a table; the eyeball part's errors with their tags.
//!
//! Exit status: 0 when the diagnosis is made, 2 on bad usage or unreadable input.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use lockstep_core::diagnose::curves::{learning_curves, parse_csv};
use lockstep_core::diagnose::errors::{parse_tags, sample_errors, tag_shares};
use lockstep_core::diagnose::export::{DiagnoseReport, markdown};
use lockstep_core::diagnose::{self, DiagnosisInput, Measured, Optimal, OptimalSource, SetError};
use lockstep_core::engine::Engine;
use lockstep_core::metrics::bootstrap::BootstrapConfig;
use lockstep_core::onnx;
use lockstep_core::report::rows::split_rows;
use lockstep_core::report::{
    EvalRequest, ModelSource, Overrides, Settings, SettingsFormat, Source, evaluate, sha256_hex,
};
use lockstep_core::table::Table;

use super::args::{EngineArgs, ReportFormatChoice, ReportOutputArgs};
use crate::input;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiagnoseFormat {
    Json,
    Md,
}

impl ReportFormatChoice for DiagnoseFormat {
    const DEFAULT: &'static str = "md";
}

/// Arguments of `lockstep diagnose`.
#[derive(Debug, clap::Args)]
pub struct DiagnoseArgs {
    /// The model (ONNX) whose errors are measured on the data files.
    #[arg(long)]
    pub model: Option<PathBuf>,
    #[arg(long, requires = "model")]
    pub pipeline: Option<PathBuf>,
    /// The label column of the data files.
    #[arg(long)]
    pub label: Option<String>,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Evaluation settings (TOML or JSON, as `lockstep eval --config`): threshold, split, …
    #[arg(long)]
    pub eval_config: Option<PathBuf>,
    /// Training data (the model's errors on it are measured).
    #[arg(long)]
    pub train: Option<PathBuf>,
    /// Training-dev data: held out, from the training distribution.
    #[arg(long)]
    pub train_dev: Option<PathBuf>,
    #[arg(long)]
    pub dev: Option<PathBuf>,
    #[arg(long)]
    pub test: Option<PathBuf>,
    /// A given figure instead of a file, as SET=VALUE or SET=VALUE/ROWS (SET: train,
    /// train_dev, dev, test), e.g. train=0.05/20000. Repeatable.
    #[arg(long, value_name = "SET=VALUE[/ROWS]")]
    pub given: Vec<String>,
    /// The figures are this metric (higher is better), not an error rate.
    #[arg(long)]
    pub higher_is_better: bool,
    /// The name of the given figures' metric.
    #[arg(long, default_value = "error rate")]
    pub metric: String,
    /// Declared human-level error (or metric).
    #[arg(long, conflicts_with = "bayes")]
    pub human: Option<f64>,
    /// Declared Bayes-rate estimate.
    #[arg(long)]
    pub bayes: Option<f64>,
    /// Gaps below this are small against the contract.
    #[arg(long, default_value_t = 0.01)]
    pub tolerance: f64,
    #[arg(long, default_value_t = 1000)]
    pub bootstrap: u32,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Learning curves: a CSV of size,train_error,dev_error.
    #[arg(long)]
    pub curves: Option<PathBuf>,
    /// Learning curves: the dev error must fall by at least this per doubling for
    /// more data to be "likely to help".
    #[arg(long, default_value_t = 0.005)]
    pub min_gain: f64,
    /// List up to this many misclassified rows of the dev file's eyeball part.
    #[arg(long)]
    pub errors: Option<usize>,
    /// Tags of those rows (CSV row_id,tag): each tag's share of the errors.
    #[arg(long, requires = "errors")]
    pub tags: Option<PathBuf>,
    #[command(flatten)]
    pub out: ReportOutputArgs<DiagnoseFormat>,
    #[command(flatten)]
    pub null_values: input::NullValuesArg,
}

fn parse_given(text: &str) -> anyhow::Result<(String, SetError)> {
    let Some((set, figure)) = text.split_once('=') else {
        bail!("--given `{text}`: expected SET=VALUE or SET=VALUE/ROWS");
    };
    let (value, rows) = match figure.split_once('/') {
        Some((v, r)) => (
            v,
            Some(
                r.trim()
                    .parse::<u64>()
                    .with_context(|| format!("--given `{text}`: `{r}` is not a row count"))?,
            ),
        ),
        None => (figure, None),
    };
    let value: f64 = value
        .trim()
        .parse()
        .with_context(|| format!("--given `{text}`: `{value}` is not a number"))?;
    let set = set.trim().replace('-', "_");
    if !["train", "train_dev", "dev", "test"].contains(&set.as_str()) {
        bail!("--given `{text}`: the set must be train, train_dev, dev or test");
    }
    Ok((set, SetError::Given { value, rows }))
}

pub fn run(args: DiagnoseArgs) -> anyhow::Result<ExitCode> {
    let pipeline = args
        .pipeline
        .as_deref()
        .map(input::read_pipeline)
        .transpose()?;
    let model_bytes = args.model.as_deref().map(input::read_model).transpose()?;
    let engine: Option<Box<dyn Engine>> = model_bytes
        .as_deref()
        .map(|b| {
            args.engine
                .engine
                .load(b, args.engine.ort_lib.as_deref(), 1)
        })
        .transpose()?;
    let class_labels = model_bytes.as_deref().and_then(onnx::class_labels);
    let eval_text = args
        .eval_config
        .as_deref()
        .map(|p| {
            std::fs::read_to_string(p).with_context(|| format!("cannot read `{}`", p.display()))
        })
        .transpose()?;
    let null_values = args.null_values.resolve(pipeline.as_ref())?;
    let start = Instant::now();
    let clock = || start.elapsed().as_secs_f64() * 1e3;

    // Each file measured through the evaluation request.
    let measure = |path: &Path| -> anyhow::Result<(Table, Measured)> {
        let (Some(engine), Some(bytes)) = (&engine, &model_bytes) else {
            bail!("a data file needs --model (or give the figure with --given)");
        };
        let Some(label) = &args.label else {
            bail!("a data file needs --label");
        };
        let data = input::read_file(path, "data", input::MAX_DATA_BYTES)?;
        let table = input::table_from_bytes(path, &data, &null_values)?;
        let request = EvalRequest {
            label: label.clone(),
            source: Source::Model(ModelSource {
                engine: engine.as_ref(),
                class_labels: class_labels.as_deref(),
                pipeline: pipeline.as_ref(),
                bytes,
            }),
            settings: eval_text
                .as_deref()
                .zip(args.eval_config.as_deref())
                .map(|(text, p)| Settings {
                    text,
                    format: SettingsFormat::from_extension(&input::extension(p)),
                }),
            contract: None,
            overrides: Overrides {
                seed: Some(args.seed),
                ..Overrides::default()
            },
            data_sha256: Some(sha256_hex(&data)),
        };
        let measured = diagnose::measure(&table, &request, &clock)
            .with_context(|| format!("cannot measure `{}`", path.display()))?;
        Ok((table, measured))
    };

    let mut sets: [Option<SetError>; 4] = [None, None, None, None];
    let names = ["train", "train_dev", "dev", "test"];
    let files = [&args.train, &args.train_dev, &args.dev, &args.test];
    let mut dev_measured = None;
    for (k, file) in files.iter().enumerate() {
        if let Some(path) = file {
            let (table, measured) = measure(path)?;
            sets[k] = Some(measured.set_error());
            if names[k] == "dev" {
                dev_measured = Some((table, measured));
            }
        }
    }
    for text in &args.given {
        let (set, error) = parse_given(text)?;
        let k = names.iter().position(|n| *n == set).unwrap_or(0);
        if sets[k].is_some() {
            bail!("the {set} set is given twice (a file and --given)");
        }
        sets[k] = Some(error);
    }
    let optimal = match (args.human, args.bayes) {
        (Some(value), _) => Some(Optimal {
            value,
            source: OptimalSource::HumanLevel,
        }),
        (None, Some(value)) => Some(Optimal {
            value,
            source: OptimalSource::BayesRate,
        }),
        (None, None) => match &dev_measured {
            // The best baseline on the dev data (error rates only).
            Some((table, m)) if !args.higher_is_better => {
                let report = evaluate(m.table(table), &m.prepared.config)?;
                diagnose::best_baseline(&report)
            }
            _ => None,
        },
    };
    let [train, train_dev, dev, test] = sets;
    let diagnosis = diagnose::diagnose(&DiagnosisInput {
        metric: if args.train.is_some() || args.dev.is_some() {
            "error rate".to_owned()
        } else {
            args.metric.clone()
        },
        higher_is_better: args.higher_is_better,
        train,
        train_dev,
        dev,
        test,
        optimal,
        tolerance: args.tolerance,
        bootstrap: BootstrapConfig {
            replicates: args.bootstrap,
            seed: args.seed,
            confidence: args.confidence,
        },
    })?;
    let learning_curves = args
        .curves
        .as_deref()
        .map(|path| -> anyhow::Result<_> {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read `{}`", path.display()))?;
            Ok(learning_curves(
                &parse_csv(&text)?,
                args.tolerance,
                args.min_gain,
            )?)
        })
        .transpose()?;
    let (errors, tags) = match args.errors {
        None => (None, None),
        Some(limit) => {
            let Some((table, m)) = &dev_measured else {
                bail!("--errors lists the dev file's errors: give --dev");
            };
            let t = m.table(table);
            let split = split_rows(t, &m.prepared.config.split)?;
            let key = m.prepared.config.split.key_column.as_deref();
            let sample = sample_errors(t, &m.outcomes, &split, key, limit, args.seed)?;
            let tags = args
                .tags
                .as_deref()
                .map(|path| -> anyhow::Result<_> {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("cannot read `{}`", path.display()))?;
                    Ok(tag_shares(&sample, &parse_tags(&text)?, args.confidence)?)
                })
                .transpose()?;
            (Some(sample), tags)
        }
    };
    let report = DiagnoseReport {
        diagnosis,
        learning_curves,
        errors,
        tags,
    };
    let text = match args.out.format {
        DiagnoseFormat::Json => {
            let mut t = serde_json::to_string_pretty(&report)?;
            t.push('\n');
            t
        }
        DiagnoseFormat::Md => markdown(&report),
    };
    match &args.out.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write `{}`", path.display()))?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
