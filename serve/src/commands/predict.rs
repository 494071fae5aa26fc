//! `lockstep predict`: run a model over a data file and write its predictions.

use std::path::PathBuf;
use std::process::ExitCode;

use lockstep_core::predict;

use super::{Engine, run_engine};
use crate::{input, output};

/// Arguments of `lockstep predict`.
#[derive(Debug, clap::Args)]
pub struct PredictArgs {
    /// The ONNX model.
    #[arg(long)]
    pub model: PathBuf,
    /// A fitted pipeline (from `lockstep fit`) that turns the raw input into the model's features.
    #[arg(long)]
    pub pipeline: Option<PathBuf>,
    /// The input data (.csv, .jsonl or .parquet). Without a pipeline its columns, in order, are the model's input.
    #[arg(long)]
    pub input: PathBuf,
    /// Which engine runs the model.
    #[arg(long, value_enum, default_value = "cpu")]
    pub engine: Engine,
    /// Where to write the predictions (.csv or .parquet): one column per output, one per class for probabilities.
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    /// ONNX Runtime's library (default: $ORT_DYLIB_PATH, then .venv's onnxruntime wheel).
    #[arg(long)]
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
    let model = input::read_model(&args.model)?;
    let pipeline = args
        .pipeline
        .as_deref()
        .map(input::read_pipeline)
        .transpose()?;
    let null_values = args.null_values.resolve(pipeline.as_ref())?;
    let table = input::read_table(&args.input, &null_values)?;
    let outputs = run_engine(
        args.engine,
        &model,
        &table,
        pipeline.as_ref(),
        args.ort_lib.as_deref(),
        args.threads.unwrap_or_else(super::available_threads).max(1),
    )?;
    let columns = predict::output_columns(&outputs, table.num_rows(), None)?;
    output::write_columns(&args.output, &columns)?;
    eprintln!(
        "wrote {} rows × {} columns to {}",
        columns.rows,
        columns.columns.len(),
        args.output.display()
    );
    Ok(ExitCode::SUCCESS)
}
