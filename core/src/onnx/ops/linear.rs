//! `ai.onnx.ml` LinearClassifier and LinearRegressor.
//!
//! Scores are `x · coefficientsᵀ + intercepts`, accumulated in f32 in feature order.
//! ONNX Runtime's quirks are reproduced: a classifier with one coefficient row and two
//! labels outputs `[1 - s, s]` with no post transform applied to `s` (the exporter is
//! expected to have put probabilities there), and with one score only PROBIT is applied.

use super::post_transform::{PostTransform, probit};
use super::{BuildCtx, Op, Rows, ValueType, expect_inputs, numeric_input, rows_cols};
use crate::onnx::error::OpError;
use crate::onnx::tensor::{DType, Tensor, TensorData, element_count};

/// Row-by-row scores `[rows, targets]`.
fn scores(
    x: &Tensor,
    coefficients: &[f32],
    intercepts: &[f32],
    targets: usize,
) -> Result<(Vec<f32>, usize), OpError> {
    let (rows, cols) = rows_cols(x);
    check_width(coefficients, targets, cols)?;
    let x = x.to_f32_cow().map_err(|found| OpError::InputType {
        index: 0,
        expected: "float32, float64 or int64".into(),
        found,
    })?;
    let mut out = vec![0f32; element_count(&[rows, targets])?];
    for (row, o) in x
        .chunks_exact(cols.max(1))
        .zip(out.chunks_exact_mut(targets))
    {
        for (t, v) in o.iter_mut().enumerate() {
            let w = &coefficients[t * cols..(t + 1) * cols];
            let dot = row.iter().zip(w).fold(0f32, |acc, (a, b)| acc + a * b);
            *v = dot + intercepts.get(t).copied().unwrap_or(0.0);
        }
    }
    Ok((out, rows))
}

/// The coefficients' count checked against the input's width.
fn check_width(coefficients: &[f32], targets: usize, cols: usize) -> Result<(), OpError> {
    if coefficients.len() != targets.saturating_mul(cols) {
        return Err(OpError::shape(format!(
            "the input has {cols} features, but the {} coefficients are for {targets} target(s) of {} features",
            coefficients.len(),
            coefficients.len() / targets.max(1)
        )));
    }
    Ok(())
}

/// A linear model whose scores the GPU engine computes (`gpu::linear`): the scores are
/// `x · coefficients[t]ᵀ + intercepts[t]` accumulated from 0 in feature order, and
/// [`LinearOp::finish`] turns them into the op's outputs on the CPU.
#[cfg(feature = "gpu")]
pub(crate) trait LinearOp: std::fmt::Debug + Sync {
    /// Row-major `[targets, cols]`.
    fn coefficients(&self) -> &[f32];
    /// One per target (zeros when the model has none).
    fn intercepts(&self) -> Vec<f32>;
    fn targets(&self) -> usize;
    /// The input's width checked as the CPU op checks it.
    fn check_width(&self, cols: usize) -> Result<(), OpError> {
        check_width(self.coefficients(), self.targets(), cols)
    }
    /// The outputs from the raw scores (`rows × targets`).
    fn finish(&self, raw: Vec<f32>, rows: usize) -> Result<Vec<Tensor>, OpError>;
}

#[cfg(feature = "gpu")]
impl LinearOp for LinearClassifier {
    fn coefficients(&self) -> &[f32] {
        &self.coefficients
    }
    fn intercepts(&self) -> Vec<f32> {
        self.intercepts.clone()
    }
    fn targets(&self) -> usize {
        self.intercepts.len()
    }
    fn finish(&self, raw: Vec<f32>, rows: usize) -> Result<Vec<Tensor>, OpError> {
        LinearClassifier::finish(self, raw, rows)
    }
}

#[cfg(feature = "gpu")]
impl LinearOp for LinearRegressor {
    fn coefficients(&self) -> &[f32] {
        &self.coefficients
    }
    fn intercepts(&self) -> Vec<f32> {
        (0..self.targets)
            .map(|t| self.intercepts.get(t).copied().unwrap_or(0.0))
            .collect()
    }
    fn targets(&self) -> usize {
        self.targets
    }
    fn finish(&self, raw: Vec<f32>, rows: usize) -> Result<Vec<Tensor>, OpError> {
        LinearRegressor::finish(self, raw, rows)
    }
}

