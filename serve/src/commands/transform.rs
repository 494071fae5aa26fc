//! `lockstep transform`: apply a fitted pipeline to raw data and write the features.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use lockstep_core::transform;

use crate::{input, output};

/// Arguments of `lockstep transform`.
#[derive(Debug, clap::Args)]
pub struct TransformArgs {
    /// The fitted pipeline (JSON from `lockstep fit`).
    #[arg(long)]
    pub pipeline: PathBuf,
    /// Raw rows (.csv, .jsonl or .parquet).
    #[arg(long)]
    pub input: PathBuf,
    /// Where to write the features (.parquet or .csv), one column per output feature.
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub null_values: input::NullValuesArg,
}

pub fn run(args: TransformArgs) -> anyhow::Result<ExitCode> {
    output::format_of(&args.output)?;
    let pipeline = input::read_pipeline(&args.pipeline)?;
    let null_values = args.null_values.resolve(Some(&pipeline))?;
    let table = input::read_table(&args.input, &null_values)?;
    let matrix = transform::apply(&pipeline, &table)
        .with_context(|| format!("cannot transform `{}`", args.input.display()))?;
    output::write_columns(&args.output, &output::feature_columns(&matrix))?;
    eprintln!(
        "{} rows × {} features → {} (pipeline {})",
        matrix.num_rows(),
        matrix.num_features(),
        args.output.display(),
        pipeline.fingerprint()
    );
    for oov in matrix.oov() {
        eprintln!(
            "note: column `{}`: {} rows held {} categories unseen in training (e.g. {})",
            oov.column,
            oov.rows,
            oov.distinct,
            oov.examples.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}
