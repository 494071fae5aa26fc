//! Comparing two engines' outputs for the same rows: the heart of `lockstep parity`
//! and of the skew checker's prediction-parity check.
//!
//! Floats agree when `|a − b| ≤ atol + rtol·|b|` (`b` is the reference), NaN agreeing
//! only with NaN; labels (integers, strings) must be equal.

use serde::Serialize;

use crate::engine::{Engine, EngineError};
use crate::onnx::{Tensor, TensorData};

/// Tolerances for float outputs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Tolerance {
    pub atol: f64,
    pub rtol: f64,
}

impl Default for Tolerance {
    /// 1e-6 absolute + 2e-6 relative: what the core engine meets against ONNX Runtime
    /// on every fixture model (tests/ort_parity.rs).
    fn default() -> Self {
        Self {
            atol: 1e-6,
            rtol: 2e-6,
        }
    }
}

/// How one output compares.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutputComparison {
    Float {
        max_abs_diff: f64,
        max_rel_diff: f64,
        /// Values outside the tolerance.
        mismatches: usize,
        values: usize,
        /// The first row (0-based) holding the largest difference.
        worst_row: Option<usize>,
    },
    Labels {
        /// Rows whose labels differ.
        disagreements: usize,
        values: usize,
        first_disagreement_row: Option<usize>,
    },
    /// The outputs cannot be compared (different names, types or shapes).
    Incomparable { reason: String },
}

impl OutputComparison {
    pub fn passed(&self) -> bool {
        match self {
            Self::Float { mismatches, .. } => *mismatches == 0,
            Self::Labels { disagreements, .. } => *disagreements == 0,
            Self::Incomparable { .. } => false,
        }
    }
}

/// One output's name and comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedComparison {
    pub output: String,
    pub comparison: OutputComparison,
}

impl NamedComparison {
    /// `ok` or `FAIL`, as `lockstep parity` prints it and the page's parity view shows it.
    pub fn verdict(&self) -> &'static str {
        if self.comparison.passed() {
            "ok"
        } else {
            "FAIL"
        }
    }

    /// The comparison in one line (rows 1-based): the largest differences and how many
    /// values fall outside the tolerance, or how many labels agree, or why the outputs
    /// cannot be compared.
    pub fn detail(&self) -> String {
        match &self.comparison {
            OutputComparison::Float {
                max_abs_diff,
                max_rel_diff,
                mismatches,
                values,
                worst_row,
            } => format!(
                "max |diff| {max_abs_diff:e}, max rel {max_rel_diff:e}, {mismatches}/{values} outside tolerance{}",
                worst_row.map_or(String::new(), |r| format!(", worst row {}", r + 1))
            ),
            OutputComparison::Labels {
                disagreements,
                values,
                first_disagreement_row,
            } => format!(
                "labels agree on {}/{values}{}",
                values - disagreements,
                first_disagreement_row
                    .map_or(String::new(), |r| format!(", first flip at row {}", r + 1))
            ),
            OutputComparison::Incomparable { reason } => reason.clone(),
        }
    }
}

/// An engine failed while two were being compared.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the {engine} engine failed: {source}")]
pub struct EngineFailed {
    pub engine: String,
    pub source: EngineError,
}

/// Runs the same `inputs` through `candidate` and `reference` (any two [`Engine`]s:
/// core, ONNX Runtime, later the GPU) and compares their outputs
/// ([`compare_outputs`]).
pub fn compare_engines(
    candidate: &dyn Engine,
    reference: &dyn Engine,
    inputs: &[(&str, &Tensor)],
    tolerance: Tolerance,
) -> Result<Vec<NamedComparison>, EngineFailed> {
    let run = |engine: &dyn Engine| {
        engine.run(inputs).map_err(|source| EngineFailed {
            engine: engine.name().to_owned(),
            source,
        })
    };
    Ok(compare_outputs(
        &run(candidate)?,
        &run(reference)?,
        tolerance,
    ))
}

