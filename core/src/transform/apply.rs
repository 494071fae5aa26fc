//! `apply`: a fitted pipeline and a table in, a feature matrix out.
//!
//! Each block's values are computed column-wise in `f64`, step by step in row
//! order; the row-major matrix is then written once, row by row, each value cast
//! once to `f32`. Only IEEE-754 basic operations, `sqrt`
//! (both correctly rounded) and `libm::log1p` are used, so wasm32 and x86_64 give
//! the same bits.

use std::collections::{BTreeSet, HashMap};

use super::TransformError;
use super::fitted::{Domain, FittedBlock, FittedPipeline, Source};
use super::input::{self, Categories};
use super::matrix::{FeatureMatrix, OOV_EXAMPLES, OovCount};
use super::steps::{self, FittedStep};
use crate::table::{DataType, Table};

/// Applies `pipeline` to `table`. The table must have every input column with its
/// training type (int64 and float64 are interchangeable for numeric chains).
pub fn apply(pipeline: &FittedPipeline, table: &Table) -> Result<FeatureMatrix, TransformError> {
    let rows = table.num_rows();
    let width = pipeline.feature_names.len();
    if rows == 0 {
        // A header with no rows (an empty CSV) carries no types to check: every
        // column must be there, and the result is an empty matrix.
        for expected in &pipeline.input_schema {
            input::column(table, &expected.name)?;
        }
        return Ok(FeatureMatrix {
            feature_names: pipeline.feature_names.clone(),
            num_rows: 0,
            values: Vec::new(),
            oov: Vec::new(),
        });
    }
    check_schema(pipeline, table)?;
    let len = rows.checked_mul(width).ok_or(TransformError::TooLarge {
        rows,
        features: width,
    })?;
    // Every block first computes its values column-wise (one pass per step)…
    let mut computed = Vec::with_capacity(pipeline.blocks.len());
    let mut oov = Vec::new();
    for block in &pipeline.blocks {
        let values = match block.domain {
            Domain::Numeric => numeric_block(block, table)?,
            Domain::Categorical => {
                let (values, count) = categorical_block(block, table)?;
                oov.extend(count);
                values
            }
        };
        if values.len() != rows || block.offset + block.width > width {
            return Err(TransformError::FittedJson {
                message: format!("block `{}` does not fit the output layout", block.name),
            });
        }
        computed.push((block.offset, block.width, values));
    }
    // …then the matrix is written once, in chunks of rows small enough to stay in
    // cache, block by block; each value is cast to f32 exactly once.
    let mut values = vec![0.0_f32; len];
    if width > 0 {
        for (chunk_index, chunk) in values.chunks_mut(ROW_CHUNK * width).enumerate() {
            let first_row = chunk_index * ROW_CHUNK;
            for (offset, block_width, block) in &computed {
                block.write_rows(first_row, chunk, width, *offset, *block_width);
            }
        }
    }
    Ok(FeatureMatrix {
        feature_names: pipeline.feature_names.clone(),
        num_rows: rows,
        values,
        oov,
    })
}

/// One block's output, column-wise.
enum BlockValues {
    /// One value per row (numeric chains, ordinal).
    Dense(Vec<f64>),
    /// The block feature that is 1 in each row, if any (one_hot).
    OneHot(Vec<Option<u32>>),
    /// The block feature and its ±1 in each row, if any (hash).
    Hashed(Vec<Option<(u32, f64)>>),
}

impl BlockValues {
    fn len(&self) -> usize {
        match self {
            Self::Dense(v) => v.len(),
            Self::OneHot(v) => v.len(),
            Self::Hashed(v) => v.len(),
        }
    }

