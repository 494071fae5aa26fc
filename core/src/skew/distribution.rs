//! Distribution skew between two tables, per column (TFDV's definitions).
//!
//! * Categorical (string, bool, and integer columns with few distinct values):
//!   **L∞ distance** — the largest absolute difference between a category's share of
//!   the non-null training values and its share of the non-null serving values.
//! * Numeric: **Jensen–Shannon divergence**, base 2 (so it lies in [0, 1]), between
//!   the histograms of the two samples over bins cut at the training data's deciles
//!   (numpy's `quantile(method="linear")`, duplicate edges dropped; a value `v` falls in
//!   bin `searchsorted(edges, v, side="right")`, so the outer bins are open-ended).
//! * For every column: the null rate on each side and, for categorical columns, the
//!   share of serving values never seen in training.
//!
//! Default thresholds (see [`SkewThresholds`]) and why: docs/skew.md.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::table::{Array, Column, ColumnData, Table};

/// Number of quantile bins for numeric columns (deciles).
pub const NUMERIC_BINS: usize = 10;

/// Integer columns with at most this many distinct training values are categorical.
pub const MAX_INTEGER_CATEGORIES: usize = 20;

/// When a column's distribution counts as skewed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct SkewThresholds {
    /// L∞ distance above which a categorical column is skewed.
    pub linf: f64,
    /// Jensen–Shannon divergence (base 2) above which a numeric column is skewed.
    pub jensen_shannon: f64,
    /// Absolute change in the null rate above which a column is skewed.
    pub null_rate_change: f64,
    /// Share of serving values unseen in training above which a column is skewed.
    pub unseen_rate: f64,
    /// Per-column overrides of `linf` / `jensen_shannon`.
    pub per_feature: HashMap<String, f64>,
}

impl Default for SkewThresholds {
    fn default() -> Self {
        Self {
            linf: 0.1,
            jensen_shannon: 0.1,
            null_rate_change: 0.05,
            unseen_rate: 0.01,
            per_feature: HashMap::new(),
        }
    }
}

/// The distance measured for one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "measure", rename_all = "snake_case")]
pub enum FeatureDistance {
    Linf {
        value: f64,
        /// The category whose share moved most.
        category: Option<String>,
        unseen_rate: f64,
    },
    JensenShannon {
        value: f64,
        edges: Vec<f64>,
    },
    /// No non-null values on one side: no distance can be computed.
    Undefined {
        reason: String,
    },
}

/// One column's skew.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DistributionSkew {
    pub column: String,
    pub distance: FeatureDistance,
    /// The threshold the distance was held to.
    pub threshold: f64,
    pub train_null_rate: f64,
    pub serving_null_rate: f64,
    pub skewed: bool,
    /// Why it is skewed (empty when it is not).
    pub reasons: Vec<String>,
}

/// Computes the skew of every training column that the serving table also has.
/// Columns missing from either side are the caller's to report (they are schema skew).
pub fn distribution_skew(
    train: &Table,
    serving: &Table,
    thresholds: &SkewThresholds,
) -> Vec<DistributionSkew> {
    let profile = TrainingProfile::new(train);
    let mut accumulator = profile.accumulator();
    accumulator.add(serving);
    accumulator.finish(thresholds)
}

/// What distribution skew needs to know of the training data: per column, the category
/// counts or the decile edges and bin counts, and the null count.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingProfile {
    columns: Vec<ColumnProfile>,
}

#[derive(Debug, Clone, PartialEq)]
struct ColumnProfile {
    name: String,
    kind: ProfileKind,
    nulls: u64,
    rows: u64,
}

#[derive(Debug, Clone, PartialEq)]
enum ProfileKind {
    Categorical(HashMap<String, u64>),
    Numeric { edges: Vec<f64>, counts: Vec<u64> },
}

impl TrainingProfile {
    /// Profiles every column of the training table.
    pub fn new(train: &Table) -> Self {
        let columns = train
            .columns()
            .iter()
            .map(|column| {
                let kind = if is_categorical(column) {
                    ProfileKind::Categorical(category_counts(column).0)
                } else {
                    let mut values = numeric_values(column);
                    values.sort_by(f64::total_cmp);
                    let edges = quantile_edges(&values, NUMERIC_BINS);
                    let counts = histogram(&values, &edges);
                    ProfileKind::Numeric { edges, counts }
                };
                ColumnProfile {
                    name: column.name().to_owned(),
                    kind,
                    nulls: column.null_count() as u64,
                    rows: column.len() as u64,
                }
            })
            .collect();
        Self { columns }
    }