/// Compares `candidate` with `reference` output by output (matched by name).
pub fn compare_outputs(
    candidate: &[(String, Tensor)],
    reference: &[(String, Tensor)],
    tolerance: Tolerance,
) -> Vec<NamedComparison> {
    let mut result: Vec<NamedComparison> = reference
        .iter()
        .map(|(name, want)| {
            let comparison = match candidate.iter().find(|(n, _)| n == name) {
                None => OutputComparison::Incomparable {
                    reason: format!("output `{name}` is missing from the candidate"),
                },
                Some((_, got)) => compare_tensor(got, want, tolerance),
            };
            NamedComparison {
                output: name.clone(),
                comparison,
            }
        })
        .collect();
    for (name, _) in candidate {
        if !reference.iter().any(|(n, _)| n == name) {
            result.push(NamedComparison {
                output: name.clone(),
                comparison: OutputComparison::Incomparable {
                    reason: format!("output `{name}` is missing from the reference"),
                },
            });
        }
    }
    result
}

/// Compares two tensors of the same shape.
pub fn compare_tensor(got: &Tensor, want: &Tensor, tolerance: Tolerance) -> OutputComparison {
    if got.shape() != want.shape() {
        return OutputComparison::Incomparable {
            reason: format!("shapes differ: {:?} vs {:?}", got.shape(), want.shape()),
        };
    }
    let row_width = want.shape().iter().skip(1).product::<usize>().max(1);
    match (got.data(), want.data()) {
        (TensorData::F32(a), TensorData::F32(b)) => compare_floats(
            a.iter().map(|&x| f64::from(x)),
            b.iter().map(|&x| f64::from(x)),
            row_width,
            tolerance,
        ),
        (TensorData::F64(a), TensorData::F64(b)) => {
            compare_floats(a.iter().copied(), b.iter().copied(), row_width, tolerance)
        }
        (TensorData::I64(a), TensorData::I64(b)) => compare_labels(a, b, row_width),
        (TensorData::Str(a), TensorData::Str(b)) => compare_labels(a, b, row_width),
        (a, b) => OutputComparison::Incomparable {
            reason: format!("element types differ: {} vs {}", a.dtype(), b.dtype()),
        },
    }
}

fn compare_floats(
    got: impl Iterator<Item = f64>,
    want: impl Iterator<Item = f64>,
    row_width: usize,
    tolerance: Tolerance,
) -> OutputComparison {
    let (mut max_abs, mut max_rel, mut mismatches, mut values) = (0.0_f64, 0.0_f64, 0, 0);
    let mut worst_row = None;
    for (i, (x, y)) in got.zip(want).enumerate() {
        values += 1;
        // Equal values (the same infinity included) and NaN against NaN agree exactly;
        // anything else against an infinity or a NaN is an infinite difference, outside
        // every tolerance (`rtol·|inf|` must not excuse it).
        let same = x == y || (x.is_nan() && y.is_nan());
        let diff = if same {
            0.0
        } else if x.is_finite() && y.is_finite() {
            (x - y).abs()
        } else {
            f64::INFINITY
        };
        if diff > max_abs || (worst_row.is_none() && diff > 0.0) {
            max_abs = diff;
            worst_row = Some(i / row_width);
        }
        if y != 0.0 {
            max_rel = max_rel.max(diff / y.abs());
        }
        if diff.is_infinite() || diff > tolerance.atol + tolerance.rtol * y.abs() {
            mismatches += 1;
        }
    }
    OutputComparison::Float {
        max_abs_diff: max_abs,
        max_rel_diff: max_rel,
        mismatches,
        values,
        worst_row,
    }
}

