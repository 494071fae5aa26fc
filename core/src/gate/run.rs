//! The gate's one evaluation orchestration, which `lockstep gate --data …` and the
//! page's Gate cell both call: the request is prepared once on the whole table
//! ([`prepare_request`]: the model run through the `Engine` seam, the settings
//! resolved), then only the blackbox rows of the eyeball / blackbox split are
//! evaluated, and the settings that produced the numbers are written down for the
//! provenance.

use serde_json::Value;

use crate::report::rows::split_rows;
use crate::report::{
    EvalReport, EvalRequest, PreparedRequest, RequestError, evaluate, prepare_request,
    prepare_request_async,
};
use crate::table::{Table, TableError};

/// The candidate's evaluation on the blackbox rows.
#[derive(Debug, Clone)]
pub struct BlackboxEvaluation {
    pub report: EvalReport,
    /// The same report as JSON, whose named sections `report_section` checks read.
    pub json: Value,
    /// Blackbox rows, and every row of the table.
    pub rows: usize,
    pub total: usize,
    /// The evaluation's settings in one line (engine, split, bootstrap, threshold),
    /// for [`super::Provenance::settings`].
    pub settings: String,
}

/// Why the blackbox evaluation could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GateRunError {
    #[error(transparent)]
    Request(#[from] RequestError),
    #[error("the blackbox part of the split is empty: nothing to gate on")]
    EmptyBlackbox,
    #[error("cannot take the blackbox rows: {0}")]
    Table(#[from] TableError),
    #[error("cannot write the report as JSON: {0}")]
    Json(String),
}

/// Evaluates `request` on the blackbox rows of `table`; `engine` names the engine in
/// the settings line (`core`, `onnxruntime`); `now` reads a clock in milliseconds.
pub fn evaluate_blackbox(
    table: &Table,
    request: &EvalRequest<'_>,
    engine: &str,
    now: &dyn Fn() -> f64,
) -> Result<BlackboxEvaluation, GateRunError> {
    let prepared = prepare_request(table, request, now)?;
    blackbox_of(table, &prepared, engine)
}

/// [`evaluate_blackbox`] with the model run awaited ([`prepare_request_async`]): the
/// page's Gate cell, whose engine runs a large batch on its engine workers (or WebGPU).
pub async fn evaluate_blackbox_async(
    table: &Table,
    request: &EvalRequest<'_>,
    engine: &str,
    now: &dyn Fn() -> f64,
) -> Result<BlackboxEvaluation, GateRunError> {
    let prepared = prepare_request_async(table, request, now).await?;
    blackbox_of(table, &prepared, engine)
}

/// The blackbox evaluation of a request prepared on the whole of `table`.
fn blackbox_of(
    table: &Table,
    prepared: &PreparedRequest,
    engine: &str,
) -> Result<BlackboxEvaluation, GateRunError> {
    let full = prepared.table.as_ref().unwrap_or(table);
    let split = split_rows(full, &prepared.config.split).map_err(RequestError::from)?;
    let rows: Vec<usize> = split.blackbox.iter().map(|&r| r as usize).collect();
    if rows.is_empty() {
        return Err(GateRunError::EmptyBlackbox);
    }
    let blackbox = full.take(&rows)?;
    let report = evaluate(&blackbox, &prepared.config).map_err(RequestError::from)?;
    let c = &prepared.config;
    let settings = format!(
        "engine {engine}; blackbox rows {} of {}; split eyeball_fraction {} seed {} key {}; \
         bootstrap {} replicates seed {} confidence {}; threshold {}",
        rows.len(),
        full.num_rows(),
        c.split.eyeball_fraction,
        c.split.seed,
        c.split.key_column.as_deref().unwrap_or("row number"),
        c.bootstrap.replicates,
        c.bootstrap.seed,
        c.bootstrap.confidence,
        c.threshold
    );
    let json = serde_json::to_value(&report).map_err(|e| GateRunError::Json(e.to_string()))?;
    Ok(BlackboxEvaluation {
        report,
        json,
        rows: rows.len(),
        total: full.num_rows(),
        settings,
    })
}
