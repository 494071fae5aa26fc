//! Isotonic calibration: scikit-learn's `IsotonicRegression(out_of_bounds="clip")`.
//!
//! Scores closer than 1e-15 to the first score of a run are pooled
//! (`_make_unique`), adjacent violators are pooled, and predictions interpolate
//! linearly between the fitted points (scipy's `interp1d`), clipped outside them.
//! The fit walks the distinct scores of a [`RankedScores`]: no sort of its own.

use serde::Serialize;

use crate::metrics::{EvalError, RankedScores, Weights};

/// A fitted isotonic (monotone increasing) calibration map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IsotonicCalibration {
    /// Knots, ascending (redundant interior points of flat runs removed).
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

impl IsotonicCalibration {
    /// Fits on the sorted scores `ranked` with outcomes `is_positive(row)`.
    pub fn fit(
        ranked: &RankedScores,
        is_positive: impl Fn(usize) -> bool,
        weights: Weights<'_>,
    ) -> Result<Self, EvalError> {
        // (x, Σ w·y, Σ w) per distinct score, descending; zero-weight groups dropped.
        let mut groups: Vec<(f64, f64, f64)> = Vec::with_capacity(ranked.thresholds().len());
        ranked.for_each_group(is_positive, weights, |x, pos, neg| {
            if pos + neg > 0 {
                groups.push((x, pos as f64, (pos + neg) as f64));
            }
        });
        groups.reverse();
        if groups.is_empty() {
            return Err(EvalError::Empty {
                input: "scores",
                what: "isotonic calibration",
            });
        }
        // `_make_unique`: pool scores within numpy's float64 resolution of the
        // first score of the run.
        let resolution = 1e-15;
        let mut unique: Vec<(f64, f64, f64)> = Vec::with_capacity(groups.len());
        for (x, wy, w) in groups {
            match unique.last_mut() {
                Some(last) if x - last.0 < resolution => {
                    last.1 += wy;
                    last.2 += w;
                }
                _ => unique.push((x, wy, w)),
            }
        }
        // Pool adjacent violators over blocks (Σ w·y, Σ w, number of points).
        let mut blocks: Vec<(f64, f64, usize)> = Vec::with_capacity(unique.len());
        for &(_, wy, w) in &unique {
            let mut block = (wy, w, 1usize);
            while let Some(&prev) = blocks.last() {
                if prev.0 / prev.1 >= block.0 / block.1 {
                    block = (prev.0 + block.0, prev.1 + block.1, prev.2 + block.2);
                    blocks.pop();
                } else {
                    break;
                }
            }
            blocks.push(block);
        }
        let mut fitted = Vec::with_capacity(unique.len());
        for (wy, w, len) in blocks {
            fitted.extend(std::iter::repeat_n(wy / w, len));
        }
        let xs: Vec<f64> = unique.iter().map(|u| u.0).collect();
        // Keep the ends and every point whose y differs from a neighbour's.
        let n = xs.len();
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for i in 0..n {
            let keep =
                i == 0 || i + 1 == n || fitted[i] != fitted[i - 1] || fitted[i] != fitted[i + 1];
            if keep {
                x.push(xs[i]);
                y.push(fitted[i]);
            }
        }
        Ok(Self { x, y })
    }

    /// The calibrated probability of `score`: clipped to the fitted range, then
    /// linear between knots (scipy's `interp1d`).
    pub fn predict(&self, score: f64) -> f64 {
        let (Some(&first), Some(&last)) = (self.x.first(), self.x.last()) else {
            return f64::NAN;
        };
        if self.x.len() == 1 {
            return self.y[0];
        }
        let s = score.clamp(first, last);
        let i = self
            .x
            .partition_point(|&k| k < s)
            .clamp(1, self.x.len() - 1);
        let (x0, x1, y0, y1) = (self.x[i - 1], self.x[i], self.y[i - 1], self.y[i]);
        let slope = (y1 - y0) / (x1 - x0);
        slope * (s - x0) + y0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isotonic_pools_violators_and_interpolates() {
        let scores = [0.1, 0.2, 0.3, 0.4];
        let labels = [0, 1, 0, 1];
        let ranked = RankedScores::new("s", &scores).unwrap();
        let iso = IsotonicCalibration::fit(&ranked, |i| labels[i] == 1, Weights::Unit).unwrap();
        // 0.2 and 0.3 pool to 0.5.
        assert_eq!(iso.predict(0.25), 0.5);
        assert_eq!(iso.predict(0.0), 0.0);
        assert_eq!(iso.predict(1.0), 1.0);
        assert!((iso.predict(0.15) - 0.25).abs() < 1e-15);
    }
}