    /// The training columns' names.
    pub fn column_names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|c| c.name.as_str())
    }

    /// Per column: its name and number of histogram bins (0 for a categorical one) —
    /// what serialised findings are checked against (`skew::wire`).
    pub(super) fn shape(&self) -> Vec<(String, usize)> {
        self.columns
            .iter()
            .map(|c| {
                let bins = match &c.kind {
                    ProfileKind::Numeric { edges, .. } => edges.len() + 1,
                    ProfileKind::Categorical(_) => 0,
                };
                (c.name.clone(), bins)
            })
            .collect()
    }

    /// An empty accumulator of serving rows against this profile.
    pub fn accumulator(&self) -> ServingAccumulator<'_> {
        ServingAccumulator {
            profile: self,
            columns: self
                .columns
                .iter()
                .map(|c| ServingCounts {
                    seen: false,
                    categories: HashMap::new(),
                    bins: match &c.kind {
                        ProfileKind::Numeric { edges, .. } => vec![0; edges.len() + 1],
                        ProfileKind::Categorical(_) => Vec::new(),
                    },
                    non_numeric: 0,
                    nulls: 0,
                    rows: 0,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct ServingCounts {
    /// Whether any serving batch had this column.
    seen: bool,
    categories: HashMap<String, u64>,
    bins: Vec<u64>,
    /// Values of a numeric column that were not numbers.
    non_numeric: u64,
    nulls: u64,
    rows: u64,
}

/// Serving rows counted against a [`TrainingProfile`], batch by batch: memory grows with
/// the number of distinct categories, not with the number of rows.
#[derive(Debug, Clone, PartialEq)]
pub struct ServingAccumulator<'p> {
    profile: &'p TrainingProfile,
    columns: Vec<ServingCounts>,
}

impl<'p> ServingAccumulator<'p> {
    /// Counts one batch of serving rows (columns matched by name; others ignored).
    pub fn add(&mut self, batch: &Table) {
        for (profile, counts) in self.profile.columns.iter().zip(&mut self.columns) {
            let Ok(column) = batch.column(&profile.name) else {
                continue;
            };
            counts.seen = true;
            counts.rows += column.len() as u64;
            counts.nulls += column.null_count() as u64;
            match &profile.kind {
                ProfileKind::Categorical(_) => {
                    for (k, v) in category_counts(column).0 {
                        *counts.categories.entry(k).or_default() += v;
                    }
                }
                ProfileKind::Numeric { edges, .. } => {
                    if matches!(column.data(), ColumnData::Str(_)) {
                        counts.non_numeric += (column.len() - column.null_count()) as u64;
                    }
                    for v in numeric_values(column) {
                        counts.bins[edges.partition_point(|&e| e <= v)] += 1;
                    }
                }
            }
        }
    }

    /// The counts, per training column, for serialised findings (`skew::wire`).
    pub(super) fn to_wire(&self) -> Vec<super::wire::WireCounts> {
        self.columns
            .iter()
            .map(|c| super::wire::WireCounts {
                seen: c.seen,
                categories: c.categories.iter().map(|(k, v)| (k.clone(), *v)).collect(),
                bins: c.bins.clone(),
                non_numeric: c.non_numeric,
                nulls: c.nulls,
                rows: c.rows,
            })
            .collect()
    }

    /// Counts read back from serialised findings, against `profile` (whose shape the
    /// caller has checked; the bins are checked again here).
    pub(super) fn from_wire(
        profile: &'p TrainingProfile,
        counts: Vec<super::wire::WireCounts>,
    ) -> Result<Self, String> {
        let empty = profile.accumulator();
        if counts.len() != empty.columns.len()
            || counts
                .iter()
                .zip(&empty.columns)
                .any(|(c, e)| c.bins.len() != e.bins.len())
        {
            return Err("the distribution counts do not match the training profile".to_owned());
        }
        Ok(Self {
            profile,
            columns: counts
                .into_iter()
                .map(|c| ServingCounts {
                    seen: c.seen,
                    categories: c.categories.into_iter().collect(),
                    bins: c.bins,
                    non_numeric: c.non_numeric,
                    nulls: c.nulls,
                    rows: c.rows,
                })
                .collect(),
        })
    }

    /// Merges another accumulator of the same profile (from a parallel worker).
    pub fn merge(&mut self, other: ServingAccumulator<'_>) {
        for (mine, theirs) in self.columns.iter_mut().zip(other.columns) {
            mine.seen |= theirs.seen;
            mine.rows += theirs.rows;
            mine.nulls += theirs.nulls;
            mine.non_numeric += theirs.non_numeric;
            for (k, v) in theirs.categories {
                *mine.categories.entry(k).or_default() += v;
            }
            for (a, b) in mine.bins.iter_mut().zip(theirs.bins) {
                *a += b;
            }
        }
    }

    /// The skew of every training column seen in serving.
    pub fn finish(&self, thresholds: &SkewThresholds) -> Vec<DistributionSkew> {
        self.profile
            .columns
            .iter()
            .zip(&self.columns)
            .filter(|(_, counts)| counts.seen)
            .map(|(profile, counts)| column_skew(profile, counts, thresholds))
            .collect()
    }
}

fn rate(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

fn column_skew(
    profile: &ColumnProfile,
    serving: &ServingCounts,
    thresholds: &SkewThresholds,
) -> DistributionSkew {
    let (distance, default) = match &profile.kind {
        ProfileKind::Categorical(train_counts) => (
            categorical_distance(train_counts, &serving.categories),
            thresholds.linf,
        ),
        ProfileKind::Numeric { edges, counts } => {
            let distance = if serving.non_numeric > 0 {
                FeatureDistance::Undefined {
                    reason: format!(
                        "{} serving values are not numbers, but training values are",
                        serving.non_numeric
                    ),
                }
            } else if counts.iter().sum::<u64>() == 0 || serving.bins.iter().sum::<u64>() == 0 {
                FeatureDistance::Undefined {
                    reason: "no non-null values on one side".to_owned(),
                }
            } else {
                FeatureDistance::JensenShannon {
                    value: jensen_shannon(counts, &serving.bins),
                    edges: edges.clone(),
                }
            };
            (distance, thresholds.jensen_shannon)
        }
    };
    let threshold = thresholds
        .per_feature
        .get(&profile.name)
        .copied()
        .unwrap_or(default);
    let train_null_rate = rate(profile.nulls, profile.rows);
    let serving_null_rate = rate(serving.nulls, serving.rows);
    let mut reasons = Vec::new();
    match &distance {
        FeatureDistance::Linf {
            value,
            category,
            unseen_rate,
        } => {
            if *value > threshold {
                reasons.push(format!(
                    "L∞ distance {value:.4} > {threshold} (category `{}` moved most)",
                    category.as_deref().unwrap_or("?")
                ));
            }
            if *unseen_rate > thresholds.unseen_rate {
                reasons.push(format!(
                    "{:.2} % of serving values were never seen in training (> {:.2} %)",
                    unseen_rate * 100.0,
                    thresholds.unseen_rate * 100.0
                ));
            }
        }
        FeatureDistance::JensenShannon { value, .. } => {
            if *value > threshold {
                reasons.push(format!(
                    "Jensen–Shannon divergence {value:.4} > {threshold}"
                ));
            }
        }
        FeatureDistance::Undefined { reason } => {
            if serving.non_numeric > 0 {
                reasons.push(reason.clone());
            }
        }
    }
    if (serving_null_rate - train_null_rate).abs() > thresholds.null_rate_change {
        reasons.push(format!(
            "null rate {:.2} % in serving vs {:.2} % in training",
            serving_null_rate * 100.0,
            train_null_rate * 100.0
        ));
    }
    DistributionSkew {
        column: profile.name.clone(),
        distance,
        threshold,
        train_null_rate,
        serving_null_rate,
        skewed: !reasons.is_empty(),
        reasons,
    }
}

fn is_categorical(column: &Column) -> bool {
    match column.data() {
        ColumnData::Str(_) | ColumnData::Bool(_) => true,
        ColumnData::Float64(_) => false,
        ColumnData::Int64(values) => {
            let mut seen: Vec<i64> = Vec::new();
            for v in values.iter().flatten() {
                if !seen.contains(&v) {
                    seen.push(v);
                    if seen.len() > MAX_INTEGER_CATEGORIES {
                        return false;
                    }
                }
            }
            true
        }
    }
}

/// Category counts of the non-null values, keyed by their text.
fn category_counts(column: &Column) -> (HashMap<String, u64>, u64) {
    let mut counts: HashMap<String, u64> = HashMap::new();
    let mut total = 0;
    // Strings are counted by dictionary code, then named: no text per row.
    if let ColumnData::Str(strings) = column.data() {
        let mut by_code = vec![0_u64; strings.dictionary().len()];
        for code in strings.codes().iter().flatten() {
            if let Some(count) = by_code.get_mut(code as usize) {
                *count += 1;
            }
        }
        for (text, count) in strings.dictionary().iter().zip(by_code) {
            if count > 0 {
                *counts.entry(text.unwrap_or("").to_owned()).or_default() += count;
                total += count;
            }
        }
        return (counts, total);
    }
    for row in 0..column.len() {
        if let Some(text) = column.value_text(row) {
            *counts.entry(text).or_default() += 1;
            total += 1;
        }
    }
    (counts, total)
}

fn categorical_distance(
    train_counts: &HashMap<String, u64>,
    serving_counts: &HashMap<String, u64>,
) -> FeatureDistance {
    let serving_total: u64 = serving_counts.values().sum();
    if train_counts.is_empty() || serving_total == 0 {
        return FeatureDistance::Undefined {
            reason: "no non-null values on one side".to_owned(),
        };
    }
    let (value, category) = linf_distance(train_counts, serving_counts);
    let unseen: u64 = serving_counts
        .iter()
        .filter(|(k, _)| !train_counts.contains_key(*k))
        .map(|(_, c)| c)
        .sum();
    FeatureDistance::Linf {
        value,
        category,
        unseen_rate: unseen as f64 / serving_total as f64,
    }
}

/// L∞ distance between the normalised counts of two samples, and the category where it
/// is reached (the smallest such name, for a stable answer).
pub fn linf_distance(a: &HashMap<String, u64>, b: &HashMap<String, u64>) -> (f64, Option<String>) {
    let total_a: u64 = a.values().sum();
    let total_b: u64 = b.values().sum();
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut best = (0.0_f64, None);
    for key in keys {
        let pa = a.get(key).copied().unwrap_or(0) as f64 / total_a.max(1) as f64;
        let pb = b.get(key).copied().unwrap_or(0) as f64 / total_b.max(1) as f64;
        let d = (pa - pb).abs();
        if d > best.0 {
            best = (d, Some(key.clone()));
        }
    }
    best
}

fn numeric_values(column: &Column) -> Vec<f64> {
    match column.data() {
        ColumnData::Float64(v) => v.iter().flatten().filter(|x| !x.is_nan()).collect(),
        ColumnData::Int64(v) => v.iter().flatten().map(|x| x as f64).collect(),
        ColumnData::Bool(v) => v.iter().flatten().map(|b| f64::from(u8::from(b))).collect(),
        ColumnData::Str(_) => Vec::new(),
    }
}

/// Interior quantile edges `q = 1/bins … (bins−1)/bins` of sorted values, as numpy's
/// `quantile(method="linear")` computes them (including its two-sided lerp), with
/// duplicates removed.
pub fn quantile_edges(sorted: &[f64], bins: usize) -> Vec<f64> {
    let n = sorted.len();
    let mut edges: Vec<f64> = Vec::with_capacity(bins.saturating_sub(1));
    if n == 0 {
        return edges;
    }
    for i in 1..bins {
        let q = i as f64 / bins as f64;
        let h = (n - 1) as f64 * q;
        let lo = h.floor();
        let t = h - lo;
        let lo = lo as usize;
        let hi = (lo + 1).min(n - 1);
        let (a, b) = (sorted[lo], sorted[hi]);
        let diff = b - a;
        let edge = if t >= 0.5 {
            b - diff * (1.0 - t)
        } else {
            a + diff * t
        };
        if edges.last().is_none_or(|&last| last != edge) {
            edges.push(edge);
        }
    }
    edges
}

/// Counts per bin: value `v` goes to bin `#{edges ≤ v}`.
fn histogram(values: &[f64], edges: &[f64]) -> Vec<u64> {
    let mut counts = vec![0_u64; edges.len() + 1];
    for &v in values {
        counts[edges.partition_point(|&e| e <= v)] += 1;
    }
    counts
}

/// Jensen–Shannon divergence, base 2, between two histograms over the same bins.
pub fn jensen_shannon(p: &[u64], q: &[u64]) -> f64 {
    let (sp, sq) = (p.iter().sum::<u64>() as f64, q.iter().sum::<u64>() as f64);
    if sp == 0.0 || sq == 0.0 {
        return 0.0;
    }
    let mut js = 0.0;
    for (&a, &b) in p.iter().zip(q) {
        let (pa, qb) = (a as f64 / sp, b as f64 / sq);
        let m = 0.5 * (pa + qb);
        if pa > 0.0 {
            js += 0.5 * pa * (pa / m).log2();
        }
        if qb > 0.0 {
            js += 0.5 * qb * (qb / m).log2();
        }
    }
    js.max(0.0)
}
