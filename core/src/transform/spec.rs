//! The declarative pipeline spec: what to do with each input column, written by a
//! person in TOML or JSON and validated before anything is fitted.
//!
//! ```toml
//! version = 1
//!
//! [[columns]]
//! name = "age"
//! steps = [{ step = "impute", strategy = "median" }, { step = "standardize" }]
//!
//! [[columns]]
//! name = "city"
//! steps = [{ step = "one_hot", min_frequency = 5, handle_unknown = "infrequent_if_exist" }]
//!
//! [[crosses]]
//! columns = ["city", "device"]
//! steps = [{ step = "hash", n_features = 32 }]
//! ```
//!
//! A column's steps run in order; each step is fitted on the training values as
//! the steps before it left them (like a scikit-learn `Pipeline`). A chain is
//! *numeric* (impute, standardize, min_max, log1p, clip, bucketize, passthrough: one
//! output feature) or *categorical* (optional impute, then exactly one of one_hot,
//! ordinal or hash as the last step). An empty chain is a passthrough.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::TransformError;
use crate::report::config::SettingsFormat;

/// The spec format this code reads and writes.
pub const SPEC_VERSION: u32 = 1;

/// A whole pipeline: per-column step chains, then crosses. Output names (a
/// column's `output`, else its `name`; a cross's `"{left}{separator}{right}"`) must
/// be unique. Output features come in
/// this order: every entry of `columns`, then every entry of `crosses`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PipelineSpec {
    /// Spec format version; must be 1.
    #[serde(default = "spec_version")]
    pub version: u32,
    /// One entry per input column used as a feature.
    #[serde(default)]
    pub columns: Vec<ColumnSpec>,
    /// Crosses of two categorical input columns.
    #[serde(default)]
    pub crosses: Vec<CrossSpec>,
    /// The raw strings that mean "missing" in the input columns, in every source: a
    /// CSV or JSON Lines file, a served request, the page. Absent: pandas' `read_csv`
    /// defaults (`""`, `NA`, `NULL`, `NaN`, `None`, `n/a`, `null`, …). Give a list
    /// without `NA` when `NA` is a category (North America, Namibia). Recorded in the
    /// fitted pipeline, so serving and skew checks read raw values as training did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub null_values: Option<Vec<String>>,
}

fn spec_version() -> u32 {
    SPEC_VERSION
}

/// The steps applied to one input column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    /// Name of the input column.
    pub name: String,
    /// Name of the output feature (or prefix of the output features); defaults to
    /// `name`. Lets one input column feed several chains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// Steps, applied in order. Empty means passthrough.
    #[serde(default)]
    pub steps: Vec<Step>,
}

/// A cross of two categorical columns: row values `a` and `b` become the category
/// `"{a}{separator}{b}"` (null when either is null), which the steps then encode like
/// any categorical column. Its features are named after `"{left}{separator}{right}"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CrossSpec {
    /// The two input columns (string, int64 or bool).
    pub columns: [String; 2],
    /// Joins the two values (and the two column names). Default `_x_`.
    #[serde(default = "default_separator")]
    pub separator: String,
    /// Categorical steps: an optional impute, then one of one_hot, ordinal, hash.
    pub steps: Vec<Step>,
}

fn default_separator() -> String {
    "_x_".to_owned()
}

