//! `lockstep parity`: run the same model and data through two engines and compare.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use lockstep_core::engine::Engine;
use lockstep_core::onnx::Tensor;
use lockstep_core::parity::{self, NamedComparison, Tolerance};
use lockstep_core::table::Table;
use lockstep_core::transform::FittedPipeline;

use super::EngineChoice;
use super::args::{ModelArgs, ORT_LIB_HELP};
use crate::input;

/// Arguments of `lockstep parity`.
#[derive(Debug, clap::Args)]
pub struct ParityArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// The input data (.csv); its columns, in order, are the model's input.
    #[arg(long)]
    pub input: PathBuf,
    /// The engines to compare, two or more: each is compared with every engine after it (candidate, then reference: `core,onnxruntime`; `core,gpu,onnxruntime` compares core with gpu, core with onnxruntime and gpu with onnxruntime). `cpu` and `ort` are accepted as the old names of `core` and `onnxruntime`; `gpu` and `auto` print which backend ran and why.
    #[arg(long, value_delimiter = ',', default_value = "core,onnxruntime")]
    pub engines: Vec<EngineChoice>,
    /// Absolute tolerance for float outputs.
    #[arg(long, default_value_t = Tolerance::default().atol)]
    pub atol: f64,
    /// Relative tolerance for float outputs (times the reference value).
    #[arg(long, default_value_t = Tolerance::default().rtol)]
    pub rtol: f64,
    #[arg(long, help = ORT_LIB_HELP)]
    pub ort_lib: Option<PathBuf>,
    #[command(flatten)]
    pub null_values: input::NullValuesArg,
}

pub fn run(args: ParityArgs) -> anyhow::Result<ExitCode> {
    if args.engines.len() < 2 {
        bail!(
            "--engines takes two or more engines (candidate,reference), got {}",
            args.engines.len()
        );
    }
    for (name, value) in [("--atol", args.atol), ("--rtol", args.rtol)] {
        if !(value.is_finite() && value >= 0.0) {
            bail!("{name} must be a finite number ≥ 0, got `{value}`");
        }
    }
    let tolerance = Tolerance {
        atol: args.atol,
        rtol: args.rtol,
    };
    let model = input::read_model(&args.model.model)?;
    let (pipeline, table) = args
        .null_values
        .read(&args.input, args.model.pipeline.as_deref())?;
    let lib = args.ort_lib.as_deref();
    let engines = args
        .engines
        .iter()
        .map(|e| e.load(&model, lib, 1))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut passed = true;
    for (i, candidate) in engines.iter().enumerate() {
        for (j, reference) in engines.iter().enumerate().skip(i + 1) {
            let results = compare(
                candidate.as_ref(),
                reference.as_ref(),
                &table,
                pipeline.as_ref(),
                tolerance,
            )?;
            // The choice as asked (`auto`) and, when it differs, the engine that ran.
            let label = |k: usize, e: &dyn Engine| {
                let asked = args.engines[k].name();
                if asked == e.name() {
                    asked.to_owned()
                } else {
                    format!("{asked} (ran {})", e.name())
                }
            };
            println!(
                "parity: {} vs {} on {} rows (atol {}, rtol {})",
                label(i, candidate.as_ref()),
                label(j, reference.as_ref()),
                table.num_rows(),
                args.atol,
                args.rtol
            );
            print_results(&results);
            passed &= results.iter().all(|r| r.comparison.passed());
        }
    }
    println!("parity: {}", if passed { "PASS" } else { "FAIL" });
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_results(results: &[NamedComparison]) {
    for r in results {
        println!("  {:<4} {}: {}", r.verdict(), r.output, r.detail());
    }
}

/// Runs `candidate` and `reference` on the same inputs (built from the candidate's input
/// metadata) and compares their outputs, output by output.
pub fn compare(
    candidate: &dyn Engine,
    reference: &dyn Engine,
    table: &Table,
    pipeline: Option<&FittedPipeline>,
    tolerance: Tolerance,
) -> anyhow::Result<Vec<NamedComparison>> {
    let inputs = super::build_inputs(candidate, table, pipeline)?;
    let refs: Vec<(&str, &Tensor)> = inputs.iter().map(|(n, t)| (n.as_str(), t)).collect();
    Ok(parity::compare_engines(
        candidate, reference, &refs, tolerance,
    )?)
}
