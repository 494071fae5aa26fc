//! Checking a spec on its own, before any data is read: the version, unique output
//! names, each chain's shape and every step's parameters.

use super::TransformError;
use super::fit::domain_of;
use super::fitted::Domain;
use super::spec::{FillValue, ImputeStrategy, MinFrequency, PipelineSpec, SPEC_VERSION, Step};
use super::steps;

/// The most features one `hash` step may produce (scikit-learn's default
/// `n_features` for FeatureHasher).
pub const MAX_HASH_FEATURES: u32 = 1 << 20;

/// The most bins one quantile `bucketize` may have.
pub const MAX_QUANTILE_BINS: u32 = 10_000;

pub(crate) fn invalid(
    column: &str,
    step: usize,
    kind: &'static str,
    message: &str,
) -> TransformError {
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
