//! Bad models and bad inputs: each must give a named error, never a panic, and nothing
//! may allocate more than the limits before the sizes are checked.

// Test helpers outside #[test] fns are not covered by clippy's allow-unwrap-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use lockstep_core::onnx::proto::{
    AttributeProto, Dimension, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto,
    TensorShapeProto, TypeProto, TypeProtoTensor, ValueInfoProto,
};
use lockstep_core::onnx::{DType, Model, OnnxError, Tensor, TensorData};
use prost::Message;

fn fixture(name: &str) -> Vec<u8> {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/onnx");
    std::fs::read(dir.join(name)).unwrap()
}

fn value(name: &str, elem_type: i32, dims: &[Option<i64>]) -> ValueInfoProto {
    ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            tensor_type: Some(TypeProtoTensor {
                elem_type,
                shape: Some(TensorShapeProto {
                    dim: dims
                        .iter()
                        .map(|d| Dimension {
                            dim_value: *d,
                            dim_param: None,
                            denotation: String::new(),
                        })
                        .collect(),
                }),
            }),
            denotation: String::new(),
        }),
        doc_string: String::new(),
    }
}

fn node(
    op_type: &str,
    domain: &str,
    name: &str,
    inputs: &[&str],
    outputs: &[&str],
    attribute: Vec<AttributeProto>,
) -> NodeProto {
    NodeProto {
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: outputs.iter().map(|s| s.to_string()).collect(),
        name: name.into(),
        op_type: op_type.into(),
        domain: domain.into(),
        attribute,
        doc_string: String::new(),
    }
}

fn attr_i(name: &str, i: i64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: 2,
        i,
        ..Default::default()
    }
}

fn attr_ints(name: &str, ints: &[i64]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: 7,
        ints: ints.to_vec(),
        ..Default::default()
    }
}

fn attr_floats(name: &str, floats: &[f32]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: 6,
        floats: floats.to_vec(),
        ..Default::default()
    }
}

fn attr_strings(name: &str, strings: &[&str]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: 8,
        strings: strings.iter().map(|s| s.as_bytes().to_vec()).collect(),
        ..Default::default()
    }
}

/// A model with one float input `x` [N, width] and the given nodes, initializers and outputs.
fn model(
    nodes: Vec<NodeProto>,
    initializer: Vec<TensorProto>,
    width: i64,
    outputs: &[&str],
) -> Vec<u8> {
    ModelProto {
        ir_version: 8,
        opset_import: vec![
            OperatorSetIdProto {
                domain: String::new(),
                version: 17,
            },
            OperatorSetIdProto {
                domain: "ai.onnx.ml".into(),
                version: 3,
            },
        ],
        graph: Some(GraphProto {
            node: nodes,
            name: "g".into(),
            initializer,
            input: vec![value("x", 1, &[None, Some(width)])],
            output: outputs.iter().map(|o| value(o, 1, &[None])).collect(),
            ..Default::default()
        }),
        ..Default::default()
    }
    .encode_to_vec()
}

fn load_err(bytes: &[u8]) -> OnnxError {
    Model::from_bytes(bytes).expect_err("the model should be rejected")
}

#[test]
fn empty_bytes_have_no_graph() {
    assert_eq!(load_err(&[]), OnnxError::NoGraph);
}

#[test]
fn every_truncation_of_a_real_model_is_an_error_not_a_panic() {
    let bytes = fixture("gb_multiclass_iris.onnx");
    let mut decode_errors = 0;
    for len in (1..bytes.len()).step_by(13) {
        if let Err(e) = Model::from_bytes(&bytes[..len]) {
            decode_errors += usize::from(matches!(e, OnnxError::Decode { .. }));
            assert!(!e.to_string().is_empty());
        }
    }
    assert!(
        decode_errors > 0,
        "no truncation was reported as a decode error"
    );
    let half = load_err(&bytes[..bytes.len() / 2]);
    assert!(
        matches!(half, OnnxError::Decode { len, .. } if len == bytes.len() / 2),
        "{half}"
    );
}

