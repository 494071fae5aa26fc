//! Transform parity: the features the server logged against the features the offline
//! pipeline computes from the same logged raw rows. They must be equal to the bit —
//! the same code ran on both sides — so any difference names a feature at fault.

use serde::Serialize;

use crate::table::Table;
use crate::transform::{self, FeatureMatrix, FittedPipeline, TransformError};

/// How many example row ids a report keeps per feature.
pub const EXAMPLE_IDS: usize = 5;

/// One feature's parity.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FeatureParity {
    pub feature: String,
    /// Rows whose logged value differs from the recomputed one (bitwise; NaN equals NaN).
    pub mismatches: u64,
    pub max_abs_diff: f64,
    /// Ids of the first rows that differ.
    pub example_ids: Vec<String>,
}

/// Names of the rows of a batch, for the examples a report shows. Made on demand: a
/// report names a handful of rows out of millions.
pub trait RowIds {
    fn row_count(&self) -> usize;
    fn row_id(&self, row: usize) -> String;
}

impl RowIds for [String] {
    fn row_count(&self) -> usize {
        self.len()
    }

    fn row_id(&self, row: usize) -> String {
        self.get(row).cloned().unwrap_or_default()
    }
}

impl RowIds for Vec<String> {
    fn row_count(&self) -> usize {
        self.len()
    }

    fn row_id(&self, row: usize) -> String {
        self.get(row).cloned().unwrap_or_default()
    }
}

/// Transform parity over a batch of logged rows.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TransformParity {
    pub rows: u64,
    /// Per feature the pipeline and the log share, in the pipeline's output order.
    pub features: Vec<FeatureParity>,
    /// Features the offline pipeline produces that the log lacks (e.g. a category
    /// missing from the serving pipeline's vocabulary).
    pub missing_in_log: Vec<String>,
    /// Features in the log that the offline pipeline does not produce.
    pub extra_in_log: Vec<String>,
}

impl TransformParity {
    pub fn passed(&self) -> bool {
        self.missing_in_log.is_empty()
            && self.extra_in_log.is_empty()
            && self.features.iter().all(|f| f.mismatches == 0)
    }

    /// Adds another batch's counts (same features, in the same order).
    pub fn merge(&mut self, other: TransformParity) {
        self.rows += other.rows;
        for name in other.missing_in_log {
            if !self.missing_in_log.contains(&name) {
                self.missing_in_log.push(name);
            }
        }
        for name in other.extra_in_log {
            if !self.extra_in_log.contains(&name) {
                self.extra_in_log.push(name);
            }
        }
        for (mine, theirs) in self.features.iter_mut().zip(other.features) {
            mine.mismatches += theirs.mismatches;
            mine.max_abs_diff = mine.max_abs_diff.max(theirs.max_abs_diff);
            for id in theirs.example_ids {
                if mine.example_ids.len() < EXAMPLE_IDS {
                    mine.example_ids.push(id);
                }
            }
        }
    }
}

/// Why parity could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParityInputError {
    #[error(transparent)]
    Transform(#[from] TransformError),
    #[error("logged features have {found} values for {rows} rows × {width} features")]
    Shape {
        found: usize,
        rows: usize,
        width: usize,
    },
    #[error("{ids} row ids for {rows} rows")]
    Ids { ids: usize, rows: usize },
}

/// Re-applies `pipeline` to `raw` and compares with `logged` (row-major, columns named
/// by `logged_names`, one row per row of `raw`); features are matched by name, and
/// `ids` names the rows in examples.
pub fn transform_parity(
    pipeline: &FittedPipeline,
    raw: &Table,
    logged_names: &[String],
    logged: &[f32],
    ids: &(impl RowIds + ?Sized),
) -> Result<TransformParity, ParityInputError> {
    let recomputed = transform::apply(pipeline, raw)?;
    compare_features(
        pipeline.feature_names(),
        &recomputed,
        logged_names,
        logged,
        ids,
    )
}

/// Compares features already recomputed offline (`recomputed`, named `offline`) with
/// the logged ones — for callers that need the recomputed matrix for more than parity.
pub fn compare_features(
    offline: &[String],
    recomputed: &FeatureMatrix,
    logged_names: &[String],
    logged: &[f32],
    ids: &(impl RowIds + ?Sized),
) -> Result<TransformParity, ParityInputError> {
    let rows = recomputed.num_rows();
    let width = logged_names.len();
    if logged.len() != rows * width {
        return Err(ParityInputError::Shape {
            found: logged.len(),
            rows,
            width,
        });
    }
    if ids.row_count() != rows {
        return Err(ParityInputError::Ids {
            ids: ids.row_count(),
            rows,
        });
    }
    let offline_width = offline.len();
    // (offline index, logged index) of every shared feature, in offline order.
    let shared: Vec<(usize, usize)> = offline
        .iter()
        .enumerate()
        .filter_map(|(i, name)| logged_names.iter().position(|n| n == name).map(|j| (i, j)))
        .collect();
    let mut features: Vec<FeatureParity> = shared
        .iter()
        .map(|&(i, _)| FeatureParity {
            feature: offline[i].clone(),
            mismatches: 0,
            max_abs_diff: 0.0,
            example_ids: Vec::new(),
        })
        .collect();
    for row in 0..rows {
        let ours = &recomputed.values()[row * offline_width..(row + 1) * offline_width];
        let theirs = &logged[row * width..(row + 1) * width];
        for (f, &(i, j)) in features.iter_mut().zip(&shared) {
            let (a, b) = (ours[i], theirs[j]);
            let same = a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
            if !same {
                f.mismatches += 1;
                let diff = (f64::from(a) - f64::from(b)).abs();
                f.max_abs_diff =
                    f.max_abs_diff
                        .max(if diff.is_nan() { f64::INFINITY } else { diff });
                if f.example_ids.len() < EXAMPLE_IDS {
                    f.example_ids.push(ids.row_id(row));
                }
            }
        }
    }
    let missing_in_log = offline
        .iter()
        .filter(|n| !logged_names.contains(n))
        .cloned()
        .collect();
    let extra_in_log = logged_names
        .iter()
        .filter(|n| !offline.contains(n))
        .cloned()
        .collect();
    Ok(TransformParity {
        rows: rows as u64,
        features,
        missing_in_log,
        extra_in_log,
    })
}
