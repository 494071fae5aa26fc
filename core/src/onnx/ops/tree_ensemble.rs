//! `ai.onnx.ml` TreeEnsembleClassifier and TreeEnsembleRegressor (opsets 1 and 3).
//!
//! Scores are accumulated in f32, tree by tree in model order, and finished exactly as
//! ONNX Runtime's `TreeAggregator*::FinalizeScores` does, including its binary special
//! cases: a classifier with two labels whose weights all target one class outputs
//! `[1 - p, p]` (all weights positive) or `[-s, s]` / logistic of both (mixed signs).

use super::post_transform::{PostTransform, logistic, probit};
use super::tree_layout::{Forest, WeightAttrs};
use super::{BuildCtx, Op, ValueType, expect_inputs, numeric_input, rows_cols};
use crate::onnx::error::OpError;
use crate::onnx::tensor::{DType, Tensor, TensorData, element_count};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Aggregate {
    Sum,
    Average,
    Min,
    Max,
}

#[derive(Debug)]
enum Labels {
    Ints(Vec<i64>),
    Strings(Vec<String>),
}

/// The input as an f32 matrix after checking its width against the trees.
pub(crate) fn input_matrix<'t>(
    forest: &Forest,
    x: &'t Tensor,
) -> Result<(std::borrow::Cow<'t, [f32]>, usize, usize), OpError> {
    let (rows, cols) = rows_cols(x);
    if cols < forest.min_features {
        return Err(OpError::shape(format!(
            "the trees read feature index {}, but the input has {cols} columns",
            forest.min_features - 1
        )));
    }
    let data = x.to_f32_cow().map_err(|found| OpError::InputType {
        index: 0,
        expected: "float32, float64 or int64".into(),
        found,
    })?;
    Ok((data, rows, cols))
}

/// Accumulates leaf weights into `scores`/`has` (`rows` x `width`).
pub(crate) fn accumulate(
    forest: &Forest,
    agg: Aggregate,
    (x, rows, cols): (&[f32], usize, usize),
    width: usize,
    scores: &mut [f32],
    has: &mut [bool],
) {
    forest.for_each_leaf(x, rows, cols, |r, w| {
        let k = r * width + w.target as usize;
        let (s, h) = (&mut scores[k], &mut has[k]);
        match agg {
            Aggregate::Sum | Aggregate::Average => *s += w.value,
            Aggregate::Min => {
                if !*h || w.value < *s {
                    *s = w.value;
                }
            }
            Aggregate::Max => {
                if !*h || w.value > *s {
                    *s = w.value;
                }
            }
        }
        *h = true;
    });
}

/// Base values, averaging and the post transform of a regression forest, in place, as
/// ONNX Runtime's `TreeAggregator*::FinalizeScores(1)` (one target: only PROBIT applies).
pub(crate) fn finish_regression(
    scores: &mut [f32],
    has: &[bool],
    t: usize,
    n_trees: usize,
    aggregate: Aggregate,
    base_values: &[f32],
    post: PostTransform,
) {
    let n_trees = n_trees as f32;
    if t == 1 {
        let origin = if base_values.len() == 1 {
            base_values[0]
        } else {
            0.0
        };
        for (s, &h) in scores.iter_mut().zip(has) {
            let v = match aggregate {
                Aggregate::Sum => *s + origin,
                Aggregate::Average => *s / n_trees + origin,
                Aggregate::Min | Aggregate::Max => {
                    if h {
                        *s + origin
                    } else {
                        origin
                    }
                }
            };
            *s = if post == PostTransform::Probit {
                probit(v)
            } else {
                v
            };
        }
    } else {
        let use_base = base_values.len() == t;
        for (row, hrow) in scores.chunks_exact_mut(t).zip(has.chunks_exact(t)) {
            for (j, (s, &h)) in row.iter_mut().zip(hrow).enumerate() {
                let base = if use_base { base_values[j] } else { 0.0 };
                *s = match aggregate {
                    Aggregate::Sum => {
                        if use_base {
                            *s + base
                        } else {
                            *s
                        }
                    }
                    Aggregate::Average => {
                        if use_base {
                            *s / n_trees + base
                        } else {
                            *s / n_trees
                        }
                    }
                    Aggregate::Min | Aggregate::Max => base + if h { *s } else { 0.0 },
                };
            }
            post.apply_row(row);
        }
    }
}