#[test]
fn corrupted_bytes_never_panic_at_load_or_run() {
    let original = fixture("rf_multiclass_iris.onnx");
    let x = Tensor::f32(vec![2, 4], vec![5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3]).unwrap();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut rejected = 0;
    for _ in 0..400 {
        let mut bytes = original.clone();
        for _ in 0..3 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let pos = (state % bytes.len() as u64) as usize;
            bytes[pos] ^= (state >> 32) as u8 | 1;
        }
        match Model::from_bytes(&bytes) {
            Ok(m) => {
                let _ = m.run(&[("input", &x)]);
            }
            Err(_) => rejected += 1,
        }
    }
    assert!(rejected > 0);
}

#[test]
fn unsupported_op_names_op_domain_opset_and_node() {
    let bytes = model(
        vec![node(
            "SVMClassifier",
            "ai.onnx.ml",
            "svm_node",
            &["x"],
            &["y"],
            vec![],
        )],
        vec![],
        4,
        &["y"],
    );
    let err = load_err(&bytes);
    match &err {
        OnnxError::UnsupportedOp {
            op_type,
            domain,
            opset,
            node,
            ..
        } => {
            assert_eq!(
                (op_type.as_str(), domain.as_str(), *opset, node.as_str()),
                ("SVMClassifier", "ai.onnx.ml", 3, "svm_node")
            );
        }
        other => panic!("unexpected error {other}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("SVMClassifier") && msg.contains("svm_node") && msg.contains("opset 3"),
        "{msg}"
    );
    assert!(
        msg.contains("ai.onnx.ml:TreeEnsembleClassifier"),
        "the message lists supported ops: {msg}"
    );
}

#[test]
fn zipmap_is_refused_with_a_hint() {
    let err = load_err(&fixture("zipmap_logreg_iris.onnx"));
    assert!(matches!(err, OnnxError::ZipMap { .. }), "{err}");
    assert!(err.to_string().contains("'zipmap': False"), "{err}");
}

#[test]
fn a_cycle_is_a_named_error() {
    let nodes = vec![
        node("Relu", "", "first", &["x", "b"], &["a"], vec![]),
        node("Relu", "", "second", &["a"], &["b"], vec![]),
    ];
    let err = load_err(&model(nodes, vec![], 4, &["b"]));
    assert!(
        matches!(&err, OnnxError::Cycle { node, op_type } if op_type == "Relu" && (node == "first" || node == "second")),
        "{err}"
    );
}

#[test]
fn missing_value_and_unknown_output_are_named() {
    let err = load_err(&model(
        vec![node("Relu", "", "r", &["nope"], &["y"], vec![])],
        vec![],
        4,
        &["y"],
    ));
    assert!(
        matches!(&err, OnnxError::UnknownValue { name, node, .. } if name == "nope" && node == "r"),
        "{err}"
    );
    let err = load_err(&model(
        vec![node("Relu", "", "r", &["x"], &["y"], vec![])],
        vec![],
        4,
        &["z"],
    ));
    assert_eq!(err, OnnxError::UnknownOutput { name: "z".into() });
}

#[test]
fn huge_dimensions_are_rejected_before_allocating() {
    let huge = TensorProto {
        name: "w".into(),
        dims: vec![1 << 40],
        data_type: 1,
        ..Default::default()
    };
    let err = load_err(&model(
        vec![node("Add", "", "add", &["x", "w"], &["y"], vec![])],
        vec![huge],
        4,
        &["y"],
    ));
    assert!(
        matches!(&err, OnnxError::BadDimension { value, .. } if *value == 1 << 40),
        "{err}"
    );

    let too_many = TensorProto {
        name: "w".into(),
        dims: vec![1 << 20, 1 << 20],
        data_type: 1,
        ..Default::default()
    };
    let err = load_err(&model(
        vec![node("Add", "", "add", &["x", "w"], &["y"], vec![])],
        vec![too_many],
        4,
        &["y"],
    ));
    assert!(matches!(err, OnnxError::TooLarge { .. }), "{err}");

    let negative = TensorProto {
        name: "w".into(),
        dims: vec![-3],
        data_type: 1,
        ..Default::default()
    };
    let err = load_err(&model(
        vec![node("Add", "", "add", &["x", "w"], &["y"], vec![])],
        vec![negative],
        4,
        &["y"],
    ));
    assert!(
        matches!(err, OnnxError::BadDimension { value: -3, .. }),
        "{err}"
    );

    let err = load_err(&model(
        vec![node("Relu", "", "r", &["x"], &["y"], vec![])],
        vec![],
        1 << 40,
        &["y"],
    ));
    assert!(
        matches!(&err, OnnxError::BadDimension { context, .. } if context.contains("graph input `x`")),
        "{err}"
    );
}

#[test]
fn initializer_data_must_match_its_dims() {
    let short = TensorProto {
        name: "w".into(),
        dims: vec![4],
        data_type: 1,
        raw_data: vec![0; 12],
        ..Default::default()
    };
    let err = load_err(&model(
        vec![node("Add", "", "add", &["x", "w"], &["y"], vec![])],
        vec![short],
        4,
        &["y"],
    ));
    assert!(
        matches!(&err, OnnxError::BadInitializer { name, message } if name == "w" && message.contains("12 bytes")),
        "{err}"
    );

    let external = TensorProto {
        name: "w".into(),
        dims: vec![4],
        data_type: 1,
        data_location: 1,
        ..Default::default()
    };
    let err = load_err(&model(
        vec![node("Add", "", "add", &["x", "w"], &["y"], vec![])],
        vec![external],
        4,
        &["y"],
    ));
    assert!(err.to_string().contains("externally"), "{err}");
}

#[test]
fn reshape_to_a_huge_shape_fails_at_run_without_allocating() {
    let shape = TensorProto {
        name: "s".into(),
        dims: vec![2],
        data_type: 7,
        int64_data: vec![1 << 40, 1 << 40],
        ..Default::default()
    };
    let m = Model::from_bytes(&model(
        vec![node("Reshape", "", "reshape", &["x", "s"], &["y"], vec![])],
        vec![shape],
        4,
        &["y"],
    ))
    .unwrap();
    let err = m.run_f32_matrix(vec![0.0; 8], 2, 4).unwrap_err();
    assert!(
        matches!(&err, OnnxError::Node { node, op_type, .. } if node == "reshape" && op_type == "Reshape"),
        "{err}"
    );
}

#[test]
fn tree_with_a_cyclic_node_reference_is_rejected() {
    let attrs = vec![
        attr_ints("nodes_treeids", &[0, 0, 0]),
        attr_ints("nodes_nodeids", &[0, 1, 2]),
        attr_ints("nodes_featureids", &[0, 1, 0]),
        attr_floats("nodes_values", &[0.5, 0.5, 0.0]),
        attr_strings("nodes_modes", &["BRANCH_LEQ", "BRANCH_LEQ", "LEAF"]),
        attr_ints("nodes_truenodeids", &[1, 0, 0]),
        attr_ints("nodes_falsenodeids", &[2, 2, 0]),
        attr_ints("target_treeids", &[0]),
        attr_ints("target_nodeids", &[2]),
        attr_ints("target_ids", &[0]),
        attr_floats("target_weights", &[1.0]),
    ];
    let bytes = model(
        vec![node(
            "TreeEnsembleRegressor",
            "ai.onnx.ml",
            "trees",
            &["x"],
            &["y"],
            attrs,
        )],
        vec![],
        2,
        &["y"],
    );
    let err = load_err(&bytes);
    assert!(err.to_string().contains("twice"), "{err}");
    assert!(
        matches!(&err, OnnxError::Node { node, opset: 3, .. } if node == "trees"),
        "{err}"
    );
}

#[test]
fn tree_regressor_with_absurd_n_targets_is_rejected() {
    let attrs = vec![
        attr_i("n_targets", 1 << 40),
        attr_ints("nodes_treeids", &[0]),
        attr_ints("nodes_nodeids", &[0]),
        attr_ints("nodes_featureids", &[0]),
        attr_floats("nodes_values", &[0.0]),
        attr_strings("nodes_modes", &["LEAF"]),
        attr_ints("nodes_truenodeids", &[0]),
        attr_ints("nodes_falsenodeids", &[0]),
    ];
    let bytes = model(
        vec![node(
            "TreeEnsembleRegressor",
            "ai.onnx.ml",
            "trees",
            &["x"],
            &["y"],
            attrs,
        )],
        vec![],
        2,
        &["y"],
    );
    let err = load_err(&bytes);
    assert!(err.to_string().contains("n_targets"), "{err}");
}

#[test]
fn wrong_input_width_type_and_names_are_named() {
    let m = Model::from_bytes(&fixture("rf_binary_breast_cancer.onnx")).unwrap();
    let err = m.run_f32_matrix(vec![0.0; 2 * 29], 2, 29).unwrap_err();
    assert!(
        matches!(&err, OnnxError::InputShape { name, index: 1, found, .. } if name == "input" && found == &vec![2, 29]),
        "{err}"
    );
    assert!(err.to_string().contains("[?, 30]"), "{err}");

    let err = m.run_f32_matrix(vec![0.0; 7], 2, 30).unwrap_err();
    assert!(
        matches!(
            err,
            OnnxError::MatrixLength {
                len: 7,
                expected: 60,
                ..
            }
        ),
        "{err}"
    );

    let ints = Tensor::i64(vec![1, 30], vec![0; 30]).unwrap();
    let err = m.run(&[("input", &ints)]).unwrap_err();
    assert_eq!(
        err,
        OnnxError::InputType {
            name: "input".into(),
            expected: DType::F32,
            found: DType::I64
        }
    );

    let x = Tensor::f32(vec![1, 30], vec![0.0; 30]).unwrap();
    let err = m.run(&[("inptu", &x)]).unwrap_err();
    assert!(
        matches!(&err, OnnxError::UnknownInput { name, .. } if name == "inptu"),
        "{err}"
    );
    let err = m.run(&[]).unwrap_err();
    assert!(
        matches!(&err, OnnxError::MissingInput { name, .. } if name == "input"),
        "{err}"
    );

    let penguins = Model::from_bytes(&fixture("penguins_pipeline_logreg.onnx")).unwrap();
    let err = penguins.run_f32_matrix(vec![0.0; 6], 1, 6).unwrap_err();
    assert!(
        matches!(err, OnnxError::NotSingleInput { count: 6, .. }),
        "{err}"
    );
}

#[test]
fn nan_rows_follow_the_trees_missing_value_rules_without_panicking() {
    let m = Model::from_bytes(&fixture("rf_binary_breast_cancer.onnx")).unwrap();
    let out = m.run_f32_matrix(vec![f32::NAN; 3 * 30], 3, 30).unwrap();
    let probs = out[1].1.as_f32().unwrap();
    assert!(
        probs
            .iter()
            .all(|p| p.is_finite() && (0.0..=1.0).contains(p)),
        "{probs:?}"
    );
    assert_eq!(out[0].1.as_i64().unwrap().len(), 3);

    // A linear model propagates NaN, as ONNX Runtime does.
    let lin = Model::from_bytes(&fixture("linreg_diabetes.onnx")).unwrap();
    let out = lin.run_f32_matrix(vec![f32::NAN; 10], 1, 10).unwrap();
    assert!(out[0].1.as_f32().unwrap()[0].is_nan());
}

#[test]
fn nan_cast_to_int64_is_a_named_error() {
    let m = Model::from_bytes(&model(
        vec![node(
            "Cast",
            "",
            "to_int",
            &["x"],
            &["y"],
            vec![attr_i("to", 7)],
        )],
        vec![],
        2,
        &["y"],
    ))
    .unwrap();
    let ok = m.run_f32_matrix(vec![1.9, -2.5], 1, 2).unwrap();
    assert_eq!(ok[0].1.data(), &TensorData::I64(vec![1, -2]));
    let err = m.run_f32_matrix(vec![1.0, f32::NAN], 1, 2).unwrap_err();
    assert!(err.to_string().contains("NaN at element 1"), "{err}");
    assert!(
        matches!(&err, OnnxError::Node { node, .. } if node == "to_int"),
        "{err}"
    );

    // Split into chunks of 3 rows, the NaN sits in the third chunk; the error must still
    // name its element in the whole batch, as an unsplit run does.
    assert!(m.splits_batch());
    let mut data = vec![0.5f32; 20];
    data[15] = f32::NAN;
    let x = Tensor::f32(vec![10, 2], data).unwrap();
    let whole = m.run_chunked(&[("x", &x)], 0).unwrap_err();
    assert!(whole.to_string().contains("NaN at element 15"), "{whole}");
    assert_eq!(m.run_chunked(&[("x", &x)], 3).unwrap_err(), whole);
}

#[test]
fn bad_attribute_values_are_named_at_load() {
    let attrs = vec![
        attr_ints("classlabels_ints", &[0, 1]),
        attr_floats("coefficients", &[1.0, 2.0, 3.0]),
        attr_floats("intercepts", &[0.0, 0.0]),
    ];
    let err = load_err(&model(
        vec![node(
            "LinearClassifier",
            "ai.onnx.ml",
            "lin",
            &["x"],
            &["l", "p"],
            attrs,
        )],
        vec![],
        3,
        &["l"],
    ));
    assert!(err.to_string().contains("coefficients"), "{err}");

    let attrs = vec![
        AttributeProto {
            name: "post_transform".into(),
            r#type: 3,
            s: b"SQUASH".to_vec(),
            ..Default::default()
        },
        attr_floats("coefficients", &[1.0]),
        attr_floats("intercepts", &[0.0]),
    ];
    let err = load_err(&model(
        vec![node(
            "LinearRegressor",
            "ai.onnx.ml",
            "lin",
            &["x"],
            &["y"],
            attrs,
        )],
        vec![],
        1,
        &["y"],
    ));
    assert!(err.to_string().contains("SQUASH"), "{err}");
}

#[test]
fn model_reports_inputs_outputs_and_ops() {
    let m = Model::from_bytes(&fixture("mlp_classifier_iris.onnx")).unwrap();
    assert_eq!(m.inputs().len(), 1);
    assert_eq!(m.inputs()[0].name, "input");
    assert_eq!(m.inputs()[0].dtype, Some(DType::F32));
    let outs: Vec<(&str, Option<DType>)> = m
        .outputs()
        .iter()
        .map(|o| (o.name.as_str(), o.dtype))
        .collect();
    assert_eq!(
        outs,
        vec![
            ("label", Some(DType::I64)),
            ("probabilities", Some(DType::F32))
        ]
    );
    let ops: Vec<&str> = m.ops().map(|o| o.op_type.as_str()).collect();
    assert_eq!(ops.first(), Some(&"Scaler"));
    assert!(ops.contains(&"MatMul") && ops.contains(&"ArgMax"));
    assert!(m.opsets().iter().any(|(d, v)| d == "ai.onnx.ml" && *v >= 1));
}

#[test]
fn an_empty_input_with_a_huge_dimension_is_rejected() {
    let m = Model::from_bytes(&fixture("rf_binary_breast_cancer.onnx")).unwrap();
    let empty_but_huge = Tensor::f32(vec![1 << 40, 0], vec![]).unwrap();
    let err = m.run(&[("input", &empty_but_huge)]).unwrap_err();
    assert!(
        matches!(err, OnnxError::InputShape { index: 0, .. }),
        "{err}"
    );

    // Zero rows is fine: empty outputs of the right shape.
    let none = Tensor::f32(vec![0, 30], vec![]).unwrap();
    let out = m.run(&[("input", &none)]).unwrap();
    assert_eq!(out[1].1.shape(), &[0, 2]);
}

#[test]
fn models_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Model>();
}

