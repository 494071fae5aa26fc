//! `apply`: a fitted pipeline and a table in, a feature matrix out.
//!
//! Each block's values are computed in `f64` in row order, then cast once to `f32`
//! and written into the row-major matrix. Only IEEE-754 basic operations, `sqrt`
//! (both correctly rounded) and `libm::log1p` are used, so wasm32 and x86_64 give
//! the same bits.

use std::collections::BTreeSet;

use super::TransformError;
use super::fitted::{Domain, FittedBlock, FittedPipeline, Source};
use super::input::{self, Categories};
use super::matrix::{FeatureMatrix, OOV_EXAMPLES, OovCount};
use super::steps::{self, FittedStep};
use crate::table::{DataType, Table};

/// Applies `pipeline` to `table`. The table must have every input column with the
/// training type (int64 is accepted where a numeric chain saw float64).
pub fn apply(pipeline: &FittedPipeline, table: &Table) -> Result<FeatureMatrix, TransformError> {
    check_schema(pipeline, table)?;
    let rows = table.num_rows();
    let width = pipeline.feature_names.len();
    let len = rows.checked_mul(width).ok_or(TransformError::TooLarge {
        rows,
        features: width,
    })?;
    let mut out = Writer {
        values: vec![0.0_f32; len],
        width,
    };
    let mut oov = Vec::new();
    for block in &pipeline.blocks {
        match block.domain {
            Domain::Numeric => numeric_block(block, table, &mut out)?,
            Domain::Categorical => {
                if let Some(count) = categorical_block(block, table, &mut out)? {
                    oov.push(count);
                }
            }
        }
    }
    Ok(FeatureMatrix {
        feature_names: pipeline.feature_names.clone(),
        num_rows: rows,
        values: out.values,
        oov,
    })
}

struct Writer {
    values: Vec<f32>,
    width: usize,
}

impl Writer {
    fn set(&mut self, row: usize, feature: usize, value: f64) -> Result<(), TransformError> {
        let cell = row
            .checked_mul(self.width)
            .and_then(|r| r.checked_add(feature))
            .and_then(|i| self.values.get_mut(i))
            .ok_or_else(|| TransformError::FittedJson {
                message: format!("feature {feature} is outside the {} features", self.width),
            })?;
        *cell = value as f32;
        Ok(())
    }
}

fn check_schema(pipeline: &FittedPipeline, table: &Table) -> Result<(), TransformError> {
    for expected in &pipeline.input_schema {
        let column = input::column(table, &expected.name)?;
        let found = column.data_type();
        let widening = expected.data_type == DataType::Float64 && found == DataType::Int64;
        if found != expected.data_type && !widening {
            return Err(TransformError::WrongType {
                column: expected.name.clone(),
                found,
                expected: format!("{} (as in training)", expected.data_type.name()),
            });
        }
    }
    Ok(())
}

fn numeric_block(
    block: &FittedBlock,
    table: &Table,
    out: &mut Writer,
) -> Result<(), TransformError> {
    let Source::Column { name } = &block.source else {
        return Err(TransformError::FittedJson {
            message: format!("block `{}`: a cross cannot be numeric", block.name),
        });
    };
    let column = input::column(table, name)?;
    let first = block.steps.first().map_or("passthrough", FittedStep::kind);
    let mut values = input::numeric(column, first)?;
    for step in &block.steps {
        step.apply_numeric(&mut values, name)?;
    }
    for (row, x) in values.iter().enumerate() {
        if !x.is_finite() {
            return Err(TransformError::InvalidValue {
                column: name.clone(),
                row: row + 1,
                value: x.to_string(),
                expected: "the steps must give a finite number".to_owned(),
            });
        }
        out.set(row, block.offset, *x)?;
    }
    Ok(())
}

