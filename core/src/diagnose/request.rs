//! One diagnosis request, the one orchestration behind `lockstep diagnose` and the
//! page's Diagnose and Error analysis cells (as [`crate::report::evaluate_request`] is
//! for `lockstep eval` and the Evaluate cell): the four sets' tables measured through
//! one evaluation request (the model run through the `Engine` seam), or figures
//! given; the optimal error declared, or the best baseline on the dev set; learning
//! curves; the dev set's eyeball errors and their tags. One [`DiagnoseReport`] out.
//!
//! # Data flow
//!
//! ```text
//! train / train-dev / dev / test tables ──measure (the EvalRequest, each set's sha256)──▶ per-row errors
//! given figures ─────────────────────────────────────────────────────────────────────▶ SetError
//! optimal: declared, else best_baseline(evaluate(dev)) ──┐                                 │
//!                                                        ▼                                 ▼
//!                                                     diagnose ──▶ Diagnosis
//! curve table ──learning_curves──▶ LearningCurves
//! dev ──split_rows──▶ eyeball ──sample_errors (seeded)──▶ ErrorSample ──tag_shares(tags)──▶ TagReport
//! ```
//!
//! The CLI only turns flags into a [`DiagnoseRequest`]; the page turns its picks into
//! the same request, so the same files and settings give the same report on both sides.

use super::curves::{CurveError, CurvePoint, learning_curves};
use super::errors::{ErrorAnalysisError, sample_errors, tag_shares};
use super::export::DiagnoseReport;
use super::{DataSet, DiagnoseError, DiagnosisInput, Measured, Optimal, SetError};
use crate::metrics::bootstrap::BootstrapConfig;
use crate::report::rows::split_rows;
use crate::report::{EvalRequest, ReportError, RequestError, evaluate};
use crate::table::Table;

/// One set's data: its table and the sha256 of the file's bytes.
#[derive(Clone, Copy)]
pub struct SetData<'a> {
    pub table: &'a Table,
    pub sha256: Option<&'a str>,
}

/// One set of the diagnosis: measured from data, or a figure given.
#[derive(Clone)]
pub enum SetInput<'a> {
    Data(SetData<'a>),
    Given(SetError),
}

/// Everything one diagnosis needs.
pub struct DiagnoseRequest<'a> {
    /// How each data set is measured (label, model, settings, overrides); its
    /// `data_sha256` is replaced by each set's. `None`: every set is a given figure.
    pub eval: Option<EvalRequest<'a>>,
    /// Training, training-dev, dev, test ([`DataSet::ALL`]'s order).
    pub sets: [Option<SetInput<'a>>; 4],
    /// The given figures' metric (`error rate` whenever a set is measured).
    pub metric: String,
    pub higher_is_better: bool,
    /// A declared human-level or Bayes-rate figure; `None`: the best baseline on the
    /// measured dev set (error rates only), else none.
    pub optimal: Option<Optimal>,
    pub tolerance: f64,
    pub bootstrap: BootstrapConfig,
    /// A learning-curve table and the dev-error fall per doubling that counts as
    /// "more data likely to help".
    pub curves: Option<(Vec<CurvePoint>, f64)>,
    /// List up to this many of the dev set's eyeball errors (seeded by the bootstrap
    /// seed).
    pub errors: Option<usize>,
    /// `row_id,tag` pairs of those errors.
    pub tags: Option<Vec<(String, String)>>,
}