#[test]
fn fused_and_folded_nodes_are_still_listed_as_the_model_declares_them() {
    // MatMul+Add+Relu chains run fused; the ops list is the model's own.
    let m = Model::from_bytes(&fixture("mlp_classifier_iris.onnx")).unwrap();
    let ops: Vec<&str> = m.ops().map(|o| o.op_type.as_str()).collect();
    assert_eq!(ops.iter().filter(|o| **o == "MatMul").count(), 3);
    assert_eq!(ops.iter().filter(|o| **o == "Relu").count(), 2);
    // Constant nodes (TorchScript exporter) are folded at load and listed first.
    let m = Model::from_bytes(&fixture("torch_mlp_regressor_diabetes.onnx")).unwrap();
    let ops: Vec<&str> = m.ops().map(|o| o.op_type.as_str()).collect();
    assert_eq!(ops[..3], ["Constant", "Constant", "Constant"]);
    assert!(ops.contains(&"Squeeze") && ops.contains(&"Gemm"));
}

#[test]
fn a_constant_needs_exactly_one_value() {
    let constant = |attrs: Vec<AttributeProto>| {
        model(
            vec![
                node("Constant", "", "k", &[], &["c"], attrs),
                node("Mul", "", "scale", &["x", "c"], &["y"], vec![]),
            ],
            vec![],
            2,
            &["y"],
        )
    };
    let err = load_err(&constant(vec![]));
    assert!(
        matches!(&err, OnnxError::Node { node, .. } if node == "k")
            && err.to_string().contains("exactly one of value"),
        "{err}"
    );
    let two = vec![
        attr_floats("value_floats", &[1.0, 2.0]),
        attr_i("value_int", 3),
    ];
    assert!(
        load_err(&constant(two))
            .to_string()
            .contains("found value_floats, value_int")
    );
    // value_floats [2] scales each row; the folded constant is visible at load.
    let m = Model::from_bytes(&constant(vec![attr_floats("value_floats", &[2.0, -1.0])])).unwrap();
    let out = m.run_f32_matrix(vec![1.0, 2.0, 3.0, 4.0], 2, 2).unwrap();
    assert_eq!(out[0].1.as_f32().unwrap(), &[2.0, -2.0, 6.0, -4.0]);
    assert!(m.splits_batch());
}

#[test]
fn squeeze_of_a_dimension_that_is_not_one_is_a_named_error() {
    let axes = TensorProto {
        name: "axes".into(),
        dims: vec![1],
        data_type: 7,
        int64_data: vec![0],
        ..Default::default()
    };
    let m = Model::from_bytes(&model(
        vec![node("Squeeze", "", "sq", &["x", "axes"], &["y"], vec![])],
        vec![axes],
        1,
        &["y"],
    ))
    .unwrap();
    // [1, 1] squeezes to [1]; [3, 1] cannot lose axis 0.
    let ok = m.run_f32_matrix(vec![5.0], 1, 1).unwrap();
    assert_eq!(ok[0].1.shape(), &[1]);
    let err = m.run_f32_matrix(vec![1.0, 2.0, 3.0], 3, 1).unwrap_err();
    assert!(
        err.to_string().contains("cannot squeeze axis 0 of size 3"),
        "{err}"
    );
    // Squeezing the batch axis mixes rows: the batch must not be split.
    assert!(!m.splits_batch());
}