    /// Writes the rows from `first_row` on into `chunk` (whole rows of `width`
    /// cells, zeroed), in this block's cells `offset..offset + block_width`.
    fn write_rows(
        &self,
        first_row: usize,
        chunk: &mut [f32],
        width: usize,
        offset: usize,
        block_width: usize,
    ) {
        let rows = chunk.chunks_exact_mut(width).enumerate();
        match self {
            Self::Dense(v) => {
                for (i, row) in rows {
                    if let (Some(cell), Some(x)) = (row.get_mut(offset), v.get(first_row + i)) {
                        *cell = *x as f32;
                    }
                }
            }
            Self::OneHot(v) => {
                for (i, row) in rows {
                    if let Some(f) = v.get(first_row + i).copied().flatten()
                        && let Some(cell) = block_cell(row, offset, block_width, f)
                    {
                        *cell = 1.0;
                    }
                }
            }
            Self::Hashed(v) => {
                for (i, row) in rows {
                    if let Some((f, sign)) = v.get(first_row + i).copied().flatten()
                        && let Some(cell) = block_cell(row, offset, block_width, f)
                    {
                        *cell = sign as f32;
                    }
                }
            }
        }
    }
}

/// Cell `feature` of a block spanning `offset..offset + block_width` in `row`.
fn block_cell(
    row: &mut [f32],
    offset: usize,
    block_width: usize,
    feature: u32,
) -> Option<&mut f32> {
    let feature = feature as usize;
    if feature < block_width {
        row.get_mut(offset + feature)
    } else {
        None
    }
}

/// Rows written per chunk.
const ROW_CHUNK: usize = 1024;

/// Every input column must be there with its training type. A column that only
/// feeds numeric chains may switch between int64 and float64 (JSON writes `3` and
/// `3.0` alike); a column that feeds an encoder must keep its type, since its
/// categories are its values' text.
fn check_schema(pipeline: &FittedPipeline, table: &Table) -> Result<(), TransformError> {
    let categorical: Vec<&str> = pipeline
        .blocks
        .iter()
        .filter(|b| b.domain == Domain::Categorical)
        .flat_map(|b| match &b.source {
            Source::Column { name } => vec![name.as_str()],
            Source::Cross { columns, .. } => columns.iter().map(String::as_str).collect(),
        })
        .collect();
    let is_number = |t: DataType| matches!(t, DataType::Int64 | DataType::Float64);
    for expected in &pipeline.input_schema {
        let column = input::column(table, &expected.name)?;
        let found = column.data_type();
        let interchangeable = is_number(found)
            && is_number(expected.data_type)
            && !categorical.contains(&expected.name.as_str());
        if found != expected.data_type && !interchangeable {
            return Err(TransformError::WrongType {
                column: expected.name.clone(),
                found,
                expected: format!("{} (as in training)", expected.data_type.name()),
            });
        }
    }
    Ok(())
}

fn numeric_block(block: &FittedBlock, table: &Table) -> Result<BlockValues, TransformError> {
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
    if let Some(row) = first_non_finite_feature(&values) {
        // Only on this error path: the input value, read again, for the message.
        let raw = input::numeric(column, first)?;
        return Err(non_finite_feature(name, row, raw[row], values[row]));
    }
    Ok(BlockValues::Dense(values))
}

/// The first row whose feature is not a finite `f32` (features are written as `f32`:
/// a finite `f64` above ±3.4e38, such as -1.7976931348623157e308 standardized,
/// would become an infinity).
pub(super) fn first_non_finite_feature(values: &[f64]) -> Option<usize> {
    values.iter().position(|x| !(*x as f32).is_finite())
}

/// The error for a feature that is not a finite `f32`: names the column, the row
/// (`row` is 0-based), the input value and what the steps made of it.
pub(super) fn non_finite_feature(
    column: &str,
    row: usize,
    raw: f64,
    feature: f64,
) -> TransformError {
    TransformError::InvalidValue {
        column: column.to_owned(),
        row: row + 1,
        value: number_text(raw),
        expected: format!(
            "the column's steps turn it into {}, which is not a finite 32-bit feature (at most ±3.4e38)",
            number_text(feature)
        ),
    }
}

