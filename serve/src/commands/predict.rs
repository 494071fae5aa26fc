//! `lockstep predict`: run a model over a data file and write its predictions.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use lockstep_core::{onnx, predict};

use super::EngineChoice;
use super::args::{ModelArgs, ORT_LIB_HELP};
use crate::{input, output};

/// Arguments of `lockstep predict`.
#[derive(Debug, clap::Args)]
pub struct PredictArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// The input data (.csv, .jsonl or .parquet). Without a pipeline its columns, in order, are the model's input.
    #[arg(long)]
    pub input: PathBuf,
    /// Which engine runs the model (`cpu` and `ort` are accepted as the old names of `core` and `onnxruntime`).
    #[arg(long, value_enum, default_value = "core")]
    pub engine: EngineChoice,
    /// Where to write the predictions (.csv or .parquet): one column per output, one per class for probabilities (`<output>_<class>` with the model's class labels, else `<output>_<index>`).
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    #[arg(long, help = ORT_LIB_HELP)]
    pub ort_lib: Option<PathBuf>,
    /// Threads (default: the available cores). The core engine splits the rows across them
    /// when the model computes each row from that row alone, with the same outputs bit for
    /// bit; ONNX Runtime gets them as intra-op threads.
    #[arg(long)]
    pub threads: Option<usize>,
    #[command(flatten)]
    pub null_values: input::NullValuesArg,
}

pub fn run(args: PredictArgs) -> anyhow::Result<ExitCode> {
    output::format_of(&args.output)?;
    let model = input::read_model(&args.model.model)?;
    let (pipeline, table) = args
        .null_values
        .read(&args.input, args.model.pipeline.as_deref())?;
    let threads = args.threads.unwrap_or_else(super::available_threads).max(1);
    let engine = args.engine.load(&model, args.ort_lib.as_deref(), threads)?;
    let outputs = super::run(engine.as_ref(), &table, pipeline.as_ref())?;
    let class_labels = onnx::class_labels(&model);
    let columns = predict::output_columns(&outputs, table.num_rows(), class_labels.as_deref())
        .context("cannot lay the model's outputs out as columns")?;
    output::write_columns(&args.output, &columns)?;
    eprintln!(
        "wrote {} rows × {} columns to {} (engine: {})",
        columns.rows,
        columns.columns.len(),
        args.output.display(),
        engine.name()
    );
    Ok(ExitCode::SUCCESS)
}
