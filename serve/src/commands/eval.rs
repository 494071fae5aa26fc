//! `lockstep eval`: evaluate predictions (a column of a file, or a model run on it)
//! into one report, checked against an optional metric contract.
//!
//! Exit status: 0 when the contract holds (or none is given) and every behavioural
//! test (`--behaviour`) stays within its maximum fail rate, 1 when either fails, 2
//! on bad usage or unreadable input.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use lockstep_core::behaviour::BehaviourSpec;
use lockstep_core::report::{
    EvalReport, EvalRequest, Heuristic, HumanFigure, Overrides, RequestError, Source,
    attach_behaviour, evaluate_request, export, sha256_hex,
};
use lockstep_core::share;

use super::args::{EngineArgs, LabeledDataArgs, ReportFormatChoice, ReportOutputArgs};
use super::inputs::{self, LoadedModel, read_text, settings_of};
use crate::input;

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Json,
    Md,
    Html,
    Junit,
}

impl ReportFormatChoice for ReportFormat {
    const DEFAULT: &'static str = "md";
}

/// Arguments of `lockstep eval`.
#[derive(Debug, clap::Args)]
#[command(
    mut_arg("engine", |a| a.help("Which engine runs --model, on one thread (`cpu` and `ort` are accepted as the old names of `core` and `onnxruntime`)")),
    mut_arg("ort_lib", |a| a.help("ONNX Runtime's library, for `--engine onnxruntime` (default: $ORT_DYLIB_PATH, then .venv's onnxruntime wheel)")),
)]
pub struct EvalArgs {
    #[command(flatten)]
    pub rows: LabeledDataArgs,
    /// A column of predicted classes (or values).
    #[arg(long, conflicts_with = "model")]
    pub pred_col: Option<String>,
    /// A column of positive-class probabilities (binary); used for ROC, PR, calibration.
    #[arg(long, conflicts_with = "model")]
    pub score_col: Option<String>,
    /// An ONNX model to run on the data (with --engine) instead of prediction columns.
    #[arg(long)]
    pub model: Option<PathBuf>,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// The fitted pipeline that turns the data's raw columns into the model's features.
    #[arg(long, requires = "model")]
    pub pipeline: Option<PathBuf>,
    /// A metric contract (TOML or JSON): one optimizing metric and satisficing lines.
    #[arg(long)]
    pub contract: Option<PathBuf>,
    /// Slices (TOML): named slices, `by` columns and the slice finder's settings; adds a
    /// `slices` section to the report (see docs/eval.md).
    #[arg(long)]
    pub slices: Option<PathBuf>,
    /// Behavioural tests (TOML; see docs/behaviour.md) run on --model: perturbation,
    /// invariance, directional expectation; a test over its maximum fail rate exits 1.
    #[arg(long, requires = "model", value_name = "TESTS.toml")]
    pub behaviour: Option<PathBuf>,
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
    #[command(flatten)]
    pub out: ReportOutputArgs<ReportFormat>,
    #[command(flatten)]
    pub null_values: input::NullValuesArg,
    /// Print a share link to this evaluation for the web app at BASE_URL: settings,
    /// contract, files' names and fingerprints, headline numbers; never data
    /// (docs/share-links.md). On standard output when the report goes to -o, else on
    /// standard error.
    #[arg(long, value_name = "BASE_URL")]
    pub link: Option<String>,
}

