//! `fit`: validates a spec against the training table and learns every statistic
//! from that table alone.

use super::TransformError;
use super::fitted::{
    Domain, FITTED_FORMAT_VERSION, FittedBlock, FittedPipeline, InputColumn, Source,
};
use super::input::{self, Categories, CategoryOrder};
use super::spec::{FillValue, ImputeStrategy, MinFrequency, PipelineSpec, SPEC_VERSION, Step};
use super::steps::{self, FittedStep};
use crate::table::{DataType, Table};

/// The most features one `hash` step may produce (scikit-learn's default
/// `n_features` for FeatureHasher).
pub const MAX_HASH_FEATURES: u32 = 1 << 20;

/// The most bins one quantile `bucketize` may have.
pub const MAX_QUANTILE_BINS: u32 = 10_000;

/// Fits `spec` on `table`: every mean, range, quantile edge and vocabulary comes
/// from this table only.
pub fn fit(spec: &PipelineSpec, table: &Table) -> Result<FittedPipeline, TransformError> {
    validate(spec)?;
    if table.num_rows() == 0 {
        return Err(TransformError::EmptyTrainingTable);
    }
    let mut blocks = Vec::new();
    let mut feature_names = Vec::new();
    let mut input_schema: Vec<InputColumn> = Vec::new();

    for column_spec in &spec.columns {
        let column = input::column(table, &column_spec.name)?;
        let name = column_spec.output_name().to_owned();
        let source = Source::Column {
            name: column_spec.name.clone(),
        };
        let domain = domain_of(&column_spec.steps);
        let order = CategoryOrder::for_type(column.data_type());
        let steps = match domain {
            Domain::Numeric => {
                let first = column_spec.steps.first().map_or("passthrough", Step::kind);
                let values = input::numeric(column, first)?;
                fit_numeric(&column_spec.steps, values, &column_spec.name)?
            }
            Domain::Categorical => {
                let categories = Categories::from_column(column)?;
                fit_categorical(
                    &column_spec.steps,
                    categories,
                    order,
                    column.data_type(),
                    &column_spec.name,
                )?
            }
        };
        record_input(&mut input_schema, column, &steps);
        push_block(
            &mut blocks,
            &mut feature_names,
            name,
            source,
            domain,
            order,
            steps,
        );
    }

    for cross in &spec.crosses {
        let [left_name, right_name] = &cross.columns;
        let left = input::column(table, left_name)?;
        let right = input::column(table, right_name)?;
        let categories = Categories::cross(
            &Categories::from_column(left)?,
            &Categories::from_column(right)?,
            &cross.separator,
        );
        let name = format!("{left_name}{}{right_name}", cross.separator);
        let steps = fit_categorical(
            &cross.steps,
            categories,
            CategoryOrder::Text,
            DataType::Str,
            &name,
        )?;
        record_input(&mut input_schema, left, &[]);
        record_input(&mut input_schema, right, &[]);
        let source = Source::Cross {
            columns: cross.columns.clone(),
            separator: cross.separator.clone(),
        };
        push_block(
            &mut blocks,
            &mut feature_names,
            name,
            source,
            Domain::Categorical,
            CategoryOrder::Text,
            steps,
        );
    }

    FittedPipeline {
        format_version: FITTED_FORMAT_VERSION,
        spec: spec.clone(),
        input_schema,
        feature_names,
        blocks,
        training_rows: table.num_rows(),
        fingerprint: String::new(),
    }
    .seal()
}

fn push_block(
    blocks: &mut Vec<FittedBlock>,
    feature_names: &mut Vec<String>,
    name: String,
    source: Source,
    domain: Domain,
    order: CategoryOrder,
    steps: Vec<FittedStep>,
) {
    let offset = feature_names.len();
    match steps.last() {
        Some(FittedStep::OneHot {
            categories,
            infrequent,
            ..
        }) => {
            feature_names.extend(categories.iter().map(|c| format!("{name}_{c}")));
            if !infrequent.is_empty() {
                feature_names.push(format!("{name}_infrequent_sklearn"));
            }
        }
        Some(FittedStep::Hash { n_features, .. }) => {
            feature_names.extend((0..*n_features).map(|i| format!("{name}_hash_{i}")));
        }
        _ => feature_names.push(name.clone()),
    }
    let width = feature_names.len() - offset;
    blocks.push(FittedBlock {
        name,
        source,
        domain,
        order,
        steps,
        offset,
        width,
    });
}

