//! Simpson's paradox: an aggregate comparison that every subgroup contradicts.
//!
//! Two shapes of input:
//!
//! * **Groups with their own rows** ([`groups`]): a table with a group column (two
//!   values: two models, two treatments, men and women), a stratum column and an
//!   outcome (boolean or numeric; its mean is compared). The classic case: kidney
//!   stone treatments, admissions by department.
//! * **Two models on the same rows** ([`same_rows`]): labels and both models'
//!   predicted classes, compared by a metric over candidate partitions. When the
//!   metric is a per-row average with the same rows on both sides (accuracy, error
//!   rate, recall — an average over the positive rows — or a mean loss), the overall
//!   value is the same weighted average of the strata for both models, so the winner
//!   cannot lose in every stratum: the check says so and does not search. Precision
//!   and F1 average over rows that depend on the model's own predictions, so they can
//!   reverse.
//!
//! A reversal is flagged when the overall winner is strictly worse in every stratum
//! where both sides have a defined value, and there are at least two such strata.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::SliceError;
use super::bitset::Bitset;
use super::predicate::{Buckets, cut};
use crate::report::contract::format_value;
use crate::table::{ColumnData, Table, ValueAt};

/// One stratum's values for the two sides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StratumRow {
    pub stratum: String,
    /// Rows of each side in this stratum.
    pub rows: [u64; 2],
    /// The compared value of each side (`None`: undefined here).
    pub values: [Option<f64>; 2],
}

/// The comparison over one partition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SimpsonFinding {
    /// What is compared (`admitted rate`, `f1`).
    pub measure: String,
    /// The two sides (groups or models).
    pub sides: [String; 2],
    /// The column or slice the strata come from.
    pub partition: String,
    pub overall: StratumRow,
    pub strata: Vec<StratumRow>,
    pub reversed: bool,
    /// One sentence in plain words.
    pub message: String,
}

/// The outcome of a check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SimpsonCheck {
    /// A reversal cannot happen for this metric and input; nothing was searched.
    Impossible {
        reason: String,
    },
    Checked {
        findings: Vec<SimpsonFinding>,
    },
}

impl SimpsonCheck {
    pub fn reversals(&self) -> Vec<&SimpsonFinding> {
        match self {
            Self::Impossible { .. } => Vec::new(),
            Self::Checked { findings } => findings.iter().filter(|f| f.reversed).collect(),
        }
    }
}

fn pct(v: Option<f64>, percent: bool) -> String {
    match v {
        Some(v) if percent => format!("{}%", format_value(v * 100.0)),
        Some(v) => format_value(v),
        None => "undefined".to_owned(),
    }
}

/// Judges one partition and words it.
fn judge(
    measure: &str,
    sides: [String; 2],
    partition: &str,
    overall: StratumRow,
    strata: Vec<StratumRow>,
    percent: bool,
) -> SimpsonFinding {
    let winner = match overall.values {
        [Some(a), Some(b)] if a > b => Some(0),
        [Some(a), Some(b)] if b > a => Some(1),
        _ => None,
    };
    let compared: Vec<&StratumRow> = strata
        .iter()
        .filter(|s| s.values[0].is_some() && s.values[1].is_some())
        .collect();
    let reversed = winner.is_some_and(|w| {
        compared.len() >= 2
            && compared
                .iter()
                .all(|s| s.values[w].unwrap_or(0.0) < s.values[1 - w].unwrap_or(0.0))
    });
    let message = match winner {
        Some(w) if reversed => format!(
            "Overall, {} has the higher {measure} ({} vs {}), yet {} is higher in every one of \
             the {} strata of {partition}: Simpson's paradox. The sides are spread differently \
             over the strata, so the overall figure mostly reflects that mix; compare within strata.",
            sides[w],
            pct(overall.values[w], percent),
            pct(overall.values[1 - w], percent),
            sides[1 - w],
            compared.len()
        ),
        Some(w) => format!(
            "Overall, {} has the higher {measure} ({} vs {}); the strata of {partition} do not all \
             reverse it: no Simpson's paradox there.",
            sides[w],
            pct(overall.values[w], percent),
            pct(overall.values[1 - w], percent)
        ),
        None => format!(
            "Overall, {} and {} tie on {measure} (or it is undefined): nothing to reverse over {partition}.",
            sides[0], sides[1]
        ),
    };
    SimpsonFinding {
        measure: measure.to_owned(),
        sides,
        partition: partition.to_owned(),
        overall,
        strata,
        reversed,
        message,
    }
}