#[derive(Debug)]
enum Labels {
    Ints(Vec<i64>),
    Strings(Vec<String>),
}

#[derive(Debug)]
pub(crate) struct LinearClassifier {
    coefficients: Vec<f32>,
    intercepts: Vec<f32>,
    labels: Labels,
    post: PostTransform,
}

impl LinearClassifier {
    pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Self, OpError> {
        let a = &ctx.attrs;
        let coefficients = a.floats("coefficients").to_vec();
        if coefficients.is_empty() {
            return Err(OpError::MissingAttribute {
                name: "coefficients",
            });
        }
        let intercepts = a.floats("intercepts").to_vec();
        if intercepts.is_empty() {
            return Err(OpError::MissingAttribute { name: "intercepts" });
        }
        let ints = a.ints("classlabels_ints");
        let strings = a.strings("classlabels_strings")?;
        let labels = if strings.is_empty() {
            Labels::Ints(ints.to_vec())
        } else {
            Labels::Strings(strings)
        };
        let n_labels = match &labels {
            Labels::Ints(v) => v.len(),
            Labels::Strings(v) => v.len(),
        };
        if intercepts.len() > 1 && n_labels < intercepts.len() {
            return Err(OpError::bad_attr(
                "classlabels_ints",
                format!(
                    "{n_labels} class labels for {} score rows",
                    intercepts.len()
                ),
            ));
        }
        if !coefficients.len().is_multiple_of(intercepts.len()) {
            return Err(OpError::bad_attr(
                "coefficients",
                format!(
                    "{} coefficients do not split into {} rows",
                    coefficients.len(),
                    intercepts.len()
                ),
            ));
        }
        Ok(Self {
            coefficients,
            intercepts,
            labels,
            post: PostTransform::parse(&a.string_or("post_transform", "NONE")?)?,
        })
    }

    fn n_labels(&self) -> usize {
        match &self.labels {
            Labels::Ints(v) => v.len(),
            Labels::Strings(v) => v.len(),
        }
    }

    fn output_width(&self) -> usize {
        if self.intercepts.len() == 1 && self.n_labels() == 2 {
            2
        } else {
            self.intercepts.len()
        }
    }

    /// The label for class index `k`, or for the binary "positive/negative" case.
    fn label_data(&self, winners: &[usize], binary_default: bool) -> TensorData {
        match &self.labels {
            Labels::Ints(v) => TensorData::I64(
                winners
                    .iter()
                    .map(|&w| if binary_default { w as i64 } else { v[w] })
                    .collect(),
            ),
            Labels::Strings(v) => TensorData::Str(
                winners
                    .iter()
                    .map(|&w| {
                        if binary_default {
                            w.to_string()
                        } else {
                            v[w].clone()
                        }
                    })
                    .collect(),
            ),
        }
    }
}

impl Op for LinearClassifier {
    #[cfg(feature = "gpu")]
    fn as_gpu(&self) -> Option<super::GpuOp<'_>> {
        Some(super::GpuOp::Linear(self))
    }

    fn rows(&self, inputs: &[Rows], types: &[ValueType]) -> Rows {
        Rows::per_matrix_row(inputs, types)
    }

    fn infer(&self, inputs: &[ValueType]) -> Result<Vec<ValueType>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        numeric_input(&inputs[0], 0)?;
        let n = inputs[0].first_dim();
        let label = match self.labels {
            Labels::Ints(_) => DType::I64,
            Labels::Strings(_) => DType::Str,
        };
        Ok(vec![
            ValueType::new(label, Some(vec![n])),
            ValueType::new(DType::F32, Some(vec![n, Some(self.output_width())])),
        ])
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        let targets = self.intercepts.len();
        let (raw, rows) = scores(inputs[0], &self.coefficients, &self.intercepts, targets)?;
        self.finish(raw, rows)
    }
}

