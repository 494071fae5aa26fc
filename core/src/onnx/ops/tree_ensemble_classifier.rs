//! `ai.onnx.ml` TreeEnsembleClassifier (opsets 1 and 3).
//!
//! Class scores are accumulated like the regressor's (f32, trees in model order) and
//! finished as ONNX Runtime's `TreeAggregatorClassifier` does, including its binary special
//! cases: with two labels and every weight on one class id, the model carries one score
//! and the output is `[1 - p, p]` (all weights positive), or `[-s, s]` / the logistic of
//! both (mixed signs).

use super::post_transform::{PostTransform, logistic, probit};
use super::tree_ensemble::{Aggregate, TreeOp, run_trees};
use super::tree_layout::{Forest, WeightAttrs};
use super::{BuildCtx, Op, Rows, ValueType, expect_inputs, numeric_input};
use crate::onnx::error::OpError;
use crate::onnx::tensor::{DType, Tensor, TensorData};

#[derive(Debug)]
enum Labels {
    Ints(Vec<i64>),
    Strings(Vec<String>),
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
            // Two labels, both class ids scored: ORT 1.32 answers the literal label 1 or
            // 0 (`positive_label_`/`negative_label_`) by `pos > 0`, even when the labels
            // are e.g. [3, 9]. We keep its decision rule but return the class label at
            // that index, so the output is always one of the model's labels; the two
            // agree whenever the labels are [0, 1] (all scikit-learn/XGBoost/LightGBM
            // exports, and fixture synth_tree_binary_two_ids_logistic).
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
            ValueType::new(DType::F32, Some(vec![n, Some(self.n_classes)])),
        ])
    }

    fn run(&self, inputs: &[&Tensor]) -> Result<Vec<Tensor>, OpError> {
        run_trees(self, inputs)
    }

    #[cfg(feature = "gpu")]
    fn as_trees(&self) -> Option<&dyn TreeOp> {
        Some(self)
    }
}

impl TreeOp for TreeEnsembleClassifier {
    fn forest(&self) -> &Forest {
        &self.forest
    }

    fn aggregate(&self) -> Aggregate {
        Aggregate::Sum
    }

    fn width(&self) -> usize {
        self.n_classes
    }

    fn finish(
        &self,
        rows: usize,
        mut scores: Vec<f32>,
        mut has: Vec<bool>,
    ) -> Result<Vec<Tensor>, OpError> {
        let c = self.n_classes;
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