fn column_of<'a>(table: &'a Table, name: &str) -> Result<&'a crate::table::Column, SliceError> {
    table.column(name).map_err(|_| SliceError::UnknownColumn {
        name: name.to_owned(),
        available: table.column_names().map(str::to_owned).collect(),
    })
}

/// An outcome column's values, one per row (`None`: null).
pub fn outcome_values(table: &Table, outcome: &str) -> Result<Vec<Option<f64>>, SliceError> {
    Ok(match column_of(table, outcome)?.data() {
        ColumnData::Bool(v) => (0..table.num_rows())
            .map(|r| v.value_at(r).map(f64::from))
            .collect(),
        ColumnData::Int64(v) => v.iter().map(|x| x.map(|x| x as f64)).collect(),
        ColumnData::Float64(v) => v.iter().collect(),
        ColumnData::Str(_) => {
            return Err(SliceError::NotNumeric {
                column: outcome.to_owned(),
                data_type: "string",
            });
        }
    })
}

/// Groups with their own rows: `group` (two values), `stratum` (categorical, or a
/// numeric column cut at quartiles), `outcome` (boolean or numeric, its mean).
pub fn groups(
    table: &Table,
    group: &str,
    stratum: &str,
    outcome: &str,
) -> Result<SimpsonFinding, SliceError> {
    let values = outcome_values(table, outcome)?;
    let s = cut(column_of(table, stratum)?, &Buckets::Quantiles(4), 20)?;
    let partition = Partition {
        name: stratum.to_owned(),
        strata: s.predicates.iter().map(|p| p.name()).zip(s.rows).collect(),
    };
    let mut findings = group_partitions(table, group, &values, outcome, &[partition])?;
    findings.pop().ok_or_else(|| SliceError::InvalidSetting {
        setting: "simpson.stratum",
        value: stratum.to_owned(),
        expected: "a column to stratify by",
    })
}

/// Groups with their own rows over several partitions: `group` (a column with two
/// values), each row's outcome (`values`, compared by its mean; named `outcome`).
pub fn group_partitions(
    table: &Table,
    group: &str,
    values: &[Option<f64>],
    outcome: &str,
    partitions: &[Partition],
) -> Result<Vec<SimpsonFinding>, SliceError> {
    if values.len() != table.num_rows() {
        return Err(SliceError::LossLength {
            losses: values.len(),
            rows: table.num_rows(),
        });
    }
    let g = cut(column_of(table, group)?, &Buckets::Quantiles(4), 20)?;
    let sides: Vec<usize> = (0..g.predicates.len())
        .filter(|&i| {
            !matches!(
                g.predicates[i].condition,
                super::predicate::Condition::IsNull
            )
        })
        .collect();
    if sides.len() != 2 {
        return Err(SliceError::InvalidSetting {
            setting: "simpson.group",
            value: format!("`{group}` with {} values", sides.len()),
            expected: "a column with exactly two values (two groups or models)",
        });
    }
    let mean = |set: &Bitset| -> (u64, Option<f64>) {
        let (mut n, mut sum) = (0u64, 0.0);
        for r in set.ones() {
            if let Some(v) = values[r] {
                n += 1;
                sum += v;
            }
        }
        (n, (n > 0).then(|| sum / n as f64))
    };
    let sets = [&g.rows[sides[0]], &g.rows[sides[1]]];
    let row = |name: String, within: Option<&Bitset>| {
        let [a, b] = sets.map(|s| mean(&within.map_or_else(|| s.clone(), |w| s.and(w))));
        StratumRow {
            stratum: name,
            rows: [a.0, b.0],
            values: [a.1, b.1],
        }
    };
    let binary = values.iter().flatten().all(|&v| v == 0.0 || v == 1.0);
    let measure = format!("{outcome} {}", if binary { "rate" } else { "mean" });
    let names = [g.predicates[sides[0]].name(), g.predicates[sides[1]].name()];
    Ok(partitions
        .iter()
        .map(|p| {
            judge(
                &measure,
                names.clone(),
                &p.name,
                row("all rows".to_owned(), None),
                p.strata
                    .iter()
                    .map(|(name, set)| row(name.clone(), Some(set)))
                    .collect(),
                binary,
            )
        })
        .collect())
}

