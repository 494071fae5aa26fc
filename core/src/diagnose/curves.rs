//! Learning curves from a table the user supplies (training-set size → training and
//! dev error), and whether more data is likely to help.
//!
//! # How it decides
//!
//! With `g` the dev − train gap at the largest size and `s` the dev error's change
//! per doubling of the training set (the least-squares slope of dev error on
//! log2(size) over the last three sizes):
//!
//! * `g ≤ tolerance`: the curves have met, so the model is bias-limited — more data
//!   is **unlikely** to help (a bigger model or better features will);
//! * otherwise, `−s ≥ min_gain`: the dev error is still falling by at least
//!   `min_gain` per doubling while a gap remains — more data is **likely** to help;
//! * otherwise: the dev error has flattened with a gap left — more data of this kind
//!   is **unlikely** to help (regularise, or change the data or the model).
//!
//! Fewer than three distinct sizes: **unclear**.

use serde::{Deserialize, Serialize};

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CurvePoint {
    pub size: f64,
    pub train_error: f64,
    pub dev_error: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MoreData {
    Likely,
    Unlikely,
    Unclear,
}

/// The curves' plot data and verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LearningCurves {
    /// Sorted by size: the plot's x (size, log scale) and two series.
    pub points: Vec<CurvePoint>,
    pub more_data: MoreData,
    /// dev − train at the largest size.
    pub final_gap: Option<f64>,
    /// Change of the dev error per doubling of the training set (last three sizes).
    pub dev_slope_per_doubling: Option<f64>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CurveError {
    #[error("learning-curve row {row}: {what} `{value}` must be a finite number{limit}")]
    BadValue {
        row: usize,
        what: &'static str,
        value: String,
        limit: &'static str,
    },
    #[error("learning-curve table: {0}")]
    Table(String),
}

/// Reads a CSV table with columns `size`, `train_error`, `dev_error` (in any order;
/// other columns are ignored).
pub fn parse_csv(text: &str) -> Result<Vec<CurvePoint>, CurveError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| CurveError::Table(e.to_string()))?
        .clone();
    let find = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            CurveError::Table(format!(
                "no `{name}` column (columns: {}); expected size,train_error,dev_error",
                headers.iter().collect::<Vec<_>>().join(", ")
            ))
        })
    };
    let (size, train, dev) = (find("size")?, find("train_error")?, find("dev_error")?);
    let mut points = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| CurveError::Table(e.to_string()))?;
        let row = i + 1;
        let get = |col: usize, what: &'static str| -> Result<f64, CurveError> {
            let text = record.get(col).unwrap_or("");
            text.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| CurveError::BadValue {
                    row,
                    what,
                    value: crate::excerpt::excerpt(text),
                    limit: "",
                })
        };
        points.push(CurvePoint {
            size: get(size, "size")?,
            train_error: get(train, "train_error")?,
            dev_error: get(dev, "dev_error")?,
        });
    }
    Ok(points)
}

/// Sorts the points and decides (see the module docs).
pub fn learning_curves(
    points: &[CurvePoint],
    tolerance: f64,
    min_gain: f64,
) -> Result<LearningCurves, CurveError> {
    for (i, p) in points.iter().enumerate() {
        if !(p.size.is_finite() && p.size > 0.0) {
            return Err(CurveError::BadValue {
                row: i + 1,
                what: "size",
                value: p.size.to_string(),
                limit: " > 0",
            });
        }
        for (what, v) in [("train_error", p.train_error), ("dev_error", p.dev_error)] {
            if !v.is_finite() {
                return Err(CurveError::BadValue {
                    row: i + 1,
                    what,
                    value: v.to_string(),
                    limit: "",
                });
            }
        }
    }
    let mut points = points.to_vec();
    points.sort_by(|a, b| a.size.total_cmp(&b.size));
    let mut sizes: Vec<f64> = points.iter().map(|p| p.size).collect();
    sizes.dedup();
    let final_gap = points.last().map(|p| p.dev_error - p.train_error);
    if sizes.len() < 3 {
        return Ok(LearningCurves {
            points,
            more_data: MoreData::Unclear,
            final_gap,
            dev_slope_per_doubling: None,
            reason: "fewer than three training-set sizes: too few to see a trend".to_owned(),
        });
    }
    let tail = &points[points.len().saturating_sub(3)..];
    let slope = slope_per_doubling(tail);
    let gap = final_gap.unwrap_or(0.0);
    let (more_data, reason) = if gap <= tolerance {
        (
            MoreData::Unlikely,
            format!(
                "the curves have met (dev − train = {gap:.4} ≤ tolerance {tolerance}): the \
                 model is bias-limited; a bigger model or better features will help, more data \
                 will not"
            ),
        )
    } else if -slope >= min_gain {
        (
            MoreData::Likely,
            format!(
                "a gap remains (dev − train = {gap:.4}) and the dev error still falls by \
                 {:.4} per doubling of the training set (≥ {min_gain})",
                -slope
            ),
        )
    } else {
        (
            MoreData::Unlikely,
            format!(
                "the dev error has flattened (change per doubling {slope:.4}, needs ≤ \
                 −{min_gain}) with a gap of {gap:.4} left: more data of this kind is unlikely \
                 to close it; regularise, or change the data or the model"
            ),
        )
    };
    Ok(LearningCurves {
        points,
        more_data,
        final_gap,
        dev_slope_per_doubling: Some(slope),
        reason,
    })
}

/// Least-squares slope of dev error on log2(size).
fn slope_per_doubling(points: &[CurvePoint]) -> f64 {
    let n = points.len() as f64;
    let xs: Vec<f64> = points.iter().map(|p| p.size.log2()).collect();
    let mx = xs.iter().sum::<f64>() / n;
    let my = points.iter().map(|p| p.dev_error).sum::<f64>() / n;
    let sxy: f64 = xs
        .iter()
        .zip(points)
        .map(|(x, p)| (x - mx) * (p.dev_error - my))
        .sum();
    let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    if sxx > 0.0 { sxy / sxx } else { 0.0 }
}