#[derive(Debug)]
pub(crate) struct TreeEnsembleRegressor {
    forest: Forest,
    n_targets: usize,
    aggregate: Aggregate,
    base_values: Vec<f32>,
    post: PostTransform,
}

impl TreeEnsembleRegressor {
    pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Self, OpError> {
        let a = &ctx.attrs;
        let n_targets = a.i64_or("n_targets", 1);
        let n_targets = usize::try_from(n_targets)
            .ok()
            .filter(|&n| (1..=1 << 20).contains(&n))
            .ok_or_else(|| {
                OpError::bad_attr("n_targets", format!("{n_targets} is outside 1..=1048576"))
            })?;
        let aggregate = match a.string_or("aggregate_function", "SUM")?.as_str() {
            "SUM" => Aggregate::Sum,
            "AVERAGE" => Aggregate::Average,
            "MIN" => Aggregate::Min,
            "MAX" => Aggregate::Max,
            other => {
                return Err(OpError::bad_attr(
                    "aggregate_function",
                    format!("unknown `{other}`"),
                ));
            }
        };
        let base_values = a.floats_or_tensor("base_values", "base_values_as_tensor")?;
        let names = WeightAttrs {
            tree_ids: "target_treeids",
            node_ids: "target_nodeids",
            ids: "target_ids",
            weights: "target_weights",
            weights_tensor: "target_weights_as_tensor",
        };
        Ok(Self {
            forest: Forest::build(a, &names, n_targets)?,
            n_targets,
            aggregate,
            base_values,
            post: PostTransform::parse(&a.string_or("post_transform", "NONE")?)?,
        })
    }
}

impl Op for TreeEnsembleRegressor {
    fn infer(&self, inputs: &[ValueType]) -> Result<Vec<ValueType>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        numeric_input(&inputs[0], 0)?;
        Ok(vec![ValueType::new(
            DType::F32,
            Some(vec![inputs[0].first_dim(), Some(self.n_targets)]),
        )])
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        let (x, rows, cols) = input_matrix(&self.forest, inputs[0])?;
        let t = self.n_targets;
        let len = element_count(&[rows, t])?;
        let mut scores = vec![0f32; len];
        let mut has = vec![false; len];
        accumulate(
            &self.forest,
            self.aggregate,
            (&x, rows, cols),
            t,
            &mut scores,
            &mut has,
        );
        finish_regression(
            &mut scores,
            &has,
            t,
            self.forest.n_trees(),
            self.aggregate,
            &self.base_values,
            self.post,
        );
        Ok(vec![Tensor::from_parts(
            vec![rows, t],
            TensorData::F32(scores),
        )?])
    }
}

#[derive(Debug)]
pub(crate) struct TreeEnsembleClassifier {
    forest: Forest,
    labels: Labels,
    n_classes: usize,
    base_values: Vec<f32>,
    post: PostTransform,
    /// Two labels and every weight on a single class id: the model carries only one score.
    binary_case: bool,
    weights_all_positive: bool,
}

impl TreeEnsembleClassifier {
    pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Self, OpError> {
        let a = &ctx.attrs;
        let ints = a.ints("classlabels_int64s");
        let strings = a.strings("classlabels_strings")?;
        let labels = match (ints.is_empty(), strings.is_empty()) {
            (false, true) => Labels::Ints(ints.to_vec()),
            (true, false) => Labels::Strings(strings),
            _ => {
                return Err(OpError::bad_attr(
                    "classlabels_int64s",
                    "exactly one of classlabels_int64s and classlabels_strings must be given",
                ));
            }
        };
        let n_classes = match &labels {
            Labels::Ints(v) => v.len(),
            Labels::Strings(v) => v.len(),
        };
        if n_classes < 2 {
            return Err(OpError::bad_attr(
                "classlabels_int64s",
                format!("{n_classes} class label(s); at least 2 are needed"),
            ));
        }
        let base_values = a.floats_or_tensor("base_values", "base_values_as_tensor")?;
        if base_values.len() > n_classes {
            return Err(OpError::bad_attr(
                "base_values",
                format!("{} values for {n_classes} classes", base_values.len()),
            ));
        }
        let names = WeightAttrs {
            tree_ids: "class_treeids",
            node_ids: "class_nodeids",
            ids: "class_ids",
            weights: "class_weights",
            weights_tensor: "class_weights_as_tensor",
        };
        let forest = Forest::build(a, &names, n_classes)?;
        let ws = forest.weights();
        let single_class = ws
            .iter()
            .all(|w| ws.first().is_some_and(|f| f.target == w.target));
        let binary_case = n_classes == 2 && single_class && !ws.is_empty();
        let weights_all_positive = ws.iter().all(|w| w.value >= 0.0);
        Ok(Self {
            forest,
            labels,
            n_classes,
            base_values,
            post: PostTransform::parse(&a.string_or("post_transform", "NONE")?)?,
            binary_case,
            weights_all_positive,
        })
    }