/// One named step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "step", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Replace nulls, like scikit-learn's `SimpleImputer`.
    Impute {
        strategy: ImputeStrategy,
        /// The value for `strategy = "constant"`: a number for numeric chains, a
        /// string (or the integer/boolean text) for categorical ones.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fill_value: Option<FillValue>,
    },
    /// `(x - mean) / std` with the population standard deviation (`StandardScaler`).
    /// A constant training column gets a scale of 1.
    Standardize {
        #[serde(default = "yes")]
        with_mean: bool,
        #[serde(default = "yes")]
        with_std: bool,
    },
    /// Maps the training range onto `[min, max]` (`MinMaxScaler(feature_range)`).
    MinMax {
        #[serde(default)]
        min: f64,
        #[serde(default = "one")]
        max: f64,
    },
    /// `ln(1 + x)`; needs `x > -1`.
    Log1p,
    /// Limits values to `[min, max]`; either bound may be left out.
    Clip {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    /// The bin index of each value: the number of inner boundaries `<= x`. Give
    /// exactly one of `boundaries` (strictly increasing) or `quantiles` (the number
    /// of bins, fitted like `KBinsDiscretizer(strategy="quantile",
    /// quantile_method="averaged_inverted_cdf", encode="ordinal")`).
    Bucketize {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        boundaries: Option<Vec<f64>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        quantiles: Option<u32>,
    },
    /// One feature per training category, sorted (`OneHotEncoder`). Categories
    /// seen fewer than `min_frequency` times, or beyond the `max_categories - 1` most
    /// frequent, share one trailing `infrequent` feature.
    OneHot {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_frequency: Option<MinFrequency>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_categories: Option<u32>,
        #[serde(default)]
        handle_unknown: HandleUnknown,
    },
    /// The index of the category in the sorted training categories
    /// (`OrdinalEncoder`); unseen categories get `unknown_value`.
    Ordinal {
        #[serde(default = "minus_one")]
        unknown_value: f64,
    },
    /// Feature hashing of the category text, exactly like scikit-learn's
    /// `FeatureHasher(input_type="string")`: signed 32-bit MurmurHash3 (x86, seed 0)
    /// of the UTF-8 bytes; index `|h| mod n_features`; sign `-1` when `h < 0` if
    /// `alternate_sign`.
    Hash {
        n_features: u32,
        #[serde(default = "yes")]
        alternate_sign: bool,
    },
    /// The value unchanged (bool as 0/1).
    Passthrough,
}

fn yes() -> bool {
    true
}
fn one() -> f64 {
    1.0
}
fn minus_one() -> f64 {
    -1.0
}

impl Step {
    /// The step's name as written in a spec (`one_hot`, `min_max`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Impute { .. } => "impute",
            Self::Standardize { .. } => "standardize",
            Self::MinMax { .. } => "min_max",
            Self::Log1p => "log1p",
            Self::Clip { .. } => "clip",
            Self::Bucketize { .. } => "bucketize",
            Self::OneHot { .. } => "one_hot",
            Self::Ordinal { .. } => "ordinal",
            Self::Hash { .. } => "hash",
            Self::Passthrough => "passthrough",
        }
    }

    /// Whether this step turns categories into numbers (and must end its chain).
    pub fn is_encoder(&self) -> bool {
        matches!(
            self,
            Self::OneHot { .. } | Self::Ordinal { .. } | Self::Hash { .. }
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImputeStrategy {
    /// Mean of the non-null training values (numeric only).
    Mean,
    /// Median of the non-null training values (numeric only).
    Median,
    /// The most frequent training value; ties go to the smallest.
    MostFrequent,
    /// `fill_value`.
    Constant,
}

/// A constant fill value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum FillValue {
    Number(f64),
    Text(String),
    Bool(bool),
}

/// `min_frequency`: an integer is a count, a number in (0, 1) a fraction of the
/// training rows (as in scikit-learn).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum MinFrequency {
    Count(u64),
    Fraction(f64),
}

/// What one_hot does with a category it did not see in training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HandleUnknown {
    /// All of the column's features are 0 (counted as out-of-vocabulary).
    #[default]
    Ignore,
    /// The row goes to the `infrequent` feature when there is one (else all 0).
    InfrequentIfExist,
}

impl ColumnSpec {
    /// The name its output features are named after.
    pub fn output_name(&self) -> &str {
        self.output.as_deref().unwrap_or(&self.name)
    }
}

impl PipelineSpec {
    /// Parses a spec written in TOML.
    pub fn from_toml(text: &str) -> Result<Self, TransformError> {
        SettingsFormat::Toml
            .read(text)
            .map_err(|message| TransformError::SpecParse {
                format: "TOML",
                message,
            })
    }

    /// Parses a spec written in JSON.
    pub fn from_json(text: &str) -> Result<Self, TransformError> {
        SettingsFormat::Json
            .read(text)
            .map_err(|message| TransformError::SpecParse {
                format: "JSON",
                message,
            })
    }

    /// The raw strings read as null: [`PipelineSpec::null_values`], or pandas'
    /// defaults when the spec gives none.
    pub fn effective_null_values(&self) -> Vec<String> {
        self.null_values
            .clone()
            .unwrap_or_else(crate::table::default_null_values)
    }

    /// The JSON Schema of the spec format, pretty-printed with a trailing newline:
    /// the text of `docs/schema/pipeline-spec.schema.json`.
    pub fn json_schema() -> String {
        let schema = schemars::schema_for!(PipelineSpec);
        let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
        text.push('\n');
        text
    }
}
