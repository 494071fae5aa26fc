//! `fit`: validates a spec against the training table and learns every statistic
//! from that table alone.

use super::TransformError;
use super::apply::{first_non_finite_feature, non_finite_feature, number_text};
use super::fitted::{
    Domain, FITTED_FORMAT_VERSION, FittedBlock, FittedPipeline, InputColumn, Source,
};
use super::input::{self, Categories, CategoryOrder};
use super::spec::{FillValue, PipelineSpec, Step};
use super::steps::{self, FittedStep};
use super::validate::{invalid, validate};
use crate::table::{DataType, Table};

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
    // The training values as read, to name one in an error.
    let raw = values.clone();
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
        let fitted_step = fit_numeric_step(step, &values, column)
            .map_err(|err| blame_extreme(err, &values, &raw, column))?;
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
    if let Some(row) = first_non_finite_feature(&values) {
        return Err(non_finite_feature(column, row, raw[row], values[row]));
    }
    Ok(fitted)
}

/// A statistic that overflowed (a sum of squares past `f64::MAX`) is blamed on the
/// training value of largest magnitude, so the error names a row and a value.
fn blame_extreme(err: TransformError, values: &[f64], raw: &[f64], column: &str) -> TransformError {
    let TransformError::NonFiniteStatistic {
        step,
        statistic,
        value,
        ..
    } = &err
    else {
        return err;
    };
    let extreme = values
        .iter()
        .enumerate()
        .filter(|(_, x)| x.is_finite())
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()));
    match extreme {
        Some((row, _)) => TransformError::InvalidValue {
            column: column.to_owned(),
            row: row + 1,
            value: number_text(raw[row]),
            expected: format!(
                "a training value step `{step}` can fit: with it the fitted {statistic} is {value}, not a finite number"
            ),
        },
        None => err,
    }
}

fn fit_numeric_step(
    step: &Step,
    values: &[f64],
    column: &str,
) -> Result<FittedStep, TransformError> {
    let kind = step.kind();
    Ok(match step {
        Step::Impute {
            strategy,
            fill_value,
        } => FittedStep::ImputeNumber {
            strategy: *strategy,
            value: steps::fit_number_fill(*strategy, fill_value.as_ref(), values, column)?,
        },
        Step::Standardize {
            with_mean,
            with_std,
        } => steps::fit_standardize(values, *with_mean, *with_std, column)?,
        Step::MinMax { min, max } => steps::fit_min_max(values, *min, *max, column)?,
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
                (None, Some(n)) => steps::quantile_inner_edges(values, *n),
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
    })
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
