//! `ai.onnx.ml` TreeEnsembleRegressor (opsets 1 and 3), and the accumulation and
//! finishing steps shared by all tree-ensemble ops.
//!
//! Scores are accumulated in f32, tree by tree in model order, and finished exactly as
//! ONNX Runtime's `TreeAggregator*::FinalizeScores` does.

use super::post_transform::{PostTransform, probit};
use super::tree_layout::{Forest, WeightAttrs};
use super::{BuildCtx, Op, Rows, ValueType, expect_inputs, numeric_input, rows_cols};
use crate::onnx::error::OpError;
use crate::onnx::tensor::{DType, Tensor, TensorData, element_count};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Aggregate {
    Sum,
    Average,
    Min,
    Max,
}

/// A tree-ensemble op in its two steps: the leaf sums ([`accumulate`], or the GPU
/// engine's kernel) and the finish (base values, averaging, post transform, labels),
/// which always runs on the CPU so that both engines finish the same sums the same way.
pub(crate) trait TreeOp {
    fn forest(&self) -> &Forest;
    fn aggregate(&self) -> Aggregate;
    /// Scores per row (targets or classes).
    fn width(&self) -> usize;
    /// The outputs from the leaf sums (`rows` x `width`) and which of them any leaf reached.
    fn finish(&self, rows: usize, scores: Vec<f32>, has: Vec<bool>)
    -> Result<Vec<Tensor>, OpError>;
}

/// A tree op's run on the CPU: leaf sums, then [`TreeOp::finish`].
pub(crate) fn run_trees(op: &dyn TreeOp, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
    expect_inputs(inputs, 1, 1)?;
    let forest = op.forest();
    let (x, rows, cols) = input_matrix(forest, inputs[0])?;
    let width = op.width();
    let len = element_count(&[rows, width])?;
    let mut scores = vec![0f32; len];
    let mut has = vec![false; len];
    accumulate(
        forest,
        op.aggregate(),
        (&x, rows, cols),
        width,
        &mut scores,
        &mut has,
    );
    op.finish(rows, scores, has)
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
    fn rows(&self, inputs: &[Rows], types: &[ValueType]) -> Rows {
        Rows::per_matrix_row(inputs, types)
    }

    fn infer(&self, inputs: &[ValueType]) -> Result<Vec<ValueType>, OpError> {
        expect_inputs(inputs, 1, 1)?;
        numeric_input(&inputs[0], 0)?;
        Ok(vec![ValueType::new(
            DType::F32,
            Some(vec![inputs[0].first_dim(), Some(self.n_targets)]),
        )])
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        run_trees(self, inputs)
    }

    #[cfg(feature = "gpu")]
    fn as_trees(&self) -> Option<&dyn TreeOp> {
        Some(self)
    }
}

impl TreeOp for TreeEnsembleRegressor {
    fn forest(&self) -> &Forest {
        &self.forest
    }

    fn aggregate(&self) -> Aggregate {
        self.aggregate
    }

    fn width(&self) -> usize {
        self.n_targets
    }

    fn finish(
        &self,
        rows: usize,
        mut scores: Vec<f32>,
        has: Vec<bool>,
    ) -> Result<Vec<Tensor>, OpError> {
        let t = self.n_targets;
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
