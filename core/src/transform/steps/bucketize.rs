//! Bucketize: explicit boundaries, or quantile edges fitted on the training values
//! exactly as scikit-learn 1.9's `KBinsDiscretizer(strategy="quantile",
//! quantile_method="averaged_inverted_cdf")` fits them (without its subsampling,
//! which only starts above 200 000 rows).

/// Bin of `x`: the number of `inner_edges` that are `<= x` (numpy's
/// `searchsorted(edges[1:-1], x, side="right")`).
pub(super) fn bin_index(inner_edges: &[f64], x: f64) -> usize {
    inner_edges.partition_point(|edge| *edge <= x)
}

/// Checks explicit boundaries: at least one, finite, strictly increasing.
pub(crate) fn check_boundaries(boundaries: &[f64]) -> Result<(), String> {
    if boundaries.is_empty() {
        return Err("`boundaries` is empty: give at least one".to_owned());
    }
    if let Some(b) = boundaries.iter().find(|b| !b.is_finite()) {
        return Err(format!("boundary {b} is not a finite number"));
    }
    if let Some(w) = boundaries.windows(2).find(|w| w[0] >= w[1]) {
        return Err(format!(
            "boundaries must be strictly increasing, but {} is followed by {}",
            w[0], w[1]
        ));
    }
    Ok(())
}

/// The inner bin edges for `n_bins` quantile bins of `values` (no nulls, at least
/// one). Mirrors numpy/scikit-learn operation by operation:
///
/// 1. levels `i * (100 / n_bins)` (`np.linspace(0, 100, n_bins + 1)`, last exactly
///    100), `q = level / 100`;
/// 2. each edge is `np.percentile(values, level, method="averaged_inverted_cdf")`:
///    virtual index `n * q - 1`, and where it is a whole number the two neighbours
///    are averaged as `b - (b - a) * 0.5`, else the upper neighbour is taken;
/// 3. edges no more than `1e-8` above the previous computed edge are dropped;
/// 4. a constant column has one bin (no inner edges).
pub(crate) fn quantile_inner_edges(values: &[f64], n_bins: u32) -> Vec<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let (Some(&lo), Some(&hi)) = (sorted.first(), sorted.last()) else {
        return Vec::new();
    };
    if lo == hi {
        return Vec::new();
    }
    let step = 100.0 / f64::from(n_bins);
    let mut edges: Vec<f64> = Vec::with_capacity(n_bins as usize + 1);
    let mut previous: Option<f64> = None;
    for i in 0..=n_bins {
        let level = if i == n_bins {
            100.0
        } else {
            f64::from(i) * step
        };
        let edge = averaged_inverted_cdf(&sorted, level / 100.0);
        // `np.ediff1d(edges, to_begin=inf) > 1e-8`: each edge is compared with the
        // edge computed before it, kept or not.
        match previous {
            Some(prev) if edge - prev <= 1e-8 => {}
            _ => edges.push(edge),
        }
        previous = Some(edge);
    }
    // Drop the outer edges (the minimum and maximum).
    if edges.len() < 2 {
        return Vec::new();
    }
    edges[1..edges.len() - 1].to_vec()
}

/// numpy's `quantile(sorted, q, method="averaged_inverted_cdf")` for sorted data.
fn averaged_inverted_cdf(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    let last = n - 1;
    let virtual_index = n as f64 * q - 1.0;
    let previous = virtual_index.floor();
    let gamma = virtual_index - previous;
    let (lower, upper) = if virtual_index >= last as f64 {
        (last, last)
    } else if virtual_index < 0.0 {
        (0, 0)
    } else {
        // 0 <= previous < n - 1 here.
        (previous as usize, previous as usize + 1)
    };
    let a = sorted[lower];
    let b = sorted[upper];
    let t = if gamma == 0.0 { 0.5 } else { 1.0 };
    // numpy's _lerp for t >= 0.5.
    b - (b - a) * (1.0 - t)
}
