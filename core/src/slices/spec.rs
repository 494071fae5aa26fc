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
}

impl SlicesSpec {
    pub fn from_toml(text: &str) -> Result<Self, SliceError> {
        let spec: Self = toml::from_str(text).map_err(|e| SliceError::Toml {
            message: e.to_string().trim_end().to_owned(),
        })?;
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