/// Adds `column` to the input schema (once), with the categories its encoder knows.
fn record_input(
    schema: &mut Vec<InputColumn>,
    column: &crate::table::Column,
    steps: &[FittedStep],
) {
    let known: Option<Vec<String>> = match steps.last() {
        Some(FittedStep::OneHot {
            categories,
            infrequent,
            ..
        }) => {
            let mut all: Vec<String> = categories.iter().chain(infrequent).cloned().collect();
            CategoryOrder::for_type(column.data_type()).sort(&mut all);
            Some(all)
        }
        Some(FittedStep::Ordinal { categories, .. }) => Some(categories.clone()),
        _ => None,
    };
    if let Some(existing) = schema.iter_mut().find(|c| c.name == column.name()) {
        if existing.categories.is_none() {
            existing.categories = known;
        }
        return;
    }
    schema.push(InputColumn {
        name: column.name().to_owned(),
        data_type: column.data_type(),
        nullable: column.null_count() > 0,
        categories: known,
    });
}

pub(crate) fn domain_of(steps: &[Step]) -> Domain {
    if steps.iter().any(Step::is_encoder) {
        Domain::Categorical
    } else {
        Domain::Numeric
    }
}

fn fit_numeric(
    steps: &[Step],
    mut values: Vec<f64>,
    column: &str,
) -> Result<Vec<FittedStep>, TransformError> {
    let mut fitted = Vec::with_capacity(steps.len().max(1));
    for step in steps {
        let kind = step.kind();
        if !matches!(step, Step::Impute { .. })
            && let Some(row) = values.iter().position(|x| x.is_nan())
        {
            return Err(TransformError::NullValue {
                column: column.to_owned(),
                row: row + 1,
                step: kind,
            });
        }
        let fitted_step = match step {
            Step::Impute {
                strategy,
                fill_value,
            } => FittedStep::ImputeNumber {
                strategy: *strategy,
                value: steps::fit_number_fill(*strategy, fill_value.as_ref(), &values, column)?,
            },
            Step::Standardize {
                with_mean,
                with_std,
            } => steps::fit_standardize(&values, *with_mean, *with_std, column)?,
            Step::MinMax { min, max } => steps::fit_min_max(&values, *min, *max, column)?,
            Step::Log1p => FittedStep::Log1p,
            Step::Clip { min, max } => FittedStep::Clip {
                min: *min,
                max: *max,
            },
            Step::Bucketize {
                boundaries,
                quantiles,
            } => FittedStep::Bucketize {
                inner_edges: match (boundaries, quantiles) {
                    (Some(b), _) => b.clone(),
                    (None, Some(n)) => steps::quantile_inner_edges(&values, *n),
                    (None, None) => Vec::new(),
                },
            },
            Step::Passthrough => FittedStep::Passthrough,
            Step::OneHot { .. } | Step::Ordinal { .. } | Step::Hash { .. } => {
                return Err(invalid(
                    column,
                    0,
                    kind,
                    "an encoder cannot be part of a numeric chain",
                ));
            }
        };
        fitted_step.apply_numeric(&mut values, column)?;
        fitted.push(fitted_step);
    }
    if fitted.is_empty() {
        if let Some(row) = values.iter().position(|x| x.is_nan()) {
            return Err(TransformError::NullValue {
                column: column.to_owned(),
                row: row + 1,
                step: "passthrough",
            });
        }
        fitted.push(FittedStep::Passthrough);
    }
    Ok(fitted)
}

