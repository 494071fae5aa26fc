//! Named and `by` slices measured with the report's own metrics, and the report's
//! `slices` section.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::SliceError;
use super::bitset::Bitset;
use super::finder::{Control, FinderReport, find};
use super::loss;
use super::predicate::cut;
use super::simpson::{
    Partition, SimpsonCheck, column_partitions, group_partitions, outcome_values,
};
use super::spec::SlicesSpec;
use crate::expr::Rule;
use crate::metrics::Metric;
use crate::metrics::bootstrap::Interval;
use crate::report::config::{EvalConfig, TaskKind};
use crate::report::contract::LineResult;
use crate::report::types::EvalReport;
use crate::report::{ReportError, classification, regression_run};
use crate::table::Table;

/// No `by` entry may make more slices than this.
pub const MAX_SLICES_PER_BY: usize = 200;

/// One metric on a slice: its estimate and interval, the rest's estimate, the gap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SliceMetricRow {
    pub name: String,
    pub estimate: Metric,
    pub lower: Metric,
    pub upper: Metric,
    /// The metric on every other row.
    pub rest: Metric,
    /// `estimate − rest`, when both are defined.
    pub gap: Option<f64>,
}

/// One slice's size and metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SliceMetrics {
    /// `region=EU`, `region=EU&device=mobile`, `age=[30,45)` or the name given.
    pub name: String,
    /// The rule that selects its rows.
    pub rule: String,
    pub rows: u64,
    /// Its share of the evaluated rows.
    pub share: f64,
    pub metrics: Vec<SliceMetricRow>,
}

/// The report's `slices` section (since schema 1.2.0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SlicesReport {
    pub slices: Vec<SliceMetrics>,
    pub finder: Option<FinderReport>,
    pub notes: Vec<String>,
    /// Whether every slice floor of the contract (`slice:NAME metric >= x`) holds
    /// (true when none is declared); since schema 1.3.0, so that a gate's
    /// `report_section = "slices"` check reads a verdict.
    #[serde(default = "yes")]
    pub passed: bool,
    /// The contract's slice floors, each with its result (since schema 1.3.0).
    #[serde(default)]
    pub checks: Vec<LineResult>,
    /// Simpson's paradox between the `[simpson]` groups, one finding per partition
    /// (since schema 1.3.0; absent when not asked for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simpson: Option<SimpsonCheck>,
}

fn yes() -> bool {
    true
}

impl SlicesReport {
    pub fn slice(&self, name: &str) -> Option<&SliceMetrics> {
        self.slices.iter().find(|s| s.name == name)
    }
}

/// The labels and predictions, read once for all slices with the report's classes.
enum Read {
    Classification(classification::ClassData),
    Regression(Vec<f64>, Vec<f64>),
}

impl Read {
    fn intervals(&self, config: &EvalConfig, rows: &[usize]) -> Result<Vec<Interval>, ReportError> {
        match self {
            Self::Classification(data) => classification::subset_intervals(config, data, rows),
            Self::Regression(t, p) => regression_run::subset_intervals(config, t, p, rows),
        }
    }
}

/// Every slice the spec names, with its rows.
pub(crate) fn slice_sets(
    table: &Table,
    spec: &SlicesSpec,
) -> Result<Vec<(String, String, Bitset)>, SliceError> {
    let mut out: Vec<(String, String, Bitset)> = Vec::new();
    for named in &spec.named {
        let rule = Rule::parse(&named.rule)
            .and_then(|r| r.predict(table))
            .map_err(|source| SliceError::Rule {
                slice: named.name.clone(),
                source,
            })?;
        out.push((
            named.name.clone(),
            named.rule.clone(),
            Bitset::from_bools(&rule),
        ));
    }
    for by in &spec.by {
        let mut combos: Vec<(Vec<String>, Vec<String>, Bitset)> =
            vec![(Vec::new(), Vec::new(), Bitset::full(table.num_rows()))];
        for name in &by.columns {
            let column = table.column(name).map_err(|_| SliceError::UnknownColumn {
                name: name.clone(),
                available: table.column_names().map(str::to_owned).collect(),
            })?;
            let cut = cut(column, &by.buckets(), 20)?;
            let mut next = Vec::new();
            for (names, rules, set) in &combos {
                for (p, rows) in cut.predicates.iter().zip(&cut.rows) {
                    let both = set.and(rows);
                    if both.is_empty() {
                        continue;
                    }
                    let mut n = names.clone();
                    n.push(p.name());
                    let mut r = rules.clone();
                    r.push(format!("({})", p.rule(cut.numeric)));
                    next.push((n, r, both));
                }
            }
            if next.len() > MAX_SLICES_PER_BY {
                return Err(SliceError::TooManySlices {
                    columns: by.columns.clone(),
                    count: next.len(),
                    limit: MAX_SLICES_PER_BY,
                });
            }
            combos = next;
        }
        out.extend(
            combos
                .into_iter()
                .map(|(names, rules, set)| (names.join("&"), rules.join(" and "), set)),
        );
    }
    let mut seen = std::collections::HashSet::new();
    for (name, _, _) in &out {
        if !seen.insert(name.as_str()) {
            return Err(SliceError::DuplicateName { name: name.clone() });
        }
    }
    Ok(out)
}