/// Why a diagnosis request could not be carried out.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DiagnoseRequestError {
    #[error("the {set} set is data: give a model and a label to measure it (or give its figure)")]
    NoModel { set: &'static str },
    #[error("cannot measure the {set} set: {source}")]
    Measure {
        set: &'static str,
        source: Box<RequestError>,
    },
    #[error("the optimal error's baseline on the dev set: {0}")]
    Baseline(Box<ReportError>),
    #[error(transparent)]
    Diagnose(#[from] DiagnoseError),
    #[error(transparent)]
    Curves(#[from] CurveError),
    #[error("error analysis lists the dev set's errors: give the dev set as data")]
    ErrorsNeedDev,
    #[error("the dev set's split: {0}")]
    Split(Box<ReportError>),
    #[error(transparent)]
    Errors(#[from] ErrorAnalysisError),
}

/// Carries out `request` (see the module docs); `now` times the model runs.
pub fn request(
    mut request: DiagnoseRequest<'_>,
    now: &dyn Fn() -> f64,
) -> Result<DiagnoseReport, DiagnoseRequestError> {
    let mut measured = [None, None, None, None];
    for (k, slot) in measured.iter_mut().enumerate() {
        if let Some((table, eval)) = to_measure(&mut request, k)? {
            *slot = Some(super::measure(table, eval, now).map_err(|e| measure_error(k, e))?);
        }
    }
    finish(request, measured)
}

/// [`request`] with the model runs awaited ([`super::measure_async`]): the page's
/// Diagnose and Error analysis cells, whose engine runs a large batch on its engine
/// workers (or WebGPU) without blocking. The same report whenever the engine's async
/// run gives the same outputs as its run.
pub async fn request_async(
    mut request: DiagnoseRequest<'_>,
    now: &dyn Fn() -> f64,
) -> Result<DiagnoseReport, DiagnoseRequestError> {
    let mut measured = [None, None, None, None];
    for (k, slot) in measured.iter_mut().enumerate() {
        if let Some((table, eval)) = to_measure(&mut request, k)? {
            let m = super::measure_async(table, eval, now).await;
            *slot = Some(m.map_err(|e| measure_error(k, e))?);
        }
    }
    finish(request, measured)
}

/// Set `k`'s table when it is data, with the evaluation request that measures it
/// (its `data_sha256` the set's).
fn to_measure<'r, 'a>(
    request: &'r mut DiagnoseRequest<'a>,
    k: usize,
) -> Result<Option<(&'a Table, &'r EvalRequest<'a>)>, DiagnoseRequestError> {
    let Some(SetInput::Data(data)) = &request.sets[k] else {
        return Ok(None);
    };
    let data = *data;
    let Some(eval) = request.eval.as_mut() else {
        return Err(DiagnoseRequestError::NoModel {
            set: DataSet::ALL[k].label(),
        });
    };
    eval.data_sha256 = data.sha256.map(str::to_owned);
    Ok(Some((data.table, eval)))
}

fn measure_error(k: usize, source: RequestError) -> DiagnoseRequestError {
    DiagnoseRequestError::Measure {
        set: DataSet::ALL[k].label(),
        source: Box::new(source),
    }
}

/// The rest of [`request`], given each set's measurement (`None` where the set is a
/// figure given, or absent).
fn finish(
    request: DiagnoseRequest<'_>,
    mut measured: [Option<Measured>; 4],
) -> Result<DiagnoseReport, DiagnoseRequestError> {
    let DiagnoseRequest {
        eval: _,
        sets,
        metric,
        higher_is_better,
        optimal,
        tolerance,
        bootstrap,
        curves,
        errors,
        tags,
    } = request;
    let mut figures: [Option<SetError>; 4] = [None, None, None, None];
    let mut dev: Option<(&Table, Measured)> = None;
    let mut measured_any = false;
    for (k, (set, input)) in DataSet::ALL.into_iter().zip(sets).enumerate() {
        figures[k] = match (input, measured[k].take()) {
            (Some(SetInput::Given(e)), _) => Some(e),
            (Some(SetInput::Data(data)), Some(m)) => {
                measured_any = true;
                let e = m.set_error();
                if set == DataSet::Dev {
                    dev = Some((data.table, m));
                }
                Some(e)
            }
            _ => None,
        };
    }
    let optimal = match (optimal, &dev) {
        (Some(o), _) => Some(o),
        (None, Some((table, m))) if !higher_is_better => {
            let report = evaluate(m.table(table), &m.prepared.config)
                .map_err(|e| DiagnoseRequestError::Baseline(Box::new(e)))?;
            super::best_baseline(&report)
        }
        _ => None,
    };
    let [train, train_dev, dev_figure, test] = figures;
    let diagnosis = super::diagnose(&DiagnosisInput {
        metric: if measured_any {
            "error rate".to_owned()
        } else {
            metric
        },
        higher_is_better,
        train,
        train_dev,
        dev: dev_figure,
        test,
        optimal,
        tolerance,
        bootstrap,
    })?;
    let learning_curves = curves
        .map(|(points, min_gain)| learning_curves(&points, tolerance, min_gain))
        .transpose()?;
    let (errors, tags) = match errors {
        None => (None, None),
        Some(limit) => {
            let Some((table, m)) = &dev else {
                return Err(DiagnoseRequestError::ErrorsNeedDev);
            };
            let t = m.table(table);
            let split = split_rows(t, &m.prepared.config.split)
                .map_err(|e| DiagnoseRequestError::Split(Box::new(e)))?;
            let key = m.prepared.config.split.key_column.as_deref();
            let sample = sample_errors(t, &m.outcomes, &split, key, limit, bootstrap.seed)?;
            let tags = tags
                .map(|tags| tag_shares(&sample, &tags, bootstrap.confidence))
                .transpose()?;
            (Some(sample), tags)
        }
    };
    Ok(DiagnoseReport {
        diagnosis,
        learning_curves,
        errors,
        tags,
    })
}
