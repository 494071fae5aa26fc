//! Argument groups that several subcommands take, defined once and flattened into each
//! command's arguments (`#[command(flatten)]`). A command whose help says something
//! more specific about a flag keeps its own text with `mut_arg` on its arguments.

use std::path::PathBuf;

use super::EngineChoice;

/// `--model` and `--pipeline`: a required ONNX model and the optional fitted pipeline
/// that feeds it.
#[derive(Debug, clap::Args)]
pub struct ModelArgs {
    /// The ONNX model.
    #[arg(long)]
    pub model: PathBuf,
    /// A fitted pipeline (from `lockstep fit`) that turns the raw input into the model's features.
    #[arg(long)]
    pub pipeline: Option<PathBuf>,
}

/// `--ort-lib`'s help where no `--engine` choice qualifies it (`predict`, `parity`).
pub const ORT_LIB_HELP: &str =
    "ONNX Runtime's library (default: $ORT_DYLIB_PATH, then .venv's onnxruntime wheel)";

/// `--engine` and `--ort-lib`: the engine that runs a model, and where ONNX Runtime's
/// library is when that engine is ONNX Runtime.
#[derive(Debug, clap::Args)]
pub struct EngineArgs {
    /// Which engine runs the model (`cpu` and `ort` are accepted as the old names of `core` and `onnxruntime`).
    #[arg(long, value_enum, default_value = "core")]
    pub engine: EngineChoice,
    /// ONNX Runtime's library, for `--engine onnxruntime`.
    #[arg(long)]
    pub ort_lib: Option<PathBuf>,
}

/// `--data` and `--label`: the rows a report is computed on and their true class.
#[derive(Debug, clap::Args)]
pub struct LabeledDataArgs {
    /// The evaluation data (.csv, .jsonl or .parquet).
    #[arg(long)]
    pub data: PathBuf,
    /// The column holding the true class (or target, for regression).
    #[arg(long)]
    pub label: String,
}

/// A report's format, and the default one (`--format`'s default value).
pub trait ReportFormatChoice: clap::ValueEnum + Clone + Send + Sync + 'static {
    /// The name of the default format, as typed on the command line.
    const DEFAULT: &'static str;
}

/// `--format` and `-o/--output`: the report's format and where it goes.
#[derive(Debug, clap::Args)]
pub struct ReportOutputArgs<F: ReportFormatChoice> {
    /// Output format.
    #[arg(long, value_enum, default_value = F::DEFAULT)]
    pub format: F,
    /// Where to write the report (default: standard output).
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
}
