//! The slices file (`lockstep eval --slices slices.toml`):
//!
//! ```toml
//! # A named slice: a rule of the expression language (crate::expr).
//! [[slice]]
//! name = "eu-mobile"
//! where = 'region == "EU" and device == "mobile"'
//!
//! # One slice per value of a categorical column, per bucket of a numeric one
//! # (`bins` quantile buckets, default 4, or given `edges`), or crossed (2–3 columns).
//! [[by]]
//! columns = ["region"]
//! [[by]]
//! columns = ["age"]
//! edges = [30, 45, 60]
//! [[by]]
//! columns = ["region", "device"]
//!
//! # The slice finder; every setting is optional (see `finder` for the defaults).
//! [finder]
//! max_level = 3
//! top_k = 10
//!
//! # Simpson's paradox between two groups (a column with two values): the group
//! # that is better overall but worse in every stratum. The outcome is a column's mean
//! # or, by default, the model's per-row loss (the finder's: log loss, 0/1 error or
//! # squared error); strata are the given columns (default: every column the finder
//! # may search, categorical ones with 2–20 values and numeric ones in quartiles)
//! # and each slice the finder found against the rest.
//! [simpson]
//! group = "sex"
//! strata = ["department"]
//! ```

use serde::Deserialize;

use super::SliceError;
use super::finder::FinderSettings;
use super::predicate::Buckets;

/// A slice named by a rule.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedSlice {
    pub name: String,
    #[serde(rename = "where")]
    pub rule: String,
}

/// Slices by the values or buckets of one to three columns, crossed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ByColumns {
    pub columns: Vec<String>,
    /// Quantile buckets of numeric columns (default 4).
    pub bins: Option<usize>,
    /// Given bucket edges of numeric columns (instead of quantiles).
    pub edges: Option<Vec<f64>>,
}

impl ByColumns {
    pub(crate) fn buckets(&self) -> Buckets {
        match &self.edges {
            Some(edges) => Buckets::Edges(edges.clone()),
            None => Buckets::Quantiles(self.bins.unwrap_or(4).clamp(1, 100)),
        }
    }
}

/// The `[simpson]` table: groups compared within strata.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimpsonSettings {
    /// A column with exactly two values.
    pub group: String,
    /// A boolean or numeric column; default: the model's per-row loss.
    pub outcome: Option<String>,
    /// Columns to stratify by; empty: every column the finder may search.
    #[serde(default)]
    pub strata: Vec<String>,
}

/// What `slices.toml` asks for.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlicesSpec {
    #[serde(default, rename = "slice")]
    pub named: Vec<NamedSlice>,
    #[serde(default)]
    pub by: Vec<ByColumns>,
    /// Run the finder (with these settings) when present.
    pub finder: Option<FinderSettings>,
    /// Check Simpson's paradox between two groups (since schema 1.3.0).
    pub simpson: Option<SimpsonSettings>,
}

impl SlicesSpec {
    pub fn from_toml(text: &str) -> Result<Self, SliceError> {
        let spec: Self = crate::report::SettingsFormat::Toml
            .read(text)
            .map_err(|message| SliceError::Toml { message })?;
        for named in &spec.named {
            if named.name.is_empty() || named.name.chars().any(char::is_whitespace) {
                return Err(SliceError::BadName {
                    name: named.name.clone(),
                });
            }
        }
        for by in &spec.by {
            if !(1..=3).contains(&by.columns.len()) {
                return Err(SliceError::ByColumns {
                    count: by.columns.len(),
                });
            }
        }
        Ok(spec)
    }
}
