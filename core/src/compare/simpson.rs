//! Simpson's paradox between the champion and the challenger: over the strata the
//! slices file names, is the model that wins overall worse in every stratum?
//!
//! Both models are scored on the same rows, so [`crate::slices::simpson::same_rows`]
//! applies: for a per-row-additive metric (accuracy, error rate, recall) the overall
//! value is the same weighted average of the strata for both models, so a reversal in
//! every stratum cannot happen and the check says so without searching; precision
//! and F1 average over rows each model picks itself, so they are searched. Binary
//! classification only (the metrics are of predicted positives).
//!
//! The partitions: the columns of the slices file's `[[by]]` entries and of its
//! `[simpson] strata` (categorical columns with 2–20 values, numeric ones in
//! quartiles); with none, every column of the table that is not the label or a
//! prediction; and each named slice against the rest of the rows.

use super::types::MetricSimpson;
use super::{CompareConfig, CompareError, SidePredictions, read_side};
use crate::report::Predictions;
use crate::report::classification::MetricSet;
use crate::slices::SlicesSpec;
use crate::slices::simpson::{CompareMetric, Partition, column_partitions, same_rows};
use crate::table::Table;

/// The metrics checked, in the report's order.
pub const METRICS: [CompareMetric; 5] = [
    CompareMetric::Accuracy,
    CompareMetric::ErrorRate,
    CompareMetric::Recall,
    CompareMetric::Precision,
    CompareMetric::F1,
];

/// The labels (true: the positive class) and each side's predicted positives.
type Positives = (Vec<bool>, [Vec<bool>; 2]);

/// Each side's predicted positives and the labels (1 = the positive class).
fn predicted_positives(
    label: &str,
    champion: &SidePredictions<'_>,
    challenger: &SidePredictions<'_>,
    config: &CompareConfig,
) -> Result<Option<Positives>, CompareError> {
    let mut labels = Vec::new();
    let mut predicted: [Vec<bool>; 2] = [Vec::new(), Vec::new()];
    for (i, (name, side)) in [("champion", champion), ("challenger", challenger)]
        .into_iter()
        .enumerate()
    {
        let data = read_side(name, label, side, config)?;
        if !data.binary() {
            return Ok(None);
        }
        let threshold = if data.probabilistic {
            config.threshold
        } else {
            0.5
        };
        let (columns, threshold) = data.input(threshold);
        let set = MetricSet::new(
            &data,
            &columns,
            threshold,
            config.calibration_bins,
            config.equal_mass_bins,
        )?;
        predicted[i] = set.prepared().predicted().iter().map(|&p| p == 1).collect();
        if i == 0 {
            labels = data.labels.iter().map(|&l| l == 1).collect();
        }
    }
    Ok(Some((labels, predicted)))
}

/// The strata the check looks over (see the module's documentation).
fn partitions(
    table: &Table,
    spec: &SlicesSpec,
    skip: &[&str],
) -> Result<Vec<Partition>, CompareError> {
    let mut columns: Vec<String> = Vec::new();
    let named = spec.by.iter().flat_map(|b| b.columns.iter());
    let strata = spec.simpson.iter().flat_map(|s| s.strata.iter());
    for c in named.chain(strata) {
        if !columns.contains(c) {
            columns.push(c.clone());
        }
    }
    if columns.is_empty() {
        columns = table
            .column_names()
            .filter(|c| !skip.contains(c))
            .map(str::to_owned)
            .collect();
    }
    let mut out = column_partitions(table, &columns)?;
    let only_named = SlicesSpec {
        named: spec.named.clone(),
        ..SlicesSpec::default()
    };
    for (name, _rule, set) in crate::slices::metrics::slice_sets(table, &only_named)? {
        let rest = set.not();
        out.push(Partition {
            name: format!("slice {name}"),
            strata: vec![(name.clone(), set), (format!("not {name}"), rest)],
        });
    }
    Ok(out)
}

/// The check for every metric of [`METRICS`]; `Ok(None)` when the comparison is not
/// a binary classification (a note says so).
pub fn compare_simpson(
    label: &str,
    champion: &SidePredictions<'_>,
    challenger: &SidePredictions<'_>,
    config: &CompareConfig,
    table: &Table,
    spec: &SlicesSpec,
) -> Result<Option<Vec<MetricSimpson>>, CompareError> {
    let Some((labels, predicted)) = predicted_positives(label, champion, challenger, config)?
    else {
        return Ok(None);
    };
    let mut skip: Vec<&str> = vec![label];
    for side in [champion, challenger] {
        match &side.predictions {
            Predictions::Column(c) | Predictions::Score(c) => skip.push(c),
            Predictions::Probabilities(cols) => skip.extend(cols.iter().map(|c| c.column.as_str())),
        }
    }
    let parts = partitions(table, spec, &skip)?;
    let checks = METRICS
        .iter()
        .map(|&metric| {
            Ok(MetricSimpson {
                metric,
                check: same_rows(
                    metric,
                    ["champion", "challenger"],
                    &labels,
                    [&predicted[0], &predicted[1]],
                    &parts,
                )?,
            })
        })
        .collect::<Result<Vec<_>, CompareError>>()?;
    Ok(Some(checks))
}