fn fit_categorical(
    steps: &[Step],
    mut categories: Categories,
    order: CategoryOrder,
    data_type: DataType,
    column: &str,
) -> Result<Vec<FittedStep>, TransformError> {
    let mut fitted = Vec::with_capacity(steps.len());
    for (index, step) in steps.iter().enumerate() {
        let kind = step.kind();
        if let Step::Impute {
            strategy,
            fill_value,
        } = step
        {
            check_fill_type(fill_value.as_ref(), data_type, column, index + 1)?;
            let value = steps::fit_category_fill(
                *strategy,
                fill_value.as_ref(),
                &categories,
                order,
                column,
            )?;
            categories.fill_nulls(&value);
            fitted.push(FittedStep::ImputeCategory {
                strategy: *strategy,
                value,
            });
            continue;
        }
        if let Some(row) = categories.first_null_row() {
            return Err(TransformError::NullValue {
                column: column.to_owned(),
                row,
                step: kind,
            });
        }
        fitted.push(match step {
            Step::OneHot {
                min_frequency,
                max_categories,
                handle_unknown,
            } => steps::fit_one_hot(
                &categories,
                order,
                *min_frequency,
                *max_categories,
                *handle_unknown,
            ),
            Step::Ordinal { unknown_value } => {
                steps::fit_ordinal(&categories, order, *unknown_value)
            }
            Step::Hash {
                n_features,
                alternate_sign,
            } => FittedStep::Hash {
                n_features: *n_features,
                alternate_sign: *alternate_sign,
            },
            _ => {
                return Err(invalid(
                    column,
                    index + 1,
                    kind,
                    "only impute and an encoder can be used on categories",
                ));
            }
        });
    }
    Ok(fitted)
}

fn check_fill_type(
    fill: Option<&FillValue>,
    data_type: DataType,
    column: &str,
    step: usize,
) -> Result<(), TransformError> {
    let ok = match (fill, data_type) {
        (None, _) => true,
        (Some(FillValue::Text(_)), DataType::Str) => true,
        (Some(FillValue::Bool(_)), DataType::Bool) => true,
        (Some(FillValue::Number(x)), DataType::Int64) => x.fract() == 0.0 && x.abs() < 9.0e15,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(invalid(
            column,
            step,
            "impute",
            &format!(
                "fill_value {fill:?} does not fit a {} column",
                data_type.name()
            ),
        ))
    }
}

fn invalid(column: &str, step: usize, kind: &'static str, message: &str) -> TransformError {
    TransformError::InvalidStep {
        column: column.to_owned(),
        step,
        kind,
        message: message.to_owned(),
    }
}

/// Checks the spec on its own: version, no duplicates, each chain's shape and every
/// step's parameters.
pub(crate) fn validate(spec: &PipelineSpec) -> Result<(), TransformError> {
    if spec.version != SPEC_VERSION {
        return Err(TransformError::SpecVersion {
            found: spec.version,
            expected: SPEC_VERSION,
        });
    }
    if spec.columns.is_empty() && spec.crosses.is_empty() {
        return Err(TransformError::EmptySpec);
    }
    let mut names: Vec<String> = Vec::new();
    for column in &spec.columns {
        let output = column.output_name().to_owned();
        if names.contains(&output) {
            return Err(TransformError::DuplicateFeatureSource { column: output });
        }
        validate_chain(&output, &column.steps, false)?;
        names.push(output);
    }
    for cross in &spec.crosses {
        let name = format!(
            "{}{}{}",
            cross.columns[0], cross.separator, cross.columns[1]
        );
        if names.contains(&name) {
            return Err(TransformError::DuplicateFeatureSource { column: name });
        }
        validate_chain(&name, &cross.steps, true)?;
        names.push(name);
    }
    Ok(())
}

