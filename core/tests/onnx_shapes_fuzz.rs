//! Every op, fed inputs of awkward shapes (scalars, empty dims, extra dims) through graph
//! inputs of unknown shape, must return a result or a named error — never panic.

// Test helpers outside #[test] fns are not covered by clippy's allow-unwrap-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lockstep_core::onnx::proto::{
    AttributeProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto, TypeProto,
    TypeProtoTensor, ValueInfoProto,
};
use lockstep_core::onnx::{Model, Tensor};
use prost::Message;

fn unshaped(name: &str, elem_type: i32) -> ValueInfoProto {
    ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            tensor_type: Some(TypeProtoTensor {
                elem_type,
                shape: None,
            }),
            denotation: String::new(),
        }),
        doc_string: String::new(),
    }
}

fn ints(name: &str, v: &[i64]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: 7,
        ints: v.to_vec(),
        ..Default::default()
    }
}
fn int(name: &str, i: i64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: 2,
        i,
        ..Default::default()
    }
}
fn floats(name: &str, v: &[f32]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: 6,
        floats: v.to_vec(),
        ..Default::default()
    }
}
fn strings(name: &str, v: &[&str]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: 8,
        strings: v.iter().map(|s| s.as_bytes().to_vec()).collect(),
        ..Default::default()
    }
}
fn tensor_attr(name: &str, t: TensorProto) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: 4,
        t: Some(t),
        ..Default::default()
    }
}

/// (op type, domain, element type of the second input if any, attributes, outputs)
type Case = (
    &'static str,
    &'static str,
    Option<i32>,
    Vec<AttributeProto>,
    usize,
);

fn cases() -> Vec<Case> {
    let tree = || {
        vec![
            ints("nodes_treeids", &[0, 0, 0]),
            ints("nodes_nodeids", &[0, 1, 2]),
            ints("nodes_featureids", &[1, 0, 0]),
            floats("nodes_values", &[0.5, 0.0, 0.0]),
            strings("nodes_modes", &["BRANCH_LEQ", "LEAF", "LEAF"]),
            ints("nodes_truenodeids", &[1, 0, 0]),
            ints("nodes_falsenodeids", &[2, 0, 0]),
        ]
    };
    let mut reg = tree();
    reg.extend([
        ints("target_treeids", &[0, 0]),
        ints("target_nodeids", &[1, 2]),
        ints("target_ids", &[0, 0]),
        floats("target_weights", &[1.0, 2.0]),
    ]);
    let mut clf = tree();
    clf.extend([
        ints("class_treeids", &[0, 0]),
        ints("class_nodeids", &[1, 2]),
        ints("class_ids", &[0, 0]),
        floats("class_weights", &[0.2, 0.9]),
        ints("classlabels_int64s", &[0, 1]),
    ]);
    let v5 = vec![
        int("n_targets", 1),
        ints("tree_roots", &[0]),
        ints("nodes_featureids", &[1]),
        tensor_attr(
            "nodes_splits",
            TensorProto {
                dims: vec![1],
                data_type: 1,
                float_data: vec![0.5],
                ..Default::default()
            },
        ),
        tensor_attr(
            "nodes_modes",
            TensorProto {
                dims: vec![1],
                data_type: 2,
                raw_data: vec![0],
                ..Default::default()
            },
        ),
        ints("nodes_truenodeids", &[0]),
        ints("nodes_trueleafs", &[1]),
        ints("nodes_falsenodeids", &[1]),
        ints("nodes_falseleafs", &[1]),
        ints("leaf_targetids", &[0, 0]),
        tensor_attr(
            "leaf_weights",
            TensorProto {
                dims: vec![2],
                data_type: 1,
                float_data: vec![1.0, 2.0],
                ..Default::default()
            },
        ),
    ];
    vec![
        ("Add", "", Some(1), vec![], 1),
        ("Sub", "", Some(1), vec![], 1),
        ("Mul", "", Some(1), vec![], 1),
        ("Div", "", Some(1), vec![], 1),
        ("MatMul", "", Some(1), vec![], 1),
        ("Gemm", "", Some(1), vec![int("transB", 1)], 1),
        ("Relu", "", None, vec![], 1),
        ("Sigmoid", "", None, vec![], 1),
        ("Tanh", "", None, vec![], 1),
        ("Softmax", "", None, vec![], 1),
        ("ArgMax", "", None, vec![int("axis", -1)], 1),
        ("Cast", "", None, vec![int("to", 7)], 1),
        ("Concat", "", Some(1), vec![int("axis", 0)], 1),
        ("Reshape", "", Some(7), vec![], 1),
        ("Flatten", "", None, vec![], 1),
        ("Identity", "", None, vec![], 1),
        (
            "Scaler",
            "ai.onnx.ml",
            None,
            vec![floats("offset", &[1.0, 2.0]), floats("scale", &[0.5, 0.25])],
            1,
        ),
        (
            "Normalizer",
            "ai.onnx.ml",
            None,
            vec![AttributeProto {
                name: "norm".into(),
                r#type: 3,
                s: b"L2".to_vec(),
                ..Default::default()
            }],
            1,
        ),
        (
            "Imputer",
            "ai.onnx.ml",
            None,
            vec![floats("imputed_value_floats", &[1.0, 2.0])],
            1,
        ),
        (
            "OneHotEncoder",
            "ai.onnx.ml",
            None,
            vec![ints("cats_int64s", &[0, 1, 2])],
            1,
        ),
        ("ArrayFeatureExtractor", "ai.onnx.ml", Some(7), vec![], 1),
        (
            "LinearClassifier",
            "ai.onnx.ml",
            None,
            vec![
                floats("coefficients", &[1.0, -1.0]),
                floats("intercepts", &[0.5]),
                ints("classlabels_ints", &[0, 1]),
            ],
            2,
        ),
        (
            "LinearRegressor",
            "ai.onnx.ml",
            None,
            vec![
                floats("coefficients", &[1.0, 2.0]),
                floats("intercepts", &[0.5]),
            ],
            1,
        ),
        ("TreeEnsembleRegressor", "ai.onnx.ml", None, reg, 1),
        ("TreeEnsembleClassifier", "ai.onnx.ml", None, clf, 2),
        ("TreeEnsemble", "ai.onnx.ml", None, v5, 1),
    ]
}

