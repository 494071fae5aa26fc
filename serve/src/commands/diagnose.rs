//! `lockstep diagnose`: what to do next — avoidable bias, variance, data mismatch
//! and dev overfitting with bootstrap intervals, from the model's errors on the
//! training, training-dev, dev and test files (computed through the evaluation
//! request, the model run by the chosen engine) or figures given; learning curves
//! from a table; the eyeball part's errors with their tags.
//!
//! The work is core's [`diagnose::request`] (what the page's Diagnose and Error
//! analysis cells call); this module only turns flags into a request.
//!
//! Exit status: 0 when the diagnosis is made, 2 on bad usage or unreadable input.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use lockstep_core::diagnose::curves::parse_csv;
use lockstep_core::diagnose::errors::parse_tags;
use lockstep_core::diagnose::export::{html, markdown};
use lockstep_core::diagnose::{
    self, DiagnoseRequest, Optimal, OptimalSource, SetData, SetError, SetInput,
};
use lockstep_core::engine::Engine;
use lockstep_core::metrics::bootstrap::BootstrapConfig;
use lockstep_core::onnx;
use lockstep_core::report::{
    EvalRequest, ModelSource, Overrides, Settings, SettingsFormat, Source, sha256_hex,
};
use lockstep_core::table::Table;

use super::args::{EngineArgs, ReportFormatChoice, ReportOutputArgs};
use crate::input;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiagnoseFormat {
    Json,
    Md,
    Html,
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

    // The data files, read; the figures given.
    let names = ["train", "train_dev", "dev", "test"];
    let files = [&args.train, &args.train_dev, &args.dev, &args.test];
    let mut tables: [Option<(Table, String)>; 4] = [None, None, None, None];
    for (k, file) in files.iter().enumerate() {
        if let Some(path) = file {
            let data = input::read_file(path, "data", input::MAX_DATA_BYTES)?;
            let table = input::table_from_bytes(path, &data, &null_values)?;
            tables[k] = Some((table, sha256_hex(&data)));
        }
    }
    let mut given: [Option<SetError>; 4] = [None, None, None, None];
    for text in &args.given {
        let (set, error) = parse_given(text)?;
        let k = names.iter().position(|n| *n == set).unwrap_or(0);
        if tables[k].is_some() || given[k].is_some() {
            bail!("the {set} set is given twice");
        }
        given[k] = Some(error);
    }
    let sets: [Option<SetInput<'_>>; 4] = std::array::from_fn(|k| match (&tables[k], &given[k]) {
        (Some((table, sha)), _) => Some(SetInput::Data(SetData {
            table,
            sha256: Some(sha.as_str()),
        })),
        (None, Some(e)) => Some(SetInput::Given(e.clone())),
        (None, None) => None,
    });
    let any_data = tables.iter().any(Option::is_some);
    let eval = match (&engine, &model_bytes, &args.label) {
        (Some(engine), Some(bytes), Some(label)) => Some(EvalRequest {
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
            data_sha256: None,
        }),
        _ if !any_data => None,
        (None, ..) | (_, None, _) => {
            bail!("a data file needs --model (or give the figure with --given)")
        }
        (.., None) => bail!("a data file needs --label"),
    };
    if args.errors.is_some() && tables[2].is_none() {
        bail!("--errors lists the dev file's errors: give --dev");
    }
    let curves = args
        .curves
        .as_deref()
        .map(|path| -> anyhow::Result<_> {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read `{}`", path.display()))?;
            Ok((parse_csv(&text)?, args.min_gain))
        })
        .transpose()?;
    let tags = args
        .tags
        .as_deref()
        .map(|path| -> anyhow::Result<_> {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read `{}`", path.display()))?;
            Ok(parse_tags(&text)?)
        })
        .transpose()?;
    let optimal = match (args.human, args.bayes) {
        (Some(value), _) => Some(Optimal {
            value,
            source: OptimalSource::HumanLevel,
        }),
        (None, Some(value)) => Some(Optimal {
            value,
            source: OptimalSource::BayesRate,
        }),
        (None, None) => None,
    };
    let start = Instant::now();
    let clock = || start.elapsed().as_secs_f64() * 1e3;
    let report = diagnose::request(
        DiagnoseRequest {
            eval,
            sets,
            metric: args.metric.clone(),
            higher_is_better: args.higher_is_better,
            optimal,
            tolerance: args.tolerance,
            bootstrap: BootstrapConfig {
                replicates: args.bootstrap,
                seed: args.seed,
                confidence: args.confidence,
            },
            curves,
            errors: args.errors,
            tags,
        },
        &clock,
    )?;
    let text = match args.out.format {
        DiagnoseFormat::Json => {
            let mut t = serde_json::to_string_pretty(&report)?;
            t.push('\n');
            t
        }
        DiagnoseFormat::Md => markdown(&report),
        DiagnoseFormat::Html => html(&report),
    };
    match &args.out.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write `{}`", path.display()))?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