fn validate_chain(column: &str, steps: &[Step], is_cross: bool) -> Result<(), TransformError> {
    let categorical = domain_of(steps) == Domain::Categorical;
    if is_cross && !categorical {
        return Err(invalid(
            column,
            steps.len(),
            "cross",
            "a cross needs an encoder (one_hot, ordinal or hash) as its last step",
        ));
    }
    for (i, step) in steps.iter().enumerate() {
        let n = i + 1;
        let kind = step.kind();
        let last = n == steps.len();
        if (step.is_encoder() || matches!(step, Step::Passthrough)) && !last {
            return Err(invalid(
                column,
                n,
                kind,
                "must be the last step of its chain",
            ));
        }
        if categorical && !step.is_encoder() && !matches!(step, Step::Impute { .. }) {
            return Err(invalid(
                column,
                n,
                kind,
                "this chain ends in an encoder, so only impute may come before it",
            ));
        }
        validate_step(step).map_err(|message| invalid(column, n, kind, &message))?;
        if categorical
            && let Step::Impute {
                strategy: ImputeStrategy::Mean | ImputeStrategy::Median,
                ..
            } = step
        {
            return Err(invalid(
                column,
                n,
                kind,
                "mean and median need numbers; use most_frequent or constant before an encoder",
            ));
        }
        if !categorical
            && let Step::Impute {
                fill_value: Some(FillValue::Text(t)),
                ..
            } = step
        {
            return Err(invalid(
                column,
                n,
                kind,
                &format!("fill_value `{t}` is text, but this chain is numeric"),
            ));
        }
    }
    Ok(())
}

fn finite(name: &str, value: f64) -> Result<(), String> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(format!("`{name}` is {value}, expected a finite number"))
    }
}

fn validate_step(step: &Step) -> Result<(), String> {
    match step {
        Step::Impute {
            strategy,
            fill_value,
        } => match (strategy, fill_value) {
            (ImputeStrategy::Constant, None) => {
                Err("strategy `constant` needs a `fill_value`".to_owned())
            }
            (ImputeStrategy::Constant, Some(FillValue::Number(x))) => finite("fill_value", *x),
            (ImputeStrategy::Constant, Some(_)) => Ok(()),
            (_, Some(_)) => Err("`fill_value` is only used with strategy `constant`".to_owned()),
            (_, None) => Ok(()),
        },
        Step::Standardize { .. } | Step::Log1p | Step::Passthrough => Ok(()),
        Step::MinMax { min, max } => {
            finite("min", *min)?;
            finite("max", *max)?;
            if min < max {
                Ok(())
            } else {
                Err(format!("`min` ({min}) must be less than `max` ({max})"))
            }
        }
        Step::Clip { min, max } => {
            if min.is_none() && max.is_none() {
                return Err("give `min`, `max` or both".to_owned());
            }
            if let Some(lo) = min {
                finite("min", *lo)?;
            }
            if let Some(hi) = max {
                finite("max", *hi)?;
            }
            match (min, max) {
                (Some(lo), Some(hi)) if lo > hi => {
                    Err(format!("`min` ({lo}) is greater than `max` ({hi})"))
                }
                _ => Ok(()),
            }
        }
        Step::Bucketize {
            boundaries,
            quantiles,
        } => match (boundaries, quantiles) {
            (Some(_), Some(_)) | (None, None) => {
                Err("give exactly one of `boundaries` or `quantiles`".to_owned())
            }
            (Some(b), None) => steps::check_boundaries(b),
            (None, Some(n)) if !(2..=MAX_QUANTILE_BINS).contains(n) => Err(format!(
                "`quantiles` is {n}, expected 2 to {MAX_QUANTILE_BINS} bins"
            )),
            (None, Some(_)) => Ok(()),
        },
        Step::OneHot {
            min_frequency,
            max_categories,
            ..
        } => {
            match min_frequency {
                Some(MinFrequency::Count(0)) => return Err("`min_frequency` 0 is not allowed: use a count of at least 1 or a fraction in (0, 1)".to_owned()),
                Some(MinFrequency::Fraction(f)) if !(*f > 0.0 && *f < 1.0) => {
                    return Err(format!("`min_frequency` {f} is a fraction and must be in (0, 1); use an integer for a count"));
                }
                _ => {}
            }
            if *max_categories == Some(0) {
                return Err("`max_categories` must be at least 1".to_owned());
            }
            Ok(())
        }
        Step::Ordinal { unknown_value } => finite("unknown_value", *unknown_value),
        Step::Hash { n_features, .. } => {
            if (1..=MAX_HASH_FEATURES).contains(n_features) {
                Ok(())
            } else {
                Err(format!(
                    "`n_features` is {n_features}, expected 1 to {MAX_HASH_FEATURES}"
                ))
            }
        }
    }
}
