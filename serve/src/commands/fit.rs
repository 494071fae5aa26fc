//! `lockstep fit`: fit a pipeline spec on a training file and write the fitted pipeline.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use lockstep_core::transform::{self, PipelineSpec};

use crate::input;

/// Arguments of `lockstep fit`.
#[derive(Debug, clap::Args)]
pub struct FitArgs {
    /// The pipeline spec (.toml or .json).
    #[arg(long)]
    pub spec: PathBuf,
    /// The training data (.csv, .jsonl or .parquet): every statistic comes from it alone.
    #[arg(long)]
    pub train: PathBuf,
    /// Where to write the fitted pipeline (JSON).
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    /// The raw strings read as null, comma-separated; recorded in the fitted pipeline
    /// (it replaces the spec's `null_values`), so that serving, skew checks and the
    /// page read raw values the way training did. Default: the spec's list, else
    /// pandas' (`""`, `NA`, `NULL`, `NaN`, `None`, `null`, …). `--null-values ''` reads
    /// only empty fields as null, keeping `NA` as a category.
    #[arg(long, value_delimiter = ',', num_args = 0..)]
    pub null_values: Option<Vec<String>>,
}

pub fn run(args: FitArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.spec)
        .with_context(|| format!("cannot read the spec `{}`", args.spec.display()))?;
    let mut spec = match input::extension(&args.spec).as_str() {
        "json" => PipelineSpec::from_json(&text),
        _ => PipelineSpec::from_toml(&text),
    }
    .with_context(|| format!("invalid spec `{}`", args.spec.display()))?;
    if let Some(given) = args.null_values {
        spec.null_values = Some(given);
    }
    let train = input::read_table(&args.train, &spec.effective_null_values())?;
    let fitted = transform::fit(&spec, &train)
        .with_context(|| format!("cannot fit on `{}`", args.train.display()))?;
    let json = fitted.to_json()?;
    std::fs::write(&args.output, json)
        .with_context(|| format!("cannot write `{}`", args.output.display()))?;
    eprintln!(
        "fitted on {} rows: {} features, fingerprint {} → {}",
        train.num_rows(),
        fitted.feature_names().len(),
        fitted.fingerprint(),
        args.output.display()
    );
    Ok(ExitCode::SUCCESS)
}
