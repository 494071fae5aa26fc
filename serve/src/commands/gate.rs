//! `lockstep gate`: one readiness verdict for a model candidate from the declared
//! checks of a gate file, written in the four report formats plus a blessing; and
//! `lockstep gate --verify`, which tells a deploy step whether the model and
//! pipeline it is about to ship are the ones that passed.
//!
//! The candidate is evaluated on the blackbox part of the data's eyeball / blackbox
//! split (the split of the evaluation settings): the evaluation request is prepared
//! once on the whole table (`prepare_request`, the model run through the `Engine`
//! seam), then the blackbox rows are evaluated. Or an evaluation report JSON is given
//! (`--report`), whose named sections the `report_section` checks read.
//!
//! Exit status: 0 when the gate passes (warnings allowed) or the artefacts match the
//! blessing, 1 when it fails or they do not, 2 on bad usage or unreadable input.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use lockstep_core::engine::Engine;
use lockstep_core::gate::{
    self, Blessing, BlessingError, GateConfig, GateInputs, Provenance, Status,
};
use lockstep_core::onnx;
use lockstep_core::report::{
    EvalRequest, ModelSource, Overrides, Settings, SettingsFormat, Source, export, sha256_hex,
};
use serde_json::Value;

use super::args::EngineArgs;
use super::inputs::read_text;
use crate::input;

/// Arguments of `lockstep gate`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("engine", |a| a.help("Which engine runs the model")))]
pub struct GateArgs {
    /// The gate file (TOML): the declared checks (see docs/gate.md).
    #[arg(long, required_unless_present = "verify", conflicts_with = "verify")]
    pub config: Option<PathBuf>,
    /// Check a blessing against --model (and --pipeline) instead of running a gate.
    #[arg(long, value_name = "BLESSING_JSON")]
    pub verify: Option<PathBuf>,
    /// The candidate model (ONNX).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// The fitted pipeline that turns the data's raw columns into the model's features.
    #[arg(long)]
    pub pipeline: Option<PathBuf>,
    /// The evaluation data (.csv, .jsonl or .parquet); its blackbox part is evaluated.
    #[arg(long, conflicts_with = "report")]
    pub data: Option<PathBuf>,
    /// The label column (with --data).
    #[arg(long)]
    pub label: Option<String>,
    /// An evaluation report JSON (`lockstep eval --format json`) instead of --data.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Evaluation settings (TOML or JSON, as `lockstep eval --config`).
    #[arg(long)]
    pub eval_config: Option<PathBuf>,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// The champion comparison report (JSON).
    #[arg(long)]
    pub comparison: Option<PathBuf>,
    /// `lockstep skew --format json`'s report.
    #[arg(long)]
    pub skew: Option<PathBuf>,
    /// The code version to record (e.g. a git commit); overrides the gate file's.
    #[arg(long)]
    pub code_version: Option<String>,
    /// Bootstrap replicates of the evaluation.
    #[arg(long)]
    pub bootstrap: Option<u32>,
    /// Seed of the bootstrap and the split.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Folder for gate.json, gate.md, gate.html, gate.junit.xml and blessing.json.
    #[arg(long, default_value = "gate-report")]
    pub out_dir: PathBuf,
    #[command(flatten)]
    pub null_values: input::NullValuesArg,
}

