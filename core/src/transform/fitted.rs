//! [`FittedPipeline`]: everything `apply` needs, serializable to JSON and
//! identified by a content fingerprint.

use serde::{Deserialize, Serialize};

use super::TransformError;
use super::fingerprint;
use super::input::CategoryOrder;
use super::spec::PipelineSpec;
use super::steps::FittedStep;
use crate::table::DataType;

/// The format of [`FittedPipeline`] JSON this code reads and writes.
pub const FITTED_FORMAT_VERSION: u32 = 1;

/// A fitted pipeline. Build it with [`fit`](super::fit), store it with
/// [`FittedPipeline::to_json`], load it with [`FittedPipeline::from_json`] (which
/// checks the fingerprint).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FittedPipeline {
    pub(crate) format_version: u32,
    pub(crate) spec: PipelineSpec,
    pub(crate) input_schema: Vec<InputColumn>,
    pub(crate) feature_names: Vec<String>,
    pub(crate) blocks: Vec<FittedBlock>,
    pub(crate) training_rows: usize,
    /// sha256 (hex) of the canonical encoding of every other field.
    pub(crate) fingerprint: String,
}

/// One input column the pipeline reads, as seen in training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputColumn {
    pub name: String,
    pub data_type: DataType,
    /// Whether the training column held nulls.
    pub nullable: bool,
    /// The distinct training categories, sorted, for columns that one_hot or
    /// ordinal encode (`None` for numeric and hashed columns).
    pub categories: Option<Vec<String>>,
}

/// Where a block's values come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Source {
    Column {
        name: String,
    },
    Cross {
        columns: [String; 2],
        separator: String,
    },
}

/// Whether a chain works on numbers or on categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Domain {
    Numeric,
    Categorical,
}

/// One spec entry, fitted: a contiguous block of output features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FittedBlock {
    /// The column name, or `"{left}{separator}{right}"` for a cross.
    pub name: String,
    pub source: Source,
    pub domain: Domain,
    /// How categories sort (categorical blocks).
    pub order: CategoryOrder,
    pub steps: Vec<FittedStep>,
    /// Index of the block's first output feature.
    pub offset: usize,
    /// Number of output features.
    pub width: usize,
}

impl FittedPipeline {
    pub(crate) fn seal(mut self) -> Result<Self, TransformError> {
        self.fingerprint = String::new();
        self.fingerprint = fingerprint::compute(&self)?;
        Ok(self)
    }

    /// Output feature names, in matrix column order.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The input columns read, with their training types, nullability and categories.
    pub fn input_schema(&self) -> &[InputColumn] {
        &self.input_schema
    }

    /// The spec this pipeline was fitted from.
    pub fn spec(&self) -> &PipelineSpec {
        &self.spec
    }

    /// The raw strings read as null in every source of this pipeline's inputs (the
    /// spec's `null_values`, or pandas' defaults): training files, served requests,
    /// logs replayed by skew checks, the page.
    pub fn null_values(&self) -> Vec<String> {
        self.spec.effective_null_values()
    }

    /// Whether the raw string `text` is one of [`FittedPipeline::null_values`] (no
    /// allocation: for request validation).
    pub fn is_null_value(&self, text: &str) -> bool {
        match &self.spec.null_values {
            Some(list) => list.iter().any(|v| v == text),
            None => crate::table::DEFAULT_NULL_VALUES.contains(&text),
        }
    }

    /// The fitted blocks (one per spec column or cross), in output order.
    pub fn blocks(&self) -> &[FittedBlock] {
        &self.blocks
    }

    /// Rows in the training table.
    pub fn training_rows(&self) -> usize {
        self.training_rows
    }

    /// sha256 (lower-case hex) of the canonical encoding of the fitted pipeline
    /// (every field but the fingerprint; see [`fingerprint`](super::fingerprint)).
    /// Later artefacts carry it to say which transforms produced their inputs.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Pretty JSON, with a trailing newline.
    pub fn to_json(&self) -> Result<String, TransformError> {
        let mut text =
            serde_json::to_string_pretty(self).map_err(|err| TransformError::FittedJson {
                message: err.to_string(),
            })?;
        text.push('\n');
        Ok(text)
    }

    /// Reads a fitted pipeline and checks that its fingerprint matches its content
    /// and that its blocks agree with its feature names.
    pub fn from_json(text: &str) -> Result<Self, TransformError> {
        let pipeline: Self =
            serde_json::from_str(text).map_err(|err| TransformError::FittedJson {
                message: err.to_string(),
            })?;
        if pipeline.format_version != FITTED_FORMAT_VERSION {
            return Err(TransformError::FittedJson {
                message: format!(
                    "format_version is {}, this build reads {FITTED_FORMAT_VERSION}",
                    pipeline.format_version
                ),
            });
        }
        let mut unsealed = pipeline.clone();
        unsealed.fingerprint = String::new();
        let computed = fingerprint::compute(&unsealed)?;
        if computed != pipeline.fingerprint {
            return Err(TransformError::FingerprintMismatch {
                stored: pipeline.fingerprint,
                computed,
            });
        }
        pipeline.check_layout()?;
        Ok(pipeline)
    }

    fn check_layout(&self) -> Result<(), TransformError> {
        let mut offset = 0;
        for block in &self.blocks {
            for step in &block.steps {
                step.check().map_err(|problem| TransformError::FittedJson {
                    message: format!("block `{}`, step `{}`: {problem}", block.name, step.kind()),
                })?;
            }
            let width = block.steps.last().map_or(1, FittedStep::width);
            if block.offset != offset || block.width != width {
                return Err(TransformError::FittedJson {
                    message: format!(
                        "block `{}` says offset {} width {}, its steps give offset {offset} width {width}",
                        block.name, block.offset, block.width
                    ),
                });
            }
            offset += width;
        }
        if offset != self.feature_names.len() {
            return Err(TransformError::FittedJson {
                message: format!(
                    "the blocks give {offset} features but {} feature names are listed",
                    self.feature_names.len()
                ),
            });
        }
        Ok(())
    }
}