fn categories(block: &FittedBlock, table: &Table) -> Result<Categories, TransformError> {
    match &block.source {
        Source::Column { name } => Categories::from_column(input::column(table, name)?),
        Source::Cross { columns, separator } => {
            let left = Categories::from_column(input::column(table, &columns[0])?)?;
            let right = Categories::from_column(input::column(table, &columns[1])?)?;
            Ok(Categories::cross(&left, &right, separator))
        }
    }
}

/// Writes a categorical block; returns its out-of-vocabulary count when the
/// encoder has a vocabulary.
fn categorical_block(
    block: &FittedBlock,
    table: &Table,
    out: &mut Writer,
) -> Result<Option<OovCount>, TransformError> {
    let mut cats = categories(block, table)?;
    let mut unseen_rows = 0_u64;
    let mut unseen: BTreeSet<String> = BTreeSet::new();
    // Errors name the input column (or the cross).
    let name = match &block.source {
        Source::Column { name } => name,
        Source::Cross { .. } => &block.name,
    };
    let offset = block.offset;
    for step in &block.steps {
        if let FittedStep::ImputeCategory { value, .. } = step {
            cats.fill_nulls(value);
            continue;
        }
        if let Some(row) = cats.first_null_row() {
            return Err(TransformError::NullValue {
                column: name.clone(),
                row,
                step: step.kind(),
            });
        }
        match step {
            FittedStep::OneHot {
                categories,
                infrequent,
                handle_unknown,
            } => {
                let lookup = steps::one_hot_lookup(
                    &cats.dictionary,
                    categories,
                    infrequent,
                    *handle_unknown,
                );
                for (row, code) in cats.codes.iter().enumerate() {
                    let Some(entry) = code.and_then(|c| lookup.get(c as usize)) else {
                        continue;
                    };
                    let feature = match entry {
                        Ok(feature) => *feature,
                        Err(feature) => {
                            unseen_rows += 1;
                            if let Some(text) = cats.text(row) {
                                unseen.insert(text.to_owned());
                            }
                            *feature
                        }
                    };
                    if let Some(f) = feature {
                        out.set(row, offset + f, 1.0)?;
                    }
                }
            }
            FittedStep::Ordinal {
                categories,
                unknown_value,
            } => {
                let index: std::collections::HashMap<&str, usize> = categories
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.as_str(), i))
                    .collect();
                let lookup: Vec<Option<usize>> = cats
                    .dictionary
                    .iter()
                    .map(|d| index.get(d.as_str()).copied())
                    .collect();
                for (row, code) in cats.codes.iter().enumerate() {
                    let value = match code.and_then(|c| lookup.get(c as usize).copied().flatten()) {
                        Some(i) => i as f64,
                        None => {
                            unseen_rows += 1;
                            if let Some(text) = cats.text(row) {
                                unseen.insert(text.to_owned());
                            }
                            *unknown_value
                        }
                    };
                    out.set(row, offset, value)?;
                }
            }
            FittedStep::Hash {
                n_features,
                alternate_sign,
            } => {
                let lookup: Vec<(usize, f64)> = cats
                    .dictionary
                    .iter()
                    .map(|d| steps::hash_index_sign(d, *n_features, *alternate_sign))
                    .collect();
                for (row, code) in cats.codes.iter().enumerate() {
                    if let Some((index, sign)) = code.and_then(|c| lookup.get(c as usize)) {
                        out.set(row, offset + index, *sign)?;
                    }
                }
            }
            other => {
                return Err(TransformError::FittedJson {
                    message: format!(
                        "block `{name}`: step `{}` cannot encode categories",
                        other.kind()
                    ),
                });
            }
        }
    }
    let has_vocabulary = matches!(
        block.steps.last(),
        Some(FittedStep::OneHot { .. } | FittedStep::Ordinal { .. })
    );
    Ok(has_vocabulary.then(|| OovCount {
        column: block.name.clone(),
        rows: unseen_rows,
        distinct: unseen.len(),
        examples: unseen.into_iter().take(OOV_EXAMPLES).collect(),
    }))
}
