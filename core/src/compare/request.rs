//! One comparison request, the one orchestration behind `lockstep compare` and the
//! page's Compare cell: where each side's predictions come from (a column, a score, or
//! a model run through its pipeline on any [`crate::engine::Engine`]), the settings
//! text, the caller's overrides and the data's fingerprint in; one [`ComparisonReport`]
//! out. The same path as [`crate::report::request`] takes for one model: the same
//! `run_model` (awaited in the page: [`compare_request_async`]), the same column
//! reading.

use super::config::CompareConfig;
use super::types::{ComparisonReport, ModelSide};
use super::{CompareError, SidePredictions, compare, compare_slices};
use crate::report::config::Predictions;
use crate::report::fingerprint::Fingerprints;
use crate::report::model_run::{ModelRun, ModelRunError, run_model, run_model_async};
use crate::report::request::{Settings, Source};
use crate::report::types::PredictionKind;
use crate::table::{ColumnData, Table};

/// What the caller sets over the settings text (the CLI's flags).
#[derive(Debug, Clone, Default)]
pub struct CompareOverrides {
    pub positive_label: Option<String>,
    pub threshold: Option<f64>,
    pub bootstrap_replicates: Option<u32>,
    pub seed: Option<u64>,
    /// Slices to compare within (`--slices`), read on the input table.
    pub slices: Option<crate::slices::SlicesSpec>,
}

/// Everything one comparison needs besides the table.
pub struct CompareRequest<'a> {
    /// The column holding the true class (or target).
    pub label: String,
    /// Names shown in the report (e.g. the model files' names).
    pub names: [String; 2],
    pub champion: Source<'a>,
    pub challenger: Source<'a>,
    /// A compare config in TOML or JSON (see [`CompareConfig`]).
    pub settings: Option<Settings<'a>>,
    pub overrides: CompareOverrides,
    /// sha256 of the data file's bytes.
    pub data_sha256: Option<String>,
}

/// How a prediction column given without its kind is read: a score (positive-class
/// probability) when it is numeric, every value lies in [0, 1] and at least one is
/// strictly between 0 and 1; predicted classes (or values) otherwise. A column of
/// 0/1 is predicted classes. A missing column is left to the comparison to name.
pub fn column_source(table: &Table, column: &str) -> Source<'static> {
    let is_score = table.column(column).is_ok_and(|c| match c.data() {
        ColumnData::Float64(v) => {
            let mut fractional = false;
            let all_in_unit = v.iter().flatten().all(|x| {
                fractional |= x > 0.0 && x < 1.0;
                (0.0..=1.0).contains(&x)
            });
            all_in_unit && fractional
        }
        _ => false,
    });
    if is_score {
        Source::Score(column.to_owned())
    } else {
        Source::Column(column.to_owned())
    }
}

/// A side's predictions, with the table its model's run made.
struct Resolved {
    run: Option<ModelRun>,
    predictions: Predictions,
    info: ModelSide,
}

fn resolve(
    side: &'static str,
    name: &str,
    source: &Source<'_>,
    run: Option<ModelRun>,
    regression: bool,
) -> Result<Resolved, CompareError> {
    let info = |fingerprints: Fingerprints, latency: Option<f64>| ModelSide {
        name: name.to_owned(),
        prediction_kind: PredictionKind::Labels,
        prediction_columns: Vec::new(),
        fingerprints,
        latency_ms_per_row: latency,
    };
    Ok(match (source, run) {
        (Source::Model(m), Some(run)) => Resolved {
            predictions: run.predictions.clone(),
            info: info(
                Fingerprints::of(None, Some(m.bytes), m.pipeline),
                Some(run.latency_ms_per_row),
            ),
            run: Some(run),
        },
        (Source::Score(c), _) if !regression => Resolved {
            run: None,
            predictions: Predictions::Score(c.clone()),
            info: info(Fingerprints::default(), None),
        },
        (Source::Column(c) | Source::Score(c), _) => Resolved {
            run: None,
            predictions: Predictions::Column(c.clone()),
            info: info(Fingerprints::default(), None),
        },
        (Source::Model(_), None) | (Source::Settings, _) => {
            return Err(CompareError::NoPredictions { side });
        }
    })
}

/// A side's model run through its engine: `None` when its predictions are a column.
fn model_run(
    side: &'static str,
    source: &Source<'_>,
    table: &Table,
    label: &str,
    now: &dyn Fn() -> f64,
) -> Result<Option<ModelRun>, CompareError> {
    match source {
        Source::Model(m) => run_model(m.engine, m.class_labels, table, m.pipeline, label, now)
            .map(Some)
            .map_err(|e| model_error(side, e)),
        Source::Settings => Err(CompareError::NoPredictions { side }),
        Source::Column(_) | Source::Score(_) => Ok(None),
    }
}

