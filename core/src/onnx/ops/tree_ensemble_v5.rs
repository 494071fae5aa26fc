//! `ai.onnx.ml` TreeEnsemble (opset 5): the same forest as the opset-3 ops, described by
//! separate node and leaf arrays, integer modes (including BRANCH_MEMBER with NaN-
//! separated value sets) and tensor-typed splits and weights. It is translated into the
//! shared [`Forest`] layout and finished like [`super::tree_ensemble`]'s regressor.

use super::post_transform::PostTransform;
use super::tree_ensemble::{Aggregate, TreeOp, finish_regression, run_trees};
use super::tree_layout::{Forest, Mode, Node, Weight};
use super::{BuildCtx, Op, Rows, ValueType, expect_inputs, numeric_input};
use crate::onnx::attrs::{Attrs, to_index};
use crate::onnx::error::OpError;
use crate::onnx::tensor::{DType, Tensor, TensorData};

#[derive(Debug)]
pub(crate) struct TreeEnsemble {
    forest: Forest,
    n_targets: usize,
    aggregate: Aggregate,
    post: PostTransform,
}

/// A float tensor attribute (float or double), read as f32.
fn float_tensor(a: &Attrs<'_>, name: &'static str) -> Result<Vec<f32>, OpError> {
    if a.tensor(name).is_none() {
        return Ok(Vec::new());
    }
    a.floats_or_tensor(name, name)
}

fn mode(code: i64) -> Result<Mode, OpError> {
    Ok(match code {
        0 => Mode::Leq,
        1 => Mode::Lt,
        2 => Mode::Gte,
        3 => Mode::Gt,
        4 => Mode::Eq,
        5 => Mode::Neq,
        6 => Mode::Member,
        other => {
            return Err(OpError::bad_attr(
                "nodes_modes",
                format!("unknown mode {other}"),
            ));
        }
    })
}