/// A metric of predicted classes against binary labels (1 = positive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompareMetric {
    Accuracy,
    ErrorRate,
    Recall,
    Precision,
    F1,
}

impl CompareMetric {
    pub fn name(self) -> &'static str {
        match self {
            Self::Accuracy => "accuracy",
            Self::ErrorRate => "error rate",
            Self::Recall => "recall",
            Self::Precision => "precision",
            Self::F1 => "F1",
        }
    }

    /// Whether the metric is an average over rows that are the same for both models.
    pub fn per_row_additive(self) -> bool {
        matches!(self, Self::Accuracy | Self::ErrorRate | Self::Recall)
    }

    fn value(self, labels: &[bool], predicted: &[bool], rows: &Bitset) -> Option<f64> {
        let (mut tp, mut fp, mut fneg, mut n) = (0u64, 0u64, 0u64, 0u64);
        for r in rows.ones() {
            n += 1;
            match (labels[r], predicted[r]) {
                (true, true) => tp += 1,
                (false, true) => fp += 1,
                (true, false) => fneg += 1,
                (false, false) => {}
            }
        }
        let ratio = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
        match self {
            Self::Accuracy => ratio(n - fp - fneg, n),
            Self::ErrorRate => ratio(fp + fneg, n).map(|e| -e),
            Self::Recall => ratio(tp, tp + fneg),
            Self::Precision => ratio(tp, tp + fp),
            Self::F1 => ratio(2 * tp, 2 * tp + fp + fneg),
        }
    }
}

/// A partition of the rows into named strata.
pub struct Partition {
    pub name: String,
    pub strata: Vec<(String, Bitset)>,
}

/// Partitions of `columns`: categorical ones with 2–20 values, numeric ones in
/// quartiles (null rows are a stratum of their own).
pub fn column_partitions(table: &Table, columns: &[String]) -> Result<Vec<Partition>, SliceError> {
    let mut out = Vec::new();
    for name in columns {
        let c = cut(column_of(table, name)?, &Buckets::Quantiles(4), 20)?;
        if c.predicates.len() < 2
            || c.predicates
                .iter()
                .any(|p| matches!(p.condition, super::predicate::Condition::Other(_)))
        {
            continue;
        }
        out.push(Partition {
            name: name.clone(),
            strata: c.predicates.iter().map(|p| p.name()).zip(c.rows).collect(),
        });
    }
    Ok(out)
}

/// Two models on the same rows: `labels`, and each model's predicted positives.
pub fn same_rows(
    metric: CompareMetric,
    models: [&str; 2],
    labels: &[bool],
    predicted: [&[bool]; 2],
    partitions: &[Partition],
) -> Result<SimpsonCheck, SliceError> {
    if predicted.iter().any(|p| p.len() != labels.len()) {
        return Err(SliceError::LossLength {
            losses: predicted[0].len().min(predicted[1].len()),
            rows: labels.len(),
        });
    }
    if metric.per_row_additive() {
        return Ok(SimpsonCheck::Impossible {
            reason: format!(
                "{} is an average over rows that are the same for both models (both are scored on \
                 the same rows), so the overall value is the same weighted average of the strata \
                 for each model: the overall winner cannot lose in every stratum",
                metric.name()
            ),
        });
    }
    let all = Bitset::full(labels.len());
    let row = |name: String, set: &Bitset| StratumRow {
        stratum: name,
        rows: [set.count() as u64; 2],
        values: [
            metric.value(labels, predicted[0], set),
            metric.value(labels, predicted[1], set),
        ],
    };
    let findings = partitions
        .iter()
        .map(|p| {
            judge(
                metric.name(),
                [models[0].to_owned(), models[1].to_owned()],
                &p.name,
                row("all rows".to_owned(), &all),
                p.strata.iter().map(|(n, s)| row(n.clone(), s)).collect(),
                false,
            )
        })
        .collect();
    Ok(SimpsonCheck::Checked { findings })
}