/// [`model_run`] through [`crate::engine::Engine::run_async`].
async fn model_run_async(
    side: &'static str,
    source: &Source<'_>,
    table: &Table,
    label: &str,
    now: &dyn Fn() -> f64,
) -> Result<Option<ModelRun>, CompareError> {
    match source {
        Source::Model(m) => {
            run_model_async(m.engine, m.class_labels, table, m.pipeline, label, now)
                .await
                .map(Some)
                .map_err(|e| model_error(side, e))
        }
        Source::Settings => Err(CompareError::NoPredictions { side }),
        Source::Column(_) | Source::Score(_) => Ok(None),
    }
}

fn model_error(side: &'static str, source: ModelRunError) -> CompareError {
    CompareError::Model {
        side,
        source: Box::new(source),
    }
}

/// Carries out `request` on `table`; `now` reads a clock in milliseconds (it times
/// the model runs).
pub fn compare_request(
    table: &Table,
    request: &CompareRequest<'_>,
    now: &dyn Fn() -> f64,
) -> Result<ComparisonReport, CompareError> {
    let config = config_of(request)?;
    let label = request.label.as_str();
    let runs = [
        model_run("champion", &request.champion, table, label, now)?,
        model_run("challenger", &request.challenger, table, label, now)?,
    ];
    compare_runs(table, request, config, runs)
}

/// [`compare_request`] with the model runs awaited ([`crate::engine::Engine::run_async`]):
/// the page's Compare cell, whose engine runs a large batch on its engine workers (or
/// WebGPU) without blocking. The same report whenever the engine's async run gives the
/// same outputs as its run.
pub async fn compare_request_async(
    table: &Table,
    request: &CompareRequest<'_>,
    now: &dyn Fn() -> f64,
) -> Result<ComparisonReport, CompareError> {
    let config = config_of(request)?;
    let label = request.label.as_str();
    let runs = [
        model_run_async("champion", &request.champion, table, label, now).await?,
        model_run_async("challenger", &request.challenger, table, label, now).await?,
    ];
    compare_runs(table, request, config, runs)
}

/// The settings text with the caller's overrides over it.
fn config_of(request: &CompareRequest<'_>) -> Result<CompareConfig, CompareError> {
    let mut config = match &request.settings {
        Some(s) => CompareConfig::from_settings(s.text, s.format)?,
        None => CompareConfig::default(),
    };
    let o = &request.overrides;
    if let Some(p) = &o.positive_label {
        config.positive_label = Some(p.clone());
    }
    if let Some(t) = o.threshold {
        config.threshold = t;
    }
    if let Some(n) = o.bootstrap_replicates {
        config.bootstrap.replicates = n;
    }
    if let Some(seed) = o.seed {
        config.bootstrap.seed = seed;
    }
    Ok(config)
}

/// The comparison of the two sides given their model runs (`runs`, champion first).
fn compare_runs(
    table: &Table,
    request: &CompareRequest<'_>,
    config: CompareConfig,
    [run_a, run_b]: [Option<ModelRun>; 2],
) -> Result<ComparisonReport, CompareError> {
    let o = &request.overrides;
    let label = request.label.as_str();
    let [name_a, name_b] = &request.names;
    let regression = config.task == Some(crate::report::config::TaskKind::Regression);
    let a = resolve("champion", name_a, &request.champion, run_a, regression)?;
    let b = resolve("challenger", name_b, &request.challenger, run_b, regression)?;
    fn side<'t>(r: &'t Resolved, table: &'t Table) -> SidePredictions<'t> {
        SidePredictions {
            table: r.run.as_ref().map_or(table, |run| &run.table),
            predictions: r.predictions.clone(),
            info: r.info.clone(),
        }
    }
    let (side_a, side_b) = (side(&a, table), side(&b, table));
    let mut report = compare(
        label,
        &side_a,
        &side_b,
        &config,
        request.data_sha256.clone(),
    )?;
    if let Some(spec) = &o.slices {
        let mut inside = config.clone();
        inside.task = Some(report.task);
        report.slices = compare_slices(label, &side_a, &side_b, &inside, table, spec)?;
        if report.task == crate::report::config::TaskKind::Classification {
            match super::simpson::compare_simpson(label, &side_a, &side_b, &config, table, spec)? {
                Some(checks) => report.simpson = checks,
                None => report.notes.push(
                    "Simpson's paradox is checked for binary classification only (its metrics \
                     count predicted positives): not checked"
                        .to_owned(),
                ),
            }
        }
    }
    Ok(report)
}