impl LinearClassifier {
    /// Labels and probabilities from the raw scores.
    fn finish(&self, raw: Vec<f32>, rows: usize) -> Result<Vec<Tensor>, OpError> {
        let targets = self.intercepts.len();
        if targets == 1 {
            let two_labels = self.n_labels() == 2;
            let winners: Vec<usize> = raw.iter().map(|&s| usize::from(s > 0.0)).collect();
            let labels = self.label_data(&winners, !two_labels);
            let probs = if two_labels {
                let mut out = Vec::with_capacity(element_count(&[rows, 2])?);
                for &s in &raw {
                    if self.post == PostTransform::Probit {
                        out.extend([probit(s), 0.0]);
                    } else {
                        out.extend([1.0 - s, s]);
                    }
                }
                out
            } else if self.post == PostTransform::Probit {
                raw.iter().map(|&s| probit(s)).collect()
            } else {
                raw
            };
            let width = self.output_width();
            return Ok(vec![
                Tensor::from_parts(vec![rows], labels)?,
                Tensor::from_parts(vec![rows, width], TensorData::F32(probs))?,
            ]);
        }
        let mut probs = raw;
        let mut winners = Vec::with_capacity(rows);
        for row in probs.chunks_exact_mut(targets) {
            let mut best = 0;
            for k in 1..targets {
                if row[k] > row[best] {
                    best = k;
                }
            }
            winners.push(best);
            self.post.apply_row(row);
        }
        Ok(vec![
            Tensor::from_parts(vec![rows], self.label_data(&winners, false))?,
            Tensor::from_parts(vec![rows, targets], TensorData::F32(probs))?,
        ])
    }
}

#[derive(Debug)]
pub(crate) struct LinearRegressor {
    coefficients: Vec<f32>,
    intercepts: Vec<f32>,
    targets: usize,
    post: PostTransform,
}

impl LinearRegressor {
    pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Self, OpError> {
        let a = &ctx.attrs;
        let targets = a.i64_or("targets", 1);
        let coefficients = a.floats("coefficients").to_vec();
        let targets = usize::try_from(targets)
            .ok()
            .filter(|&t| t >= 1 && t <= coefficients.len().max(1))
            .ok_or_else(|| {
                OpError::bad_attr(
                    "targets",
                    format!("{targets} targets for {} coefficients", coefficients.len()),
                )
            })?;
        let intercepts = a.floats("intercepts").to_vec();
        if !intercepts.is_empty() && intercepts.len() != targets {
            return Err(OpError::bad_attr(
                "intercepts",
                format!("{} intercepts for {targets} targets", intercepts.len()),
            ));
        }
        Ok(Self {
            coefficients,
            intercepts,
            targets,
            post: PostTransform::parse(&a.string_or("post_transform", "NONE")?)?,
        })
    }
}

impl Op for LinearRegressor {
    #[cfg(feature = "gpu")]
    fn as_gpu(&self) -> Option<super::GpuOp<'_>> {
        Some(super::GpuOp::Linear(self))
    }

    fn rows(&self, inputs: &[Rows], types: &[ValueType]) -> Rows {
        Rows::per_matrix_row(inputs, types)
    }

    fn infer(&self, inputs: &[ValueType]) -> Result<Vec<ValueType>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        numeric_input(&inputs[0], 0)?;
        Ok(vec![ValueType::new(
            DType::F32,
            Some(vec![inputs[0].first_dim(), Some(self.targets)]),
        )])
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        let (out, rows) = scores(
            inputs[0],
            &self.coefficients,
            &self.intercepts,
            self.targets,
        )?;
        self.finish(out, rows)
    }
}

impl LinearRegressor {
    /// The post transform applied to the raw scores.
    fn finish(&self, mut out: Vec<f32>, rows: usize) -> Result<Vec<Tensor>, OpError> {
        if self.targets == 1 {
            if self.post == PostTransform::Probit {
                out.iter_mut().for_each(|v| *v = probit(*v));
            }
        } else {
            out.chunks_exact_mut(self.targets)
                .for_each(|row| self.post.apply_row(row));
        }
        Ok(vec![Tensor::from_parts(
            vec![rows, self.targets],
            TensorData::F32(out),
        )?])
    }
}