fn rows_of(set: &Bitset) -> Vec<usize> {
    set.ones().collect()
}

/// Measures the spec's slices on `table` (the evaluated table: the one the report was
/// computed from), runs the finder over `columns` when asked, adds the `slices`
/// section to `report` and checks its contract's `slice:` lines.
pub fn attach(
    report: &mut EvalReport,
    table: &Table,
    config: &EvalConfig,
    spec: &SlicesSpec,
    columns: &[String],
    control: &mut Control<'_>,
) -> Result<(), SliceError> {
    let read = match report.task {
        TaskKind::Classification => Read::Classification(classification::read(table, config)?),
        TaskKind::Regression => {
            let (t, p) = regression_run::read(table, config)?;
            Read::Regression(t, p)
        }
    };
    let n = table.num_rows();
    let mut notes = Vec::new();
    let mut rest_config = config.clone();
    rest_config.bootstrap.replicates = 1;
    let mut slices = Vec::new();
    for (name, rule, set) in slice_sets(table, spec)? {
        let rows = rows_of(&set);
        if rows.is_empty() {
            notes.push(format!("slice `{name}` has no rows; no metric is shown"));
            slices.push(SliceMetrics {
                name,
                rule,
                rows: 0,
                share: 0.0,
                metrics: Vec::new(),
            });
            continue;
        }
        let inside = read.intervals(config, &rows)?;
        let rest_rows = rows_of(&set.not());
        let rest = if rest_rows.is_empty() {
            Vec::new()
        } else {
            read.intervals(&rest_config, &rest_rows)?
        };
        let metrics = inside
            .into_iter()
            .map(|i| {
                let other = rest.iter().find(|r| r.metric == i.metric).map_or(
                    Metric::Undefined(crate::metrics::Undefined::EmptyInput),
                    |r| r.estimate,
                );
                SliceMetricRow {
                    gap: match (i.estimate.value(), other.value()) {
                        (Some(a), Some(b)) => Some(a - b),
                        _ => None,
                    },
                    name: i.metric,
                    estimate: i.estimate,
                    lower: i.lower,
                    upper: i.upper,
                    rest: other,
                }
            })
            .collect();
        slices.push(SliceMetrics {
            name,
            rule,
            rows: rows.len() as u64,
            share: rows.len() as f64 / n.max(1) as f64,
            metrics,
        });
    }
    let losses = || match &read {
        Read::Classification(data) => loss::classification(data),
        Read::Regression(t, p) => loss::regression(t, p),
    };
    let finder = match &spec.finder {
        Some(settings) => {
            let (losses, loss_name) = losses();
            let columns: Vec<String> = if settings.columns.is_empty() {
                columns
                    .iter()
                    .filter(|c| !settings.exclude.contains(c))
                    .cloned()
                    .collect()
            } else {
                settings.columns.clone()
            };
            Some(find(
                table, &columns, &losses, loss_name, settings, control,
            )?)
        }
        None => None,
    };
    let simpson = match &spec.simpson {
        Some(settings) => {
            let (values, outcome) = match &settings.outcome {
                Some(column) => (outcome_values(table, column)?, column.clone()),
                None => {
                    let (l, name) = losses();
                    (l.into_iter().map(Some).collect(), name.to_owned())
                }
            };
            let strata: Vec<String> = if settings.strata.is_empty() {
                columns
                    .iter()
                    .filter(|c| **c != settings.group && Some(*c) != settings.outcome.as_ref())
                    .cloned()
                    .collect()
            } else {
                settings.strata.clone()
            };
            let mut partitions = column_partitions(table, &strata)?;
            for found in finder.iter().flat_map(|f| &f.slices) {
                let rows = Rule::parse(&found.rule)
                    .and_then(|r| r.predict(table))
                    .map_err(|source| SliceError::Rule {
                        slice: found.name.clone(),
                        source,
                    })?;
                let set = Bitset::from_bools(&rows);
                partitions.push(Partition {
                    name: format!("the found slice {}", found.name),
                    strata: vec![
                        (found.name.clone(), set.clone()),
                        ("the rest".to_owned(), set.not()),
                    ],
                });
            }
            let findings =
                group_partitions(table, &settings.group, &values, &outcome, &partitions)?;
            Some(SimpsonCheck::Checked { findings })
        }
        None => None,
    };
    report.slices = Some(SlicesReport {
        slices,
        finder,
        notes,
        simpson,
        passed: true,
        checks: Vec::new(),
    });
    crate::report::recheck_contract(report, config);
    let floors: Vec<LineResult> = report
        .contract
        .as_ref()
        .map(|c| {
            c.lines
                .iter()
                .filter(|l| crate::report::contract::split_slice(&l.metric).is_some())
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if let Some(s) = report.slices.as_mut() {
        s.passed = floors.iter().all(|l| l.passed);
        s.checks = floors;
    }
    Ok(())
}