fn shapes() -> Vec<Vec<usize>> {
    vec![
        vec![],
        vec![0],
        vec![1],
        vec![2],
        vec![3, 0],
        vec![0, 2],
        vec![2, 2],
        vec![2, 3],
        vec![1, 1, 2],
        vec![2, 1, 3, 1],
    ]
}

fn make(shape: &[usize], elem: i32, seed: usize) -> Tensor {
    let n: usize = shape.iter().product();
    if elem == 7 {
        Tensor::i64(
            shape.to_vec(),
            (0..n).map(|i| ((i + seed) % 3) as i64 - 1).collect(),
        )
        .unwrap()
    } else {
        Tensor::f32(
            shape.to_vec(),
            (0..n)
                .map(|i| {
                    if (i + seed) % 5 == 4 {
                        f32::NAN
                    } else {
                        (i + seed) as f32 * 0.5 - 1.0
                    }
                })
                .collect(),
        )
        .unwrap()
    }
}

#[test]
fn awkward_shapes_never_panic() {
    let mut runs = 0;
    let mut oks = 0;
    for (op, domain, second, attrs, n_out) in cases() {
        let mut inputs = vec![unshaped("a", 1)];
        let mut names = vec!["a".to_string()];
        if let Some(elem) = second {
            inputs.push(unshaped("b", elem));
            names.push("b".into());
        }
        let outputs: Vec<String> = (0..n_out).map(|k| format!("y{k}")).collect();
        let bytes = ModelProto {
            ir_version: 10,
            opset_import: vec![
                OperatorSetIdProto {
                    domain: String::new(),
                    version: 17,
                },
                OperatorSetIdProto {
                    domain: "ai.onnx.ml".into(),
                    version: if op == "TreeEnsemble" { 5 } else { 3 },
                },
            ],
            graph: Some(GraphProto {
                node: vec![NodeProto {
                    input: names,
                    output: outputs.clone(),
                    name: op.into(),
                    op_type: op.into(),
                    domain: domain.into(),
                    attribute: attrs,
                    doc_string: String::new(),
                }],
                name: "g".into(),
                input: inputs,
                output: outputs.iter().map(|o| unshaped(o, 0)).collect(),
                ..Default::default()
            }),
            ..Default::default()
        }
        .encode_to_vec();
        let model = Model::from_bytes(&bytes).unwrap_or_else(|e| panic!("{op}: {e}"));
        for sa in shapes() {
            let a = make(&sa, 1, 0);
            let b_shapes = if second.is_some() {
                shapes()
            } else {
                vec![vec![]]
            };
            for sb in b_shapes {
                let b = make(&sb, second.unwrap_or(1), 1);
                let feeds: Vec<(&str, &Tensor)> = if second.is_some() {
                    vec![("a", &a), ("b", &b)]
                } else {
                    vec![("a", &a)]
                };
                runs += 1;
                if let Ok(out) = model.run(&feeds) {
                    oks += 1;
                    for (_, t) in &out {
                        assert_eq!(
                            t.len(),
                            t.shape().iter().product::<usize>(),
                            "{op} {sa:?} {sb:?}"
                        );
                    }
                }
            }
        }
    }
    assert!(runs > 500 && oks > 100, "{oks} of {runs} runs succeeded");
}