pub fn run(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let model = args
        .model
        .as_deref()
        .map(|path| {
            LoadedModel::load(
                path,
                args.pipeline.as_deref(),
                args.engine.engine,
                args.engine.ort_lib.as_deref(),
            )
        })
        .transpose()?;
    let pipeline = model.as_ref().and_then(|m| m.pipeline.as_ref());
    let (data_bytes, table) = inputs::read_data(&args.rows.data, &args.null_values, pipeline)?;

    let source = match (&model, &args.pred_col, &args.score_col) {
        (Some(model), _, _) => model.source(),
        (_, _, Some(score)) => Source::Score(score.clone()),
        (_, Some(pred), None) => Source::Column(pred.clone()),
        _ if args.config.is_some() => Source::Settings,
        _ => bail!("give --pred-col, --score-col or --model"),
    };
    if let (Some(pred), Some(_)) = (&args.pred_col, &args.score_col)
        && args.existing_col.is_none()
    {
        // Both given: the score drives the evaluation; say so rather than ignore it.
        eprintln!("note: --score-col drives the evaluation; --pred-col `{pred}` is not used");
    }
    let config_text = args.config.as_deref().map(read_text).transpose()?;
    let contract_text = args.contract.as_deref().map(read_text).transpose()?;
    let slices = match args.slices.as_deref() {
        Some(path) => Some(
            lockstep_core::slices::SlicesSpec::from_toml(&read_text(path)?)
                .with_context(|| format!("invalid slices file `{}`", path.display()))?,
        ),
        None => None,
    };
    let behaviour = args
        .behaviour
        .as_deref()
        .map(|path| {
            BehaviourSpec::from_toml(&read_text(path)?)
                .with_context(|| format!("invalid behavioural tests `{}`", path.display()))
        })
        .transpose()?;
    let mut human = Vec::new();
    for figure in &args.human {
        let Some((metric, value)) = figure.split_once('=') else {
            bail!("--human `{figure}`: expected METRIC=VALUE, e.g. accuracy=0.93");
        };
        let value: f64 = value
            .trim()
            .parse()
            .with_context(|| format!("--human `{figure}`: `{value}` is not a number"))?;
        human.push(HumanFigure {
            metric: metric.trim().to_owned(),
            value,
            source: Some("--human".to_owned()),
        });
    }
    let request = EvalRequest {
        label: args.rows.label.clone(),
        source,
        settings: settings_of(args.config.as_deref(), config_text.as_deref()),
        contract: settings_of(args.contract.as_deref(), contract_text.as_deref()),
        overrides: Overrides {
            positive_label: args.positive_label.clone(),
            threshold: args.threshold,
            heuristic: args.heuristic.clone().map(Heuristic::Rule),
            existing_column: args.existing_col.clone(),
            human,
            latency_ms_per_row: args.latency_ms_per_row,
            model_size_mb: args.model_size_mb,
            bootstrap_replicates: args.bootstrap,
            seed: args.seed,
            slices,
        },
        data_sha256: Some(sha256_hex(&data_bytes)),
    };
    let start = Instant::now();
    let clock = || start.elapsed().as_secs_f64() * 1e3;
    let mut report = evaluate_request(&table, &request, &clock).map_err(|e| {
        match (&e, args.config.as_deref(), args.contract.as_deref()) {
            (RequestError::Settings(inner), Some(path), _) => {
                anyhow::anyhow!("invalid config `{}`: {inner}", path.display())
            }
            (RequestError::Contract(inner), _, Some(path)) => {
                anyhow::anyhow!("invalid contract `{}`: {inner}", path.display())
            }
            _ => anyhow::Error::new(e),
        }
    })?;
    if let (Some(spec), Some(path)) = (&behaviour, &args.behaviour) {
        attach_behaviour(&mut report, &table, &request, spec)
            .with_context(|| format!("behavioural tests `{}`", path.display()))?;
    }
    let text = match args.out.format {
        ReportFormat::Json => export::json(&report)?,
        ReportFormat::Md => export::markdown(&report),
        ReportFormat::Html => export::html(&report),
        ReportFormat::Junit => export::junit(&report),
    };
    inputs::write_report(args.out.output.as_deref(), &text)?;
    if let Some(base_url) = &args.link {
        print_link(
            base_url,
            &args,
            &report,
            config_text.as_deref(),
            contract_text.as_deref(),
        );
    }
    let passed = report.passed();
    if let Some(contract) = &report.contract {
        eprintln!(
            "contract: {}",
            if contract.passed { "PASS" } else { "FAIL" }
        );
    }
    if let Some(b) = &report.behaviour {
        eprintln!(
            "behavioural tests: {}",
            if b.passed { "PASS" } else { "FAIL" }
        );
    }
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The share link of this evaluation (`--link`): what the flags chose, the files'
/// names with the report's fingerprints, the headline numbers.
fn print_link(
    base_url: &str,
    args: &EvalArgs,
    report: &EvalReport,
    config_text: Option<&str>,
    contract_text: Option<&str>,
) {
    let text_of = |path: Option<&Path>, text: Option<&str>| {
        settings_of(path, text).map(|s| share::SettingsText {
            format: s.format.into(),
            text: s.text.to_owned(),
        })
    };
    let name = |path: &Path| {
        path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    };
    let fingerprints = &report.fingerprints;
    let files: Vec<share::RoleFile> = [
        (
            share::FileKind::Data,
            "data",
            Some(&args.rows.data),
            &fingerprints.data_sha256,
        ),
        (
            share::FileKind::Model,
            "model",
            args.model.as_ref(),
            &fingerprints.model_sha256,
        ),
        (
            share::FileKind::Pipeline,
            "pipeline",
            args.pipeline.as_ref(),
            &fingerprints.pipeline_sha256,
        ),
    ]
    .into_iter()
    .filter_map(|(kind, role, path, sha256)| {
        Some(share::RoleFile {
            role: role.to_owned(),
            kind,
            name: name(path?),
            sha256: sha256.clone()?,
        })
    })
    .collect();
    let prediction = match (&args.model, &args.score_col, &args.pred_col) {
        (Some(_), _, _) => Some(share::Prediction::Model("model".to_owned())),
        (_, Some(score), _) => Some(share::Prediction::Score(score.clone())),
        (_, _, Some(pred)) => Some(share::Prediction::Column(pred.clone())),
        _ => None,
    };
    let settings = share::EvalSettings {
        label: Some(args.rows.label.clone()),
        prediction,
        config: text_of(args.config.as_deref(), config_text),
        positive_label: args.positive_label.clone(),
        heuristic: args.heuristic.clone(),
        existing_column: args.existing_col.clone(),
        human: report_human(&args.human),
        bootstrap_replicates: args.bootstrap,
        seed: args.seed,
    };
    let contract = text_of(args.contract.as_deref(), contract_text);
    let state = share::NotebookState::of_evaluation(report, settings, contract, files);
    let link = format!("{base_url}{}", share::encode(&state));
    let chars = link.len() - base_url.len() - 1;
    let advice = match share::LinkBudget::of(&link) {
        share::LinkBudget::Typical => "",
        share::LinkBudget::Long => " (long: some chat tools may cut it)",
        share::LinkBudget::OfferFile => {
            " (too long to paste reliably: share the report file instead)"
        }
        share::LinkBudget::TooLarge => {
            " (over the 64 KiB a link may hold: the page will refuse it)"
        }
    };
    eprintln!("link: {chars} characters after `#`{advice}");
    if args.out.output.is_some() {
        println!("{link}");
    } else {
        eprintln!("{link}");
    }
}

/// `--human METRIC=VALUE` figures that parsed (`run` has refused the others).
fn report_human(figures: &[String]) -> Vec<share::HumanLevel> {
    figures
        .iter()
        .filter_map(|figure| {
            let (metric, value) = figure.split_once('=')?;
            Some(share::HumanLevel {
                metric: metric.trim().to_owned(),
                value: value.trim().parse().ok()?,
            })
        })
        .collect()
}
