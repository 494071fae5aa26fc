//! The regression half of [`super::evaluate`]: target and prediction columns,
//! metrics with bootstrap intervals, the mean baseline and an existing solution.

use super::config::{EvalConfig, Predictions};
use super::types::{BaselineInfo, BaselineKind};
use super::{NamedBaseline, ReportError};
use crate::metrics::bootstrap::{BootstrapConfig, Interval, bootstrap_parallel, default_threads};
use crate::metrics::table_input::{numeric_column, regression_columns};
use crate::metrics::{PreparedRegression, baselines, regression};
use crate::table::Table;

/// What the regression part adds to the report.
pub(super) struct RegressionOutcome {
    pub rows: u64,
    pub prediction_column: String,
    pub intervals: Vec<Interval>,
    pub baselines: Vec<NamedBaseline>,
    pub baseline_info: Vec<BaselineInfo>,
    pub notes: Vec<String>,
}

pub(super) fn run(table: &Table, config: &EvalConfig) -> Result<RegressionOutcome, ReportError> {
    let column = match &config.predictions {
        Predictions::Column(c) => c,
        Predictions::Score(_) => {
            return Err(ReportError::RegressionNeedsColumn { kind: "score" });
        }
        Predictions::Probabilities(_) => {
            return Err(ReportError::RegressionNeedsColumn {
                kind: "probability",
            });
        }
    };
    if config.baselines.heuristic.is_some() {
        return Err(ReportError::HeuristicForRegression);
    }
    let (targets, predictions) = regression_columns(table, &config.label, column)?;
    let prepared = PreparedRegression::new(&targets, &predictions)?;
    let boot = BootstrapConfig {
        replicates: config.bootstrap.replicates,
        seed: config.bootstrap.seed,
        confidence: config.bootstrap.confidence,
    };
    let intervals = bootstrap_parallel(
        prepared.rows(),
        &boot,
        config.bootstrap.method,
        config.bootstrap.threads.unwrap_or_else(default_threads),
        |w| prepared.metrics(w).named_values(),
    )?;
    let mut named = vec![NamedBaseline {
        kind: BaselineKind::ZeroRule,
        values: baselines::mean_baseline(&targets)?.named_values(),
    }];
    let mut info = vec![BaselineInfo {
        baseline: BaselineKind::ZeroRule,
        description: "always predict the mean target".to_owned(),
    }];
    if let Some(existing) = &config.baselines.existing_column {
        let values = numeric_column(table, existing)?;
        named.push(NamedBaseline {
            kind: BaselineKind::ExistingSolution,
            values: regression::evaluate(&targets, &values)?.named_values(),
        });
        info.push(BaselineInfo {
            baseline: BaselineKind::ExistingSolution,
            description: format!("the predictions in column `{existing}`"),
        });
    }
    Ok(RegressionOutcome {
        rows: targets.len() as u64,
        prediction_column: column.clone(),
        intervals,
        baselines: named,
        baseline_info: info,
        notes: vec![
            "regression: random baselines, calibration, curves and the threshold sweep do not apply"
                .to_owned(),
        ],
    })
}

/// The report's regression metrics with their bootstrap intervals over some rows (a
/// slice) of `targets` and `predictions`.
pub(crate) fn subset_intervals(
    config: &EvalConfig,
    targets: &[f64],
    predictions: &[f64],
    rows: &[usize],
) -> Result<Vec<Interval>, ReportError> {
    let t: Vec<f64> = rows.iter().map(|&r| targets[r]).collect();
    let p: Vec<f64> = rows.iter().map(|&r| predictions[r]).collect();
    let prepared = PreparedRegression::new(&t, &p)?;
    let boot = BootstrapConfig {
        replicates: config.bootstrap.replicates,
        seed: config.bootstrap.seed,
        confidence: config.bootstrap.confidence,
    };
    Ok(bootstrap_parallel(
        prepared.rows(),
        &boot,
        config.bootstrap.method,
        config.bootstrap.threads.unwrap_or_else(default_threads),
        |w| prepared.metrics(w).named_values(),
    )?)
}

/// The regression columns `config` names: targets and predictions.
pub(crate) fn read(
    table: &Table,
    config: &EvalConfig,
) -> Result<(Vec<f64>, Vec<f64>), ReportError> {
    match &config.predictions {
        Predictions::Column(c) => Ok(regression_columns(table, &config.label, c)?),
        Predictions::Score(_) => Err(ReportError::RegressionNeedsColumn { kind: "score" }),
        Predictions::Probabilities(_) => Err(ReportError::RegressionNeedsColumn {
            kind: "probability",
        }),
    }
}