impl TreeEnsemble {
    pub(crate) fn build(ctx: &BuildCtx<'_>) -> Result<Self, OpError> {
        let a = &ctx.attrs;
        let n_targets = a.i64_or("n_targets", 0);
        let n_targets = usize::try_from(n_targets)
            .ok()
            .filter(|&n| (1..=1 << 20).contains(&n))
            .ok_or_else(|| {
                OpError::bad_attr("n_targets", format!("{n_targets} is outside 1..=1048576"))
            })?;
        let aggregate = match a.i64_or("aggregate_function", 1) {
            0 => Aggregate::Average,
            1 => Aggregate::Sum,
            2 => Aggregate::Min,
            3 => Aggregate::Max,
            other => {
                return Err(OpError::bad_attr(
                    "aggregate_function",
                    format!("unknown value {other}"),
                ));
            }
        };
        // The ONNX spec numbers SOFTMAX 1 and LOGISTIC 2, but ONNX Runtime 1.32 casts the
        // integer onto its own enum (NONE, LOGISTIC, SOFTMAX, ...), so 1 runs LOGISTIC and
        // 2 SOFTMAX. Models are validated against ONNX Runtime, so we follow it
        // (fixture v5_member_sets_logistic has post_transform = 2 and ORT applies softmax).
        let post = match a.i64_or("post_transform", 0) {
            0 => PostTransform::None,
            1 => PostTransform::Logistic,
            2 => PostTransform::Softmax,
            3 => PostTransform::SoftmaxZero,
            4 => PostTransform::Probit,
            other => {
                return Err(OpError::bad_attr(
                    "post_transform",
                    format!("unknown value {other}"),
                ));
            }
        };

        let features = a.ints("nodes_featureids");
        let n = features.len();
        let modes_t = a.tensor("nodes_modes").ok_or(OpError::MissingAttribute {
            name: "nodes_modes",
        })?;
        let modes: Vec<i64> = if modes_t.raw_data.is_empty() {
            modes_t.int32_data.iter().map(|&m| i64::from(m)).collect()
        } else {
            modes_t.raw_data.iter().map(|&m| i64::from(m)).collect()
        };
        let splits = float_tensor(a, "nodes_splits")?;
        let (trues, true_leafs) = (a.ints("nodes_truenodeids"), a.ints("nodes_trueleafs"));
        let (falses, false_leafs) = (a.ints("nodes_falsenodeids"), a.ints("nodes_falseleafs"));
        let missing = a.ints("nodes_missing_value_tracks_true");
        for (name, len) in [
            ("nodes_modes", modes.len()),
            ("nodes_splits", splits.len()),
            ("nodes_truenodeids", trues.len()),
            ("nodes_trueleafs", true_leafs.len()),
            ("nodes_falsenodeids", falses.len()),
            ("nodes_falseleafs", false_leafs.len()),
        ] {
            if len != n {
                return Err(OpError::bad_attr(
                    name,
                    format!("has {len} values, but nodes_featureids has {n}"),
                ));
            }
        }
        if !missing.is_empty() && missing.len() != n {
            return Err(OpError::bad_attr(
                "nodes_missing_value_tracks_true",
                format!("has {} values for {n} nodes", missing.len()),
            ));
        }
        let leaf_targets = a.ints("leaf_targetids");
        let leaf_weights = float_tensor(a, "leaf_weights")?;
        if leaf_targets.len() != leaf_weights.len() {
            return Err(OpError::bad_attr(
                "leaf_weights",
                format!(
                    "{} weights for {} leaf target ids",
                    leaf_weights.len(),
                    leaf_targets.len()
                ),
            ));
        }
        let n_leaves = leaf_weights.len();
        if n.saturating_add(n_leaves) >= u32::MAX as usize {
            return Err(OpError::bad_attr("nodes_featureids", "too many nodes"));
        }

        // Value sets of BRANCH_MEMBER nodes: NaN-separated, in node order.
        let members = float_tensor(a, "membership_values")?;
        let mut member_sets: Vec<Vec<f32>> =
            members.split(|v| v.is_nan()).map(<[f32]>::to_vec).collect();
        let mut next_set = 0u32;

        // Branch nodes keep their indices; leaf j becomes node n + j.
        let mut nodes = Vec::with_capacity(n + n_leaves);
        for i in 0..n {
            let m = mode(modes[i])?;
            let child = |ids: &[i64], leafs: &[i64], name: &'static str| -> Result<u32, OpError> {
                if leafs[i] != 0 {
                    Ok((n + to_index(name, ids[i], n_leaves)?) as u32)
                } else {
                    Ok(to_index(name, ids[i], n)? as u32)
                }
            };
            let set = if m == Mode::Member {
                next_set += 1;
                next_set - 1
            } else {
                0
            };
            nodes.push(Node {
                threshold: splits[i],
                feature: u32::try_from(features[i]).map_err(|_| {
                    OpError::bad_attr(
                        "nodes_featureids",
                        format!("feature id {} is invalid", features[i]),
                    )
                })?,
                true_next: child(trues, true_leafs, "nodes_truenodeids")?,
                false_next: child(falses, false_leafs, "nodes_falsenodeids")?,
                set,
                mode: m,
                missing_true: missing.get(i).is_some_and(|&v| v != 0),
            });
        }
        if (next_set as usize) > member_sets.len() {
            return Err(OpError::bad_attr(
                "membership_values",
                format!(
                    "{next_set} BRANCH_MEMBER nodes but {} value sets",
                    member_sets.len()
                ),
            ));
        }
        member_sets.truncate(next_set as usize);
        let mut weights = Vec::with_capacity(n_leaves);
        for j in 0..n_leaves {
            weights.push(Weight {
                target: to_index("leaf_targetids", leaf_targets[j], n_targets)? as u32,
                value: leaf_weights[j],
            });
            nodes.push(Node {
                threshold: 0.0,
                feature: 0,
                true_next: j as u32,
                false_next: j as u32 + 1,
                set: 0,
                mode: Mode::Leaf,
                missing_true: false,
            });
        }
        let roots = a
            .ints("tree_roots")
            .iter()
            .map(|&r| to_index("tree_roots", r, n).map(|r| r as u32))
            .collect::<Result<Vec<_>, _>>()?;
        if roots.is_empty() {
            return Err(OpError::MissingAttribute { name: "tree_roots" });
        }
        Ok(Self {
            forest: Forest::assemble(nodes, roots, weights, member_sets)?,
            n_targets,
            aggregate,
            post,
        })
    }
}

impl Op for TreeEnsemble {
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

impl TreeOp for TreeEnsemble {
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
        finish_regression(
            &mut scores,
            &has,
            self.n_targets,
            self.forest.n_trees(),
            self.aggregate,
            &[],
            self.post,
        );
        Ok(vec![Tensor::from_parts(
            vec![rows, self.n_targets],
            TensorData::F32(scores),
        )?])
    }
}