    /// Finishes one row with two classes; returns the winning class index.
    fn finish_binary(&self, p: &mut [f32], h: &mut [bool]) -> usize {
        let mut two = true; // whether both scores go through the post transform
        let mut extra: i32 = -1; // ONNX Runtime's `add_second_class`
        match self.base_values.len() {
            2 => {
                if h[1] {
                    p[1] = self.base_values[1] + p[0];
                    p[0] = -p[1];
                } else {
                    p[1] += self.base_values[1];
                    p[0] += self.base_values[0];
                }
            }
            1 => {
                p[0] += self.base_values[0];
                two = h[1];
            }
            _ => {
                extra = 3;
                two = h[1];
            }
        }
        let pos = if two && h[1] {
            p[1]
        } else if h[0] {
            p[0]
        } else {
            0.0
        };
        let winner = if self.binary_case {
            let (e, w) = match (
                self.weights_all_positive,
                self.weights_all_positive && pos > 0.5 || !self.weights_all_positive && pos > 0.0,
            ) {
                (true, true) => (0, 1),
                (true, false) => (1, 0),
                (false, true) => (2, 1),
                (false, false) => (3, 0),
            };
            extra = e;
            w
        } else {
            usize::from(pos > 0.0)
        };
        if two {
            self.post.apply_row(p);
        } else {
            let s = p[0];
            let (a, b) = if self.post == PostTransform::Probit {
                (probit(s), 0.0)
            } else {
                match (extra, self.post) {
                    (0 | 1, _) => (1.0 - s, s),
                    (2 | 3, PostTransform::Logistic) => (logistic(-s), logistic(s)),
                    // ORT 1.32 writes [-s, s] whichever class won (checked by the
                    // synth_tree_binary_mixed_none fixture).
                    (2 | 3, _) => (-s, s),
                    _ => (s, 0.0),
                }
            };
            p[0] = a;
            p[1] = b;
        }
        winner
    }
}

impl Op for TreeEnsembleClassifier {
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
            ValueType::new(DType::F32, Some(vec![n, Some(self.n_classes)])),
        ])
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        let (x, rows, cols) = input_matrix(&self.forest, inputs[0])?;
        let c = self.n_classes;
        let len = element_count(&[rows, c])?;
        let mut scores = vec![0f32; len];
        let mut has = vec![false; len];
        accumulate(
            &self.forest,
            Aggregate::Sum,
            (&x, rows, cols),
            c,
            &mut scores,
            &mut has,
        );
        let mut winners = Vec::with_capacity(rows);
        for (row, hrow) in scores.chunks_exact_mut(c).zip(has.chunks_exact_mut(c)) {
            if c > 2 {
                for (k, &b) in self.base_values.iter().enumerate() {
                    row[k] = if hrow[k] { row[k] + b } else { b };
                    hrow[k] = true;
                }
                let mut best: Option<usize> = None;
                for k in 0..c {
                    if hrow[k] && best.is_none_or(|b| row[k] > row[b]) {
                        best = Some(k);
                    }
                }
                winners.push(best.unwrap_or(0));
                self.post.apply_row(row);
            } else {
                winners.push(self.finish_binary(row, hrow));
            }
        }
        let label = match &self.labels {
            Labels::Ints(v) => TensorData::I64(winners.iter().map(|&w| v[w]).collect()),
            Labels::Strings(v) => TensorData::Str(winners.iter().map(|&w| v[w].clone()).collect()),
        };
        Ok(vec![
            Tensor::from_parts(vec![rows], label)?,
            Tensor::from_parts(vec![rows, c], TensorData::F32(scores))?,
        ])
    }
}