/// A number for a message: `null` for a missing value, else Rust's shortest
/// round-trip form (`-1.7976931348623157e308`, not 309 digits).
pub(super) fn number_text(x: f64) -> String {
    if x.is_nan() {
        "null".to_owned()
    } else {
        format!("{x:?}")
    }
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

/// A categorical block's values, and its out-of-vocabulary count when the encoder
/// has a vocabulary. Lookups happen once per distinct category, not per row.
fn categorical_block(
    block: &FittedBlock,
    table: &Table,
) -> Result<(BlockValues, Option<OovCount>), TransformError> {
    let mut cats = categories(block, table)?;
    // Errors name the input column (or the cross).
    let name = match &block.source {
        Source::Column { name } => name,
        Source::Cross { .. } => &block.name,
    };
    let mut unseen = Unseen::default();
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
        let values = match step {
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
                let features = cats
                    .codes
                    .iter()
                    .enumerate()
                    .map(
                        |(row, code)| match code.and_then(|c| lookup.get(c as usize)) {
                            Some(Ok(feature)) => feature.map(|f| f as u32),
                            Some(Err(feature)) => {
                                unseen.add(cats.text(row));
                                feature.map(|f| f as u32)
                            }
                            None => None,
                        },
                    )
                    .collect();
                BlockValues::OneHot(features)
            }
            FittedStep::Ordinal {
                categories,
                unknown_value,
            } => {
                let index: HashMap<&str, usize> = categories
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.as_str(), i))
                    .collect();
                let lookup: Vec<Option<usize>> = cats
                    .dictionary
                    .iter()
                    .map(|d| index.get(d.as_str()).copied())
                    .collect();
                let values = cats
                    .codes
                    .iter()
                    .enumerate()
                    .map(|(row, code)| {
                        match code.and_then(|c| lookup.get(c as usize).copied().flatten()) {
                            Some(i) => i as f64,
                            None => {
                                unseen.add(cats.text(row));
                                *unknown_value
                            }
                        }
                    })
                    .collect();
                BlockValues::Dense(values)
            }
            FittedStep::Hash {
                n_features,
                alternate_sign,
            } => {
                let lookup: Vec<(u32, f64)> = cats
                    .dictionary
                    .iter()
                    .map(|d| {
                        let (index, sign) = steps::hash_index_sign(d, *n_features, *alternate_sign);
                        (index as u32, sign)
                    })
                    .collect();
                let values = cats
                    .codes
                    .iter()
                    .map(|code| code.and_then(|c| lookup.get(c as usize).copied()))
                    .collect();
                BlockValues::Hashed(values)
            }
            other => {
                return Err(TransformError::FittedJson {
                    message: format!(
                        "block `{name}`: step `{}` cannot encode categories",
                        other.kind()
                    ),
                });
            }
        };
        let count = matches!(step, FittedStep::OneHot { .. } | FittedStep::Ordinal { .. })
            .then(|| unseen.count(&block.name));
        return Ok((values, count));
    }
    Err(TransformError::FittedJson {
        message: format!("block `{name}`: a categorical chain must end in an encoder"),
    })
}

/// Unseen categories of one block.
#[derive(Default)]
struct Unseen {
    rows: u64,
    distinct: BTreeSet<String>,
}

impl Unseen {
    fn add(&mut self, category: Option<&str>) {
        self.rows += 1;
        if let Some(text) = category
            && !self.distinct.contains(text)
        {
            self.distinct.insert(text.to_owned());
        }
    }

    fn count(&mut self, column: &str) -> OovCount {
        let distinct = std::mem::take(&mut self.distinct);
        OovCount {
            column: column.to_owned(),
            rows: self.rows,
            distinct: distinct.len(),
            examples: distinct.into_iter().take(OOV_EXAMPLES).collect(),
        }
    }
}