pub fn run(args: GateArgs) -> anyhow::Result<ExitCode> {
    if let Some(blessing) = &args.verify {
        return verify(blessing, args.model.as_deref(), args.pipeline.as_deref());
    }
    let Some(config_path) = &args.config else {
        bail!("give --config gate.toml (or --verify blessing.json)");
    };
    let config_text = read_text(config_path)?;
    let config = GateConfig::from_toml(&config_text)
        .with_context(|| format!("invalid gate file `{}`", config_path.display()))?;
    let model_bytes = args.model.as_deref().map(input::read_model).transpose()?;
    let pipeline_bytes = args
        .pipeline
        .as_deref()
        .map(|p| input::read_file(p, "pipeline", input::MAX_PIPELINE_BYTES))
        .transpose()?;
    let pipeline = args
        .pipeline
        .as_deref()
        .map(input::read_pipeline)
        .transpose()?;
    let eval_text = args.eval_config.as_deref().map(read_text).transpose()?;
    let mut settings = Vec::new();
    if let Some(text) = &eval_text {
        settings.push(format!(
            "eval settings sha256 {}",
            sha256_hex(text.as_bytes())
        ));
    }

    let (report, report_json, data_sha256) = match (&args.report, &args.data) {
        (Some(path), _) => {
            let text = read_text(path)?;
            let json: Value = serde_json::from_str(&text)
                .with_context(|| format!("`{}` is not JSON", path.display()))?;
            let report = export::from_json(&text)
                .with_context(|| format!("`{}` is not an evaluation report", path.display()))?;
            let data = report.fingerprints.data_sha256.clone();
            settings.push(format!(
                "report `{}`; split eyeball_fraction {} seed {} key {}; bootstrap {} \
                 replicates seed {} confidence {}; threshold {}",
                path.display(),
                report.split.eyeball_fraction,
                report.split.seed,
                report.split.key_column.as_deref().unwrap_or("row number"),
                report.bootstrap.replicates,
                report.bootstrap.seed,
                report.bootstrap.confidence,
                report
                    .inputs
                    .threshold
                    .map_or_else(|| "none".to_owned(), |t| t.to_string())
            ));
            (Some(report), Some(json), data)
        }
        (None, Some(data_path)) => {
            let Some(label) = &args.label else {
                bail!("--data needs --label");
            };
            let Some(model_bytes) = &model_bytes else {
                bail!("--data needs --model: the gate evaluates a model candidate");
            };
            let data_bytes = input::read_file(data_path, "data", input::MAX_DATA_BYTES)?;
            let null_values = args.null_values.resolve(pipeline.as_ref())?;
            let table = input::table_from_bytes(data_path, &data_bytes, &null_values)?;
            let engine: Box<dyn Engine> =
                args.engine
                    .engine
                    .load(model_bytes, args.engine.ort_lib.as_deref(), 1)?;
            let class_labels = onnx::class_labels(model_bytes);
            let request = EvalRequest {
                label: label.clone(),
                source: Source::Model(ModelSource {
                    engine: engine.as_ref(),
                    class_labels: class_labels.as_deref(),
                    pipeline: pipeline.as_ref(),
                    bytes: model_bytes,
                }),
                settings: eval_text.as_deref().zip(args.eval_config.as_deref()).map(
                    |(text, path)| Settings {
                        text,
                        format: SettingsFormat::from_extension(&input::extension(path)),
                    },
                ),
                contract: None,
                overrides: Overrides {
                    bootstrap_replicates: args.bootstrap,
                    seed: args.seed,
                    ..Overrides::default()
                },
                data_sha256: Some(sha256_hex(&data_bytes)),
            };
            let start = Instant::now();
            let clock = || start.elapsed().as_secs_f64() * 1e3;
            let engine_name = args.engine.engine.to_string();
            let evaluated = gate::evaluate_blackbox(&table, &request, &engine_name, &clock)?;
            settings.push(evaluated.settings);
            let (report, json) = (evaluated.report, evaluated.json);
            (Some(report), Some(json), Some(sha256_hex(&data_bytes)))
        }
        (None, None) => (None, None, None),
    };
    let comparison = args.comparison.as_deref().map(read_json).transpose()?;
    let skew = args.skew.as_deref().map(read_json).transpose()?;
    let provenance = Provenance {
        model_sha256: model_bytes.as_deref().map(sha256_hex),
        pipeline_sha256: pipeline.as_ref().map(|p| p.fingerprint().to_owned()),
        pipeline_file_sha256: pipeline_bytes.as_deref().map(sha256_hex),
        data_sha256,
        code_version: args.code_version.clone().or(config.code_version.clone()),
        lockstep_version: env!("CARGO_PKG_VERSION").to_owned(),
        gate_config_sha256: Some(sha256_hex(config_text.as_bytes())),
        settings,
    };
    let inputs = GateInputs {
        report: report.as_ref(),
        report_json: report_json.as_ref(),
        comparison: comparison.as_ref(),
        skew: skew.as_ref(),
    };
    let gate_report = gate::run_gate(&config, &inputs, &provenance);
    write_outputs(&args.out_dir, &gate_report)?;
    print!("{}", gate::export::markdown(&gate_report));
    eprintln!(
        "gate: {} (report in `{}`)",
        gate_report.verdict.label(),
        args.out_dir.display()
    );
    Ok(if gate_report.verdict == Status::Fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn write_outputs(dir: &Path, report: &gate::GateReport) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let mut files = vec![
        ("gate.json", gate::export::json(report)?),
        ("gate.md", gate::export::markdown(report)),
        ("gate.html", gate::export::html(report)),
        ("gate.junit.xml", gate::export::junit(report)),
    ];
    match Blessing::new(report) {
        Ok(blessing) => files.push(("blessing.json", blessing.to_json()?)),
        Err(e) => eprintln!("note: no blessing written: {e}"),
    }
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    Ok(())
}

fn verify(
    blessing: &Path,
    model: Option<&Path>,
    pipeline: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let Some(model) = model else {
        bail!("--verify needs --model (and --pipeline when one was gated)");
    };
    let blessing = read_blessing(blessing)?;
    let model_bytes = input::read_model(model)?;
    let pipeline_bytes = pipeline
        .map(|p| input::read_file(p, "pipeline", input::MAX_PIPELINE_BYTES))
        .transpose()?;
    match gate::verify(&blessing, &model_bytes, pipeline_bytes.as_deref()) {
        Ok(()) => {
            println!(
                "blessed: the model{} passed the gate ({})",
                if pipeline.is_some() {
                    " and pipeline"
                } else {
                    ""
                },
                blessing.verdict.label()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("not blessed: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

fn read_blessing(path: &Path) -> anyhow::Result<Blessing> {
    let text = read_text(path)?;
    Blessing::from_json(&text).with_context(|| format!("invalid blessing `{}`", path.display()))
}

/// `lockstep serve --require-blessing`: refuses to start unless the model bytes and
/// the pipeline file are the blessed ones.
pub fn require_blessing(
    blessing: &Path,
    model_bytes: &[u8],
    pipeline: &Path,
) -> anyhow::Result<()> {
    let blessing = read_blessing(blessing)?;
    let pipeline_bytes = input::read_file(pipeline, "pipeline", input::MAX_PIPELINE_BYTES)?;
    gate::verify(&blessing, model_bytes, Some(&pipeline_bytes))
        .map_err(|e: BlessingError| anyhow::Error::new(e).context("refusing to serve"))
}

fn read_json(path: &Path) -> anyhow::Result<Value> {
    serde_json::from_str(&read_text(path)?)
        .with_context(|| format!("`{}` is not JSON", path.display()))
}
