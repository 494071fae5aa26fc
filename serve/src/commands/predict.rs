//! `lockstep predict`: run a model over a data file and write its predictions.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use lockstep_core::predict;

use super::{Engine, run_engine};
use crate::input;

/// Arguments of `lockstep predict`.
#[derive(Debug, clap::Args)]
pub struct PredictArgs {
    /// The ONNX model.
    #[arg(long)]
    pub model: PathBuf,
    /// The input data (.csv). Without a pipeline its columns, in order, are the model's input.
    #[arg(long)]
    pub input: PathBuf,
    /// Which engine runs the model.
    #[arg(long, value_enum, default_value = "cpu")]
    pub engine: Engine,
    /// Where to write the predictions (.csv).
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    /// ONNX Runtime's library (default: $ORT_DYLIB_PATH, then .venv's onnxruntime wheel).
    #[arg(long)]
    pub ort_lib: Option<PathBuf>,
}

pub fn run(args: PredictArgs) -> anyhow::Result<ExitCode> {
    if input::extension(&args.output) != "csv" {
        bail!(
            "`{}`: unsupported output format (expected .csv)",
            args.output.display()
        );
    }
    let model = input::read_model(&args.model)?;
    let table = input::read_table(&args.input)?;
    let outputs = run_engine(args.engine, &model, &table, args.ort_lib.as_deref(), 1)?;
    let columns = predict::output_columns(&outputs, table.num_rows(), None)?;
    std::fs::write(&args.output, columns.to_csv())
        .with_context(|| format!("cannot write `{}`", args.output.display()))?;
    eprintln!(
        "wrote {} rows × {} columns to {}",
        columns.rows,
        columns.columns.len(),
        args.output.display()
    );
    Ok(ExitCode::SUCCESS)
}