fn compare_labels<T: PartialEq>(got: &[T], want: &[T], row_width: usize) -> OutputComparison {
    let mut disagreements = 0;
    let mut first = None;
    for (i, (x, y)) in got.iter().zip(want).enumerate() {
        if x != y {
            disagreements += 1;
            first.get_or_insert(i / row_width);
        }
    }
    OutputComparison::Labels {
        disagreements,
        values: want.len(),
        first_disagreement_row: first,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f32s(data: &[f32]) -> Tensor {
        Tensor::f32(vec![data.len() / 2, 2], data.to_vec()).unwrap()
    }

    #[test]
    fn an_infinity_agrees_only_with_itself_in_every_tolerance() {
        let wide = Tolerance {
            atol: 1.0,
            rtol: 1.0,
        };
        for tol in [
            Tolerance {
                atol: 0.0,
                rtol: 0.0,
            },
            wide,
        ] {
            let same = compare_tensor(
                &f32s(&[f32::INFINITY, f32::NEG_INFINITY]),
                &f32s(&[f32::INFINITY, f32::NEG_INFINITY]),
                tol,
            );
            assert!(same.passed(), "{same:?}");
            assert!(
                matches!(same, OutputComparison::Float { max_abs_diff, .. } if max_abs_diff == 0.0)
            );
            for got in [0.5, f32::NAN, f32::NEG_INFINITY] {
                let c = compare_tensor(&f32s(&[got, 0.0]), &f32s(&[f32::INFINITY, 0.0]), tol);
                assert!(!c.passed(), "{got} against inf: {c:?}");
            }
            let c = compare_tensor(&f32s(&[f32::INFINITY, 0.0]), &f32s(&[1.0, 0.0]), tol);
            assert!(!c.passed(), "{c:?}");
        }
    }

    #[test]
    fn floats_within_tolerance_pass_and_report_the_worst_row() {
        let tol = Tolerance {
            atol: 1e-3,
            rtol: 0.0,
        };
        let c = compare_tensor(
            &f32s(&[0.5, 0.5, 0.2, 0.8]),
            &f32s(&[0.5, 0.5, 0.2, 0.8005]),
            tol,
        );
        assert!(c.passed(), "{c:?}");
        let OutputComparison::Float {
            worst_row,
            max_abs_diff,
            ..
        } = c
        else {
            panic!()
        };
        assert_eq!(worst_row, Some(1));
        assert!(max_abs_diff > 4e-4 && max_abs_diff < 6e-4);
        let c = compare_tensor(
            &f32s(&[0.5, 0.5, 0.2, 0.9]),
            &f32s(&[0.5, 0.5, 0.2, 0.8]),
            tol,
        );
        assert!(!c.passed());
    }

    #[test]
    fn nan_agrees_only_with_nan() {
        let tol = Tolerance::default();
        assert!(compare_tensor(&f32s(&[f32::NAN, 1.0]), &f32s(&[f32::NAN, 1.0]), tol).passed());
        assert!(!compare_tensor(&f32s(&[f32::NAN, 1.0]), &f32s(&[0.0, 1.0]), tol).passed());
    }

    #[test]
    fn label_flips_are_counted() {
        let a = Tensor::i64(vec![4], vec![0, 1, 1, 0]).unwrap();
        let b = Tensor::i64(vec![4], vec![0, 1, 0, 1]).unwrap();
        let c = compare_tensor(&a, &b, Tolerance::default());
        assert_eq!(
            c,
            OutputComparison::Labels {
                disagreements: 2,
                values: 4,
                first_disagreement_row: Some(2)
            }
        );
    }

    #[test]
    fn missing_outputs_and_type_changes_are_incomparable() {
        let a = vec![("label".to_owned(), Tensor::i64(vec![1], vec![0]).unwrap())];
        let b = vec![("probabilities".to_owned(), f32s(&[0.5, 0.5]))];
        let result = compare_outputs(&a, &b, Tolerance::default());
        assert_eq!(result.len(), 2);
        assert!(result.iter().all(|r| !r.comparison.passed()));
    }
}
